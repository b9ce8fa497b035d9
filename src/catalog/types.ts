import type { z } from 'zod';

/**
 * Priority tiers. SQS has no message priority, so each tier is its own queue
 * with its own consumer concurrency; `critical` is never starved by `low`.
 */
export const TIERS = ['critical', 'high', 'normal', 'low'] as const;
export type Tier = (typeof TIERS)[number];

/** Options every task declares in the catalog; runtime, stack and client read the same values. */
export interface TaskOptions<S extends z.ZodType = z.ZodType> {
  /** zod schema of the payload (`args`); validated by the client before sending and by the runtime before running. */
  readonly schema: S;
  /**
   * Tier queue the task goes to unless the sender overrides it.
   * @defaultValue 'normal'
   */
  readonly tier?: Tier;
  /**
   * How long a result (and the task's record) is kept, in seconds.
   * @defaultValue 86400 (1 day)
   */
  readonly resultTtlSeconds?: number;
  /** One line saying what the task does; shown by the CLI and the dashboard. */
  readonly description?: string;
  /**
   * Retries after the first run (0 to 100): a task runs at most `maxRetries + 1` times.
   * @defaultValue 3
   */
  readonly maxRetries?: number;
  /** Delay before each retry; see {@link BackoffOptions} for the defaults. */
  readonly backoff?: BackoffOptions;
  /**
   * Names (`error.name`) of the only errors that are retried; any other error fails the task at once.
   * @defaultValue every error except {@link TaskOptions.neverRetry} and `UnrecoverableError`
   */
  readonly retryOn?: readonly string[];
  /**
   * Names (`error.name`) of errors that fail the task at once, on top of `UnrecoverableError`.
   * @defaultValue []
   */
  readonly neverRetry?: readonly string[];
  /**
   * Seconds after which the task's `ctx.signal` is aborted with a `SoftTimeLimitExceededError`;
   * must be less than the category's `timeoutSeconds` (the hard limit).
   * @defaultValue no soft limit: only the function timeout
   */
  readonly softTimeLimitSeconds?: number;
  /**
   * Write nothing on success (no STARTED, no SUCCESS, no result). Failures and retries are still recorded.
   * @defaultValue false
   */
  readonly ignoreResult?: boolean;
  /**
   * Record STARTED (a claim with a lease) before running. Off saves one write per task, but
   * then two deliveries of one id that arrive together may both run; only one result is kept.
   * @defaultValue true
   */
  readonly trackStarted?: boolean;
  /**
   * Most runs per window across all concurrent invocations: `<n>/s`, `<n>/m` or `<n>/h`,
   * e.g. `'10/m'`. A task over the limit is re-queued for the next window without using a retry.
   * @defaultValue no limit
   */
  readonly rateLimit?: `${number}/${'s' | 'm' | 'h'}`;
}

/**
 * Exponential backoff: retry `n` (1-based) waits `min(maxSeconds, baseSeconds * factor^(n-1))`,
 * or a uniformly random part of that with `jitter: 'full'`. Celery's 60/120/240/480 s is
 * `{ baseSeconds: 60, factor: 2, jitter: 'none' }`.
 */
export interface BackoffOptions {
  /**
   * Delay before the first retry, in seconds (1 to 86400).
   * @defaultValue 10
   */
  readonly baseSeconds?: number;
  /**
   * Multiplier between consecutive retries (1 to 10; 1 is a constant delay).
   * @defaultValue 2
   */
  readonly factor?: number;
  /**
   * Cap on any one delay, in seconds (at least `baseSeconds`, at most 86400). Delays over 900 s
   * go through a one-time Scheduler schedule.
   * @defaultValue 600
   */
  readonly maxSeconds?: number;
  /**
   * `'full'` waits a random time between 0 and the computed delay (spreads a burst of failures);
   * `'none'` waits exactly the computed delay.
   * @defaultValue 'full'
   */
  readonly jitter?: 'full' | 'none';
}

/** A parsed `rateLimit`: at most `limit` runs per fixed window of `windowSeconds`. */
export interface RateLimit {
  readonly limit: number;
  readonly windowSeconds: number;
}

export interface TaskDefinition<S extends z.ZodType = z.ZodType> extends TaskOptions<S> {
  readonly name: string;
  readonly category: string;
  readonly tier: Tier;
  readonly resultTtlSeconds: number;
  readonly maxRetries: number;
  readonly backoff: Required<BackoffOptions>;
  readonly neverRetry: readonly string[];
  readonly ignoreResult: boolean;
  readonly trackStarted: boolean;
  /** `rateLimit`, parsed. */
  readonly rateLimitWindow?: RateLimit;
}

/** How a category's Lambda function is sized. */
export interface CategoryOptions {
  /**
   * Function timeout (the hard time limit of every task in the category), in seconds.
   * @defaultValue 30
   */
  readonly timeoutSeconds?: number;
  /**
   * Function memory in MB (128 to 10240).
   * @defaultValue 256
   */
  readonly memoryMb?: number;
  /**
   * How many times SQS delivers a message before its redrive policy moves it to the DLQ.
   * Retries are owned by the runtime; this only catches crashes and timeouts.
   * @defaultValue 3
   */
  readonly maxReceiveCount?: number;
  /**
   * Messages per Lambda invocation (1 to 10).
   * @defaultValue 10
   */
  readonly batchSize?: number;
  /**
   * How long the event-source mapping gathers messages before invoking (0 to 300 s).
   * Part of the queue's visibility timeout (6 x timeout + batching window).
   * @defaultValue 0
   */
  readonly batchingWindowSeconds?: number;
  /**
   * How long an unconsumed message stays in a tier queue, in seconds (60 to 1209600,
   * never longer than the DLQ's 14 days).
   * @defaultValue 345600 (4 days)
   */
  readonly retentionSeconds?: number;
  /**
   * MaximumConcurrency of each tier's event-source mapping (2 to 1000), so a
   * flood of `low` tasks cannot starve `critical`.
   * @defaultValue the stack's per-tier defaults (critical 50, high 20, normal 10, low 5)
   */
  readonly tierConcurrency?: Readonly<Partial<Record<Tier, number>>>;
  /**
   * Tasks of other categories that this category's task code may queue with `ctx.send`
   * (its own tasks it always may). The stack lets the function send to exactly those
   * tasks' tier queues and to no other category's.
   * @defaultValue [] (its own tasks only)
   */
  readonly sends?: readonly string[];
}

export interface CategoryDefinition<
  T extends Record<string, TaskOptions> = Record<string, TaskOptions>,
> extends Required<CategoryOptions> {
  readonly name: string;
  readonly tasks: T;
}

/** Units a beat `rate` may use; seconds go below Scheduler's one-minute minimum (see `ResolvedSchedule.fanOut`). */
export type RateUnit =
  | 'second'
  | 'seconds'
  | 'minute'
  | 'minutes'
  | 'hour'
  | 'hours'
  | 'day'
  | 'days';

/**
 * `rate(...)` or `cron(...)` in EventBridge Scheduler syntax, evaluated in
 * `timezone`. A rate in seconds must divide a minute (e.g. `30 seconds`).
 */
export type ScheduleExpression =
  | { readonly rate: `${number} ${RateUnit}` }
  | { readonly cron: string; readonly timezone?: string };

export interface ScheduleDefinition<Name extends string = string> {
  readonly task: Name;
  readonly every: ScheduleExpression;
  /** Payload sent on every tick; validated against the task's schema at synth time. */
  readonly args: unknown;
  readonly description?: string;
}
