/**
 * Layout of the task table, shared by the runtime (writer) and the client
 * (reader). One item per task under `TASK#<id>`; the two GSIs serve "recent
 * tasks by name" and "tasks in a state", each sharded so that a busy task
 * name or a burst of failures never lands on one partition.
 */

/** Task states, as in Celery. PENDING means "no record yet" or "scheduled". */
export const STATES = [
  'PENDING',
  'STARTED',
  'PROGRESS',
  'RETRY',
  'SUCCESS',
  'FAILURE',
  'REVOKED',
  'EXPIRED',
] as const;
export type TaskState = (typeof STATES)[number];

/** States after which a task never runs again. */
export const FINISHED_STATES: readonly TaskState[] = ['SUCCESS', 'FAILURE', 'REVOKED', 'EXPIRED'];

export const TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttl: 'expiresAt',
  byName: { name: 'byName', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  byState: { name: 'byState', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
} as const;

/** Write shards of each GSI partition; readers fan out over all of them. */
export const INDEX_SHARDS = 8;

export interface TaskError {
  readonly type: string;
  readonly message: string;
}

/**
 * One transition in a task's life, appended (list_append) to the task item's
 * `history` in the same write that changes its state, so history costs no
 * extra writes.
 */
export interface HistoryEntry {
  readonly state: TaskState;
  readonly at: string;
  readonly attempt: number;
  readonly error?: TaskError;
  /** Free text: why (e.g. "retry in 120 s", "revoked by cli"). */
  readonly note?: string;
}

/**
 * Left on a running record by the delivery that is failing it for good,
 * before it sends the dead letter: if that delivery dies, the next one sends
 * the letter and writes FAILURE with this error, instead of retrying.
 */
export interface FailingMark {
  readonly error: TaskError;
  /** Why the failure is final (the dead letter's `lovage-failure-reason`). */
  readonly reason: string;
}

/** Latest `ctx.progress(current, total, message)` of a task in PROGRESS. */
export interface ProgressMeta {
  readonly current: number;
  readonly total: number;
  readonly message?: string;
  readonly at: string;
}

/** The task item as stored (without key attributes). */
export interface TaskRecord {
  readonly id: string;
  readonly task: string;
  readonly state: TaskState;
  readonly tier: string;
  readonly attempt: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly result?: unknown;
  /** How long the latest run took (ms), written with SUCCESS, RETRY and FAILURE. */
  readonly durationMs?: number;
  readonly error?: TaskError;
  readonly correlationId?: string;
  readonly parentId?: string;
  readonly rootId?: string;
  /** The workflow this task is a step of (chain, group or chord), when it is one. */
  readonly workflowId?: string;
  readonly source?: string;
  /** The args, redacted as in the logs and capped (`storedArgs`), for display only. */
  readonly args?: unknown;
  /** Every transition, oldest first. */
  readonly history?: readonly HistoryEntry[];
  readonly progress?: ProgressMeta;
  /** While STARTED or PROGRESS: epoch ms after which the run is certainly dead (hard time limit passed). */
  readonly leaseUntil?: number;
  /** When the task may run (ETA / countdown), ISO time. */
  readonly eta?: string;
  /** After this ISO time the task is not run (EXPIRED). */
  readonly expires?: string;
  /** Name of the pending one-time schedule in the delay group, so revoke can delete it. */
  readonly scheduleName?: string;
  /** While a delivery fails the task for good: the error and reason its dead letter carries. */
  readonly failing?: FailingMark;
}

export function taskKey(id: string): { pk: string; sk: string } {
  return { pk: `TASK#${id}`, sk: 'TASK' };
}

/** Stable shard of a task id (FNV-1a), so every writer and reader agrees. */
export function shardOf(id: string, shards = INDEX_SHARDS): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shards;
}

/** GSI key attributes of a task item in `state`, written with every state change. */
export function indexKeys(
  record: Pick<TaskRecord, 'id' | 'task' | 'state' | 'createdAt' | 'updatedAt'>,
): Record<string, string> {
  const shard = shardOf(record.id);
  return {
    gsi1pk: `NAME#${record.task}#${shard}`,
    gsi1sk: `${record.createdAt}#${record.id}`,
    gsi2pk: `STATE#${record.state}#${shard}`,
    gsi2sk: `${record.updatedAt}#${record.id}`,
  };
}

/**
 * Key of a rate-limit counter: one item per task name and fixed window
 * (`windowStart` in epoch seconds), counting runs granted in that window.
 * It expires through the table's TTL shortly after its window ends.
 */
export function rateLimitKey(task: string, windowStart: number): { pk: string; sk: string } {
  return { pk: `RATE#${task}`, sk: `WINDOW#${windowStart}` };
}
