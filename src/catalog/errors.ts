import { LovageError } from '../errors.js';

/** The catalog itself is inconsistent: caught at synth time and at import. */
export class CatalogError extends LovageError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CatalogError';
  }
}

/** A task name that the catalog does not declare. */
export class UnknownTaskError extends LovageError {
  readonly task: string;

  constructor(task: string, known: readonly string[]) {
    super(`unknown task '${task}'; the catalog declares: ${known.join(', ')}`);
    this.name = 'UnknownTaskError';
    this.task = task;
  }
}

/** One problem found in a payload: the path of the field and what is wrong with it. */
export interface PayloadIssue {
  readonly path: string;
  readonly message: string;
}

/** A payload that does not match its task's schema. */
export class PayloadValidationError extends LovageError {
  readonly task: string;
  readonly issues: readonly PayloadIssue[];

  constructor(task: string, issues: readonly PayloadIssue[]) {
    const detail = issues.map((i) => `${i.path || '(payload)'}: ${i.message}`).join('; ');
    super(`invalid payload for task '${task}': ${detail}`);
    this.name = 'PayloadValidationError';
    this.task = task;
    this.issues = issues;
  }
}
