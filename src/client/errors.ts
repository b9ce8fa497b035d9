import { LovageError } from '../errors.js';

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
