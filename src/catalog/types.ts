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
}

export interface TaskDefinition<S extends z.ZodType = z.ZodType> extends TaskOptions<S> {
  readonly name: string;
  readonly category: string;
  readonly tier: Tier;
  readonly resultTtlSeconds: number;
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
}

export interface CategoryDefinition<
  T extends Record<string, TaskOptions> = Record<string, TaskOptions>,
> extends Required<CategoryOptions> {
  readonly name: string;
  readonly tasks: T;
}

/** `rate(...)` or `cron(...)` in EventBridge Scheduler syntax, evaluated in `timezone`. */
export type ScheduleExpression =
  | { readonly rate: `${number} ${'minute' | 'minutes' | 'hour' | 'hours' | 'day' | 'days'}` }
  | { readonly cron: string; readonly timezone?: string };

export interface ScheduleDefinition<Name extends string = string> {
  readonly task: Name;
  readonly every: ScheduleExpression;
  /** Payload sent on every tick; validated against the task's schema at synth time. */
  readonly args: unknown;
  readonly description?: string;
}
