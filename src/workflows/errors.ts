import { LovageError } from '../errors.js';

/** A chain, group or chord that cannot be sent as given; nothing was written or sent. */
export class WorkflowDefinitionError extends LovageError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WorkflowDefinitionError';
  }
}

/** The workflow id was sent before with a different plan; nothing was sent. */
export class WorkflowConflictError extends LovageError {
  readonly workflowId: string;

  constructor(workflowId: string) {
    super(
      `workflow '${workflowId}' was sent before with different steps; use another id (sending the same workflow again with its id completes it)`,
    );
    this.name = 'WorkflowConflictError';
    this.workflowId = workflowId;
  }
}

/** No workflow with this id (never sent, or expired). */
export class WorkflowNotFoundError extends LovageError {
  readonly workflowId: string;

  constructor(workflowId: string) {
    super(`no workflow '${workflowId}' (never sent, or older than its 14-day retention)`);
    this.name = 'WorkflowNotFoundError';
    this.workflowId = workflowId;
  }
}

/** Some of a workflow's first steps could not be sent; sending it again with its id completes it. */
export class WorkflowSendError extends LovageError {
  readonly workflowId: string;
  readonly failedIds: readonly string[];

  constructor(workflowId: string, failedIds: readonly string[], detail: string) {
    super(
      `workflow '${workflowId}': ${failedIds.length} of its first steps were not sent (${detail}); sending it again with the same id completes it without running anything twice`,
    );
    this.name = 'WorkflowSendError';
    this.workflowId = workflowId;
    this.failedIds = failedIds;
  }
}

/**
 * The error type a step is failed with when what it receives from earlier steps (a result,
 * a chord's results) does not fit its payload schema, or cannot be passed at all. The
 * message names the step's task and the tasks whose results it was given.
 */
export const WORKFLOW_ARGS_ERROR = 'WorkflowArgsError';

export class WorkflowArgsError extends LovageError {
  constructor(message: string) {
    super(message);
    this.name = WORKFLOW_ARGS_ERROR;
  }
}
