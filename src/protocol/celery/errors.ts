import { EnvelopeError, type EnvelopeErrorContext } from '../envelope.js';

/**
 * A Celery message asks for something Lovage cannot honour: a chain, chord or
 * link callback, a serializer other than JSON, compression, task protocol 1.
 * Refused at once (FAILURE and a dead letter that says why), so the Python
 * caller's `AsyncResult.get()` raises `NotImplementedError` instead of waiting
 * forever.
 */
export class CeleryUnsupportedError extends EnvelopeError {
  constructor(message: string, context: EnvelopeErrorContext = {}) {
    super(message, context);
    this.name = 'CeleryUnsupportedError';
  }
}

/**
 * The task was called with positional and keyword arguments that do not map
 * onto one Lovage payload (SPEC §3.2). The Python caller sees `TypeError`.
 */
export class CeleryArgumentsError extends EnvelopeError {
  constructor(message: string, context: EnvelopeErrorContext = {}) {
    super(message, context);
    this.name = 'CeleryArgumentsError';
  }
}
