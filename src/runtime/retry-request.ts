import type { TaskDefinition } from '../catalog/types.js';
import { LovageError } from '../errors.js';
import type { TaskError } from '../protocol/records.js';

/** The longest countdown `ctx.retry` takes: a day, like the longest catalog backoff. */
export const MAX_RETRY_COUNTDOWN_SECONDS = 86_400;

/** Options of `ctx.retry`. */
export interface RetryOptions {
  /**
   * Seconds until the next attempt, instead of the task's backoff (0 to 86400; over 900 s
   * goes through a one-time Scheduler schedule).
   */
  readonly countdownSeconds: number;
  /** Why; recorded with the RETRY transition and in the logs. */
  readonly reason?: string;
}

/**
 * Thrown by `ctx.retry`: the task asks to run again after `countdownSeconds`. Counted against
 * the task's `maxRetries` like any retry, but `retryOn` and `neverRetry` do not apply (the task
 * asked). Like Celery's `Retry`, it must not be caught by the task's own code.
 */
export class RetryRequestedError extends LovageError {
  readonly countdownSeconds: number;

  constructor(options: RetryOptions) {
    super(options.reason ?? 'the task asked to be retried');
    this.name = 'RetryRequestedError';
    this.countdownSeconds = options.countdownSeconds;
  }
}

/** `ctx.retry` asked for a retry beyond `maxRetries`: the task fails for good. */
export class MaxRetriesExceededError extends LovageError {
  constructor(message: string) {
    super(message);
    this.name = 'MaxRetriesExceededError';
  }
}

/**
 * `ctx.retry`: validates the countdown and throws {@link RetryRequestedError}. A bad countdown
 * is a programming error in the task: it throws a plain error instead, which the task's retry
 * policy handles like any other.
 *
 * @example
 * if (!(await exists(key))) ctx.retry({ countdownSeconds: 30, reason: `${key} not uploaded yet` });
 */
export function requestRetry(options: RetryOptions): never {
  const { countdownSeconds } = options;
  if (
    !Number.isFinite(countdownSeconds) ||
    countdownSeconds < 0 ||
    countdownSeconds > MAX_RETRY_COUNTDOWN_SECONDS
  ) {
    throw new RangeError(
      `ctx.retry countdownSeconds (${countdownSeconds}) must be from 0 to ${MAX_RETRY_COUNTDOWN_SECONDS}`,
    );
  }
  throw new RetryRequestedError(options);
}

/** What a retry request of attempt `attempt` comes to. */
export type RequestedRetry =
  | { readonly retry: true; readonly delaySeconds: number; readonly note: string }
  | { readonly retry: false; readonly error: TaskError; readonly reason: string };

/**
 * A retry the task asked for: granted with its own countdown while retries remain
 * (`attempt <= maxRetries`), else a failure for good with a MaxRetriesExceededError.
 */
export function decideRequestedRetry(
  request: RetryRequestedError,
  policy: Pick<TaskDefinition, 'maxRetries'>,
  attempt: number,
): RequestedRetry {
  if (attempt > policy.maxRetries) {
    const reason = `retries exhausted: attempt ${attempt} of ${policy.maxRetries + 1} (maxRetries ${policy.maxRetries}) asked for another`;
    return {
      retry: false,
      error: {
        type: 'MaxRetriesExceededError',
        message: new MaxRetriesExceededError(`${reason}: ${request.message}`).message,
      },
      reason,
    };
  }
  return {
    retry: true,
    delaySeconds: Math.ceil(request.countdownSeconds),
    note: `asked by the task: ${request.message}`,
  };
}
