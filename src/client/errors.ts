import { LovageError } from '../errors.js';
import type { TaskState } from '../protocol/records.js';

/** The stack could not be found or lacks an output the client needs. */
export class StackConfigError extends LovageError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StackConfigError';
  }
}

/** A send option that cannot be honoured, caught before anything is sent. */
export class SendOptionsError extends LovageError {
  constructor(message: string) {
    super(message);
    this.name = 'SendOptionsError';
  }
}

/** One entry of a `sendMany` call that failed validation. */
export interface InvalidEntry {
  /** Position of the entry in the array passed to `sendMany`. */
  readonly index: number;
  readonly task: string;
  readonly error: LovageError;
}

/** `sendMany` found invalid entries; nothing was sent. */
export class BatchValidationError extends LovageError {
  readonly entries: readonly InvalidEntry[];

  constructor(entries: readonly InvalidEntry[]) {
    const shown = entries
      .slice(0, 5)
      .map((e) => `#${e.index} (${e.task}): ${e.error.message}`)
      .join('; ');
    const more = entries.length > 5 ? `; and ${entries.length - 5} more` : '';
    super(`${entries.length} sendMany entries are invalid, nothing was sent: ${shown}${more}`);
    this.name = 'BatchValidationError';
    this.entries = entries;
  }
}

/** A delayed send whose task record or one-time schedule could not be written. */
export class ScheduleDeliveryError extends LovageError {
  readonly taskId: string;

  constructor(taskId: string, message: string, options?: ErrorOptions) {
    super(
      `task '${taskId}': ${message}; sending again with the same id completes it without running the task twice`,
      options,
    );
    this.name = 'ScheduleDeliveryError';
    this.taskId = taskId;
  }
}

/** `wait` gave up before the task reached a finished state. */
export class WaitTimeoutError extends LovageError {
  readonly taskId: string;
  readonly lastState: TaskState;
  readonly timeoutMs: number;

  constructor(taskId: string, lastState: TaskState, timeoutMs: number) {
    super(
      `task '${taskId}' did not finish within timeoutMs (${timeoutMs} ms); its last state was ${lastState}`,
    );
    this.name = 'WaitTimeoutError';
    this.taskId = taskId;
    this.lastState = lastState;
    this.timeoutMs = timeoutMs;
  }
}

/** A `list` or `wait` option out of range, caught before any call. */
export class QueryOptionsError extends LovageError {
  constructor(message: string) {
    super(message);
    this.name = 'QueryOptionsError';
  }
}

/** An event that the bus refused, or that is invalid before sending. */
export class PublishError extends LovageError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PublishError';
  }
}
