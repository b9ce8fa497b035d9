import { LovageError } from '../errors.js';

/**
 * Throw this from a task to fail it for good: no retry, straight to FAILURE
 * and the DLQ. Anything else a task throws counts as a task failure too.
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
