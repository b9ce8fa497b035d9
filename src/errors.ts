/**
 * Base class of every error Lovage throws, so callers can tell ours from the
 * SDK's with one `instanceof`.
 */
export class LovageError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LovageError';
  }
}
