import { LovageError } from '../errors.js';

/**
 * Throw this from a task to fail it for good: no retry, straight to FAILURE
 * and the DLQ. Any other error is retried (see the task's `maxRetries`,
 * `retryOn` and `neverRetry`).
 *
 * @example
 * if (!customer) throw new UnrecoverableError(`customer ${id} does not exist`);
 */
export class UnrecoverableError extends LovageError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UnrecoverableError';
  }
}

/** The message names a task that this category's function does not serve. */
export class WrongCategoryError extends LovageError {
  constructor(task: string, category: string) {
    super(`task '${task}' does not belong to category '${category}'`);
    this.name = 'WrongCategoryError';
  }
}

/**
 * The reason of `ctx.signal` when the task's `softTimeLimitSeconds` has
 * passed; also thrown by `ctx.progress` after that. Retried like any other
 * error unless the task lists it in `neverRetry`.
 */
export class SoftTimeLimitExceededError extends LovageError {
  readonly limitSeconds: number;

  constructor(task: string, limitSeconds: number) {
    super(`task '${task}' ran past its softTimeLimitSeconds (${limitSeconds} s)`);
    this.name = 'SoftTimeLimitExceededError';
    this.limitSeconds = limitSeconds;
  }
}

/**
 * The reason of `ctx.signal` when the task was revoked while running; thrown
 * by the `ctx.progress` checkpoint that noticed. Never retried: the record
 * stays REVOKED.
 */
export class TaskRevokedError extends LovageError {
  readonly taskId: string;

  constructor(taskId: string) {
    super(`task ${taskId} was revoked while running; stopped at a progress checkpoint`);
    this.name = 'TaskRevokedError';
    this.taskId = taskId;
  }
}

/** `ctx.progress` was called with numbers that cannot describe progress. */
export class ProgressError extends LovageError {
  constructor(message: string) {
    super(message);
    this.name = 'ProgressError';
  }
}

/**
 * A run whose worker died: its lease passed while it was STARTED or in
 * PROGRESS, without an outcome (the process crashed, ran out of memory, or
 * was stuck past the function timeout where no timer could fire). Counted as
 * a failed attempt and retried by the task's policy, like Celery's
 * `WorkerLostError`.
 */
export class WorkerLostError extends LovageError {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerLostError';
  }
}

/**
 * A run still going when its invocation reached the function timeout (the
 * hard time limit), like Celery's `TimeLimitExceeded`. The runtime records it
 * just before the limit; the function is then stopped by Lambda.
 */
export class TimeLimitExceededError extends LovageError {
  readonly limitSeconds: number;

  constructor(task: string, limitSeconds: number) {
    super(
      `task '${task}' was still running when its invocation reached the function timeout (${limitSeconds} s)`,
    );
    this.name = 'TimeLimitExceededError';
    this.limitSeconds = limitSeconds;
  }
}

/**
 * A task returned a result that cannot be stored: not JSON-serialisable
 * (a BigInt, a cycle) or too large for its record. Never retried: running
 * the task again would return the same.
 */
export class ResultNotStorableError extends LovageError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ResultNotStorableError';
  }
}
