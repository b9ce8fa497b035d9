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
