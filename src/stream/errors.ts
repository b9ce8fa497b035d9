import { LovageError } from '../errors.js';

/**
 * Thrown by a reactor that handled the changes before `firstUnhandled` (a
 * change's eventId) and not that one or any after it: the observer reports
 * the batch failed from there, so the stream redelivers only the rest.
 * Any other error from a reactor means none of its changes may count as
 * handled.
 */
export class ReactionError extends LovageError {
  readonly reactor: string;
  readonly firstUnhandled: string;

  constructor(reactor: string, firstUnhandled: string, message: string, options?: ErrorOptions) {
    super(`${reactor}: ${message}`, options);
    this.name = 'ReactionError';
    this.reactor = reactor;
    this.firstUnhandled = firstUnhandled;
  }
}
