import type { Catalog, TaskArgs, TaskNamesOf, Tier } from '../catalog/index.js';
import type {
  HistoryEntry,
  ProgressMeta,
  TaskError,
  TaskRecord,
  TaskState,
} from '../protocol/records.js';

/** The categories a catalog was built from (types only). */
export type CategoriesOf<K extends Catalog> = NonNullable<K['__categories']>;
/** Every task name of catalog `K`. */
export type TaskName<K extends Catalog> = TaskNamesOf<CategoriesOf<K>>;
/** Payload type of task `N` in catalog `K`. */
export type ArgsOf<K extends Catalog, N extends TaskName<K>> = TaskArgs<CategoriesOf<K>, N>;

/** When a time is asked for: a `Date` or an ISO-8601 string with an offset. */
export type TimeInput = Date | string;

export interface SendOptions {
  /**
   * Queue tier, overriding the task's catalog default.
   * @defaultValue the task's `tier`
   */
  readonly tier?: Tier;
  /**
   * Task id. Sending twice with the same id runs the task once.
   * @defaultValue a random UUID
   */
  readonly id?: string;
  /** Carried on every log line and lifecycle event of the task. */
  readonly correlationId?: string;
  /**
   * Seconds to wait before the task may run; any distance. Up to 900 s the
   * message waits in SQS (DelaySeconds); beyond, in a one-time EventBridge
   * Scheduler schedule. Exclusive with `eta`.
   * @defaultValue 0
   */
  readonly countdownSeconds?: number;
  /** Earliest time the task may run; any distance in the future. Exclusive with `countdownSeconds`. */
  readonly eta?: TimeInput;
  /**
   * After this time the task is not run (it ends EXPIRED). Must be later than
   * the eta, if there is one.
   * @defaultValue - never expires
   */
  readonly expires?: TimeInput;
  /**
   * Deliver through a one-time Scheduler schedule even when the delay fits
   * SQS's 900 s. Needs a countdown or eta of at least a second. Useful when
   * the delivery must be cancellable without a trace in the queue, and to
   * exercise the long-delay path with a short delay.
   * @defaultValue false
   */
  readonly viaScheduler?: boolean;
}

/** What `send` returns: enough to look the task up later. */
export interface TaskHandle {
  readonly id: string;
  readonly task: string;
  readonly tier: Tier;
  /** `queue`: the message is in (or delayed by) SQS; `schedule`: a one-time schedule delivers it at `eta`. */
  readonly delivery: 'queue' | 'schedule';
  /** SQS message id, for `queue` deliveries. */
  readonly messageId?: string;
  /** ISO time the task may run from, when delayed. */
  readonly eta?: string;
  /** Name of the one-time schedule in the stack's delay group, for `schedule` deliveries. */
  readonly scheduleName?: string;
}

/** One task of a `sendMany` call; typed like `send`'s arguments. */
export type SendRequest<K extends Catalog> = {
  [N in TaskName<K>]: {
    readonly task: N;
    readonly args: ArgsOf<K, N>;
    readonly options?: SendOptions;
  };
}[TaskName<K>];

export interface SendManyOptions {
  /**
   * SendMessageBatch calls (of up to ten entries) in flight at once.
   * @defaultValue 8
   */
  readonly concurrency?: number;
  /**
   * Tries per entry, counting the first, for entries SQS reports as failed
   * through no fault of the sender (throttling, internal errors).
   * @defaultValue 5
   */
  readonly maxAttempts?: number;
  /**
   * First backoff between tries in ms; doubles each time, with full jitter, up to 5 s.
   * @defaultValue 100
   */
  readonly baseDelayMs?: number;
}

/** An entry that `sendMany` could not send after all its tries. */
export interface FailedSend {
  /** Position of the entry in the array passed to `sendMany`. */
  readonly index: number;
  readonly id: string;
  readonly task: string;
  /** The SQS error code (or the thrown error's name). */
  readonly code: string;
  readonly message: string;
  /** True when SQS blamed the request itself; such entries are not retried. */
  readonly senderFault: boolean;
  readonly attempts: number;
}

/** Outcome of `sendMany`: every entry is in exactly one of the two lists. */
export interface SendManyResult {
  /** Handles of the sent entries, in input order. */
  readonly sent: readonly (TaskHandle & { readonly index: number })[];
  /** Entries that failed for good, in input order. Never silently dropped: check this. */
  readonly failed: readonly FailedSend[];
}

/**
 * One transition as `get` reports it: the stored {@link HistoryEntry} as a
 * plain object type, so it can also be read as a `Record<string, unknown>`.
 */
export type TaskHistoryEntry = { readonly [K in keyof HistoryEntry]: HistoryEntry[K] };
/** The latest progress report, as a plain object type (see {@link TaskHistoryEntry}). */
export type TaskProgress = { readonly [K in keyof ProgressMeta]: ProgressMeta[K] };

/** A task's state as `get` and `list` report it. */
export interface TaskStatus {
  readonly id: string;
  readonly state: TaskState;
  readonly task?: string;
  readonly tier?: string;
  readonly attempt?: number;
  readonly result?: unknown;
  /** How long the latest run took, ms (written with SUCCESS, RETRY and FAILURE). */
  readonly durationMs?: number;
  readonly error?: TaskError;
  readonly progress?: TaskProgress;
  /** Every transition, oldest first. */
  readonly history?: readonly TaskHistoryEntry[];
  readonly createdAt?: string;
  readonly updatedAt?: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly eta?: string;
  readonly expires?: string;
  readonly correlationId?: string;
  /** The task that sent this one (from a task or a workflow). */
  readonly parentId?: string;
  /** The first task of the tree this one belongs to. */
  readonly rootId?: string;
  /** The workflow (chain, group, chord) this task is a step of. */
  readonly workflowId?: string;
  /** Who sent it: `client`, `beat:<schedule>`, `event:<trigger>`, `celery`, ... */
  readonly source?: string;
  /**
   * The args as the record keeps them for display: redacted as in the logs (sensitive keys
   * and addresses replaced, long strings cut) and capped in size. Absent on records written
   * before a task ran, except scheduled ones.
   */
  readonly args?: unknown;
}

export interface WaitOptions {
  /**
   * Give up (WaitTimeoutError) after this long.
   * @defaultValue 60000
   */
  readonly timeoutMs?: number;
  /**
   * First pause between polls; grows by half each poll up to `maxIntervalMs`.
   * @defaultValue 250
   */
  readonly intervalMs?: number;
  /** @defaultValue 2000 */
  readonly maxIntervalMs?: number;
  /** Called with every status read, e.g. to draw a progress bar. */
  readonly onPoll?: (status: TaskStatus) => void;
}

export interface ListOptions {
  /** Only this task; served by the `byName` index (newest created first). */
  readonly task?: string;
  /** Only this state; served by the `byState` index (newest updated first). */
  readonly state?: TaskState;
  /**
   * Only tasks created (by task) or updated (by state) at or after this time.
   * @defaultValue 24 hours ago
   */
  readonly since?: TimeInput;
  /**
   * Most tasks returned (1 to 1000).
   * @defaultValue 50
   */
  readonly limit?: number;
  /** Only the children of this task (sent with it as their parent). */
  readonly parentId?: string;
  /** Only the tasks of the tree that starts at this task. */
  readonly rootId?: string;
}

/** What `revoke` did. */
export interface RevokeResult {
  readonly id: string;
  /** REVOKED, or the finished state that made the revoke a no-op. */
  readonly state: TaskState;
  /** False when the task had already finished (SUCCESS, FAILURE, EXPIRED) or was revoked before. */
  readonly revoked: boolean;
  /** Whether a pending one-time schedule was found and deleted. */
  readonly scheduleDeleted: boolean;
}

export interface RevokeOptions {
  /** Task name, recorded (and indexed by name) when the task has no record yet. */
  readonly task?: string;
  /**
   * Why; stored in the history entry.
   * @defaultValue 'revoked by client'
   */
  readonly reason?: string;
}

/** A domain event for the stack's bus; catalog triggers turn matching events into tasks. */
export interface DomainEvent {
  /** e.g. `shop.orders`; must not start with `aws.`. */
  readonly source: string;
  /** e.g. `OrderPlaced`. */
  readonly detailType: string;
  /** JSON-serialisable object. */
  readonly detail: Record<string, unknown>;
  /** @defaultValue now */
  readonly time?: Date;
  /** ARNs the event concerns. */
  readonly resources?: readonly string[];
}

/** The stored item of a task, as the client reads it. */
export type StoredTask = TaskRecord & Record<string, unknown>;
