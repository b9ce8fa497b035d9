export {
  type ChainOf,
  type FirstStepOf,
  type LaterStepOf,
  type MemberOf,
  sendWorkflow,
  type WorkflowHandle,
  type WorkflowSendOptions,
  type WorkflowWaitOptions,
  workflowHandle,
} from './client.js';
export {
  type MemberInput,
  planWorkflow,
  type StepInput,
  type StepOptions,
  type WorkflowInput,
  type WorkflowOptions,
  type WorkflowPlan,
} from './define.js';
export { type FinishedStep, WorkflowEngine } from './engine.js';
export {
  WORKFLOW_ARGS_ERROR,
  WorkflowArgsError,
  WorkflowConflictError,
  WorkflowDefinitionError,
  WorkflowNotFoundError,
  WorkflowSendError,
} from './errors.js';
export { chainPayload, type FailurePayload, MAX_PASSED_BYTES } from './payload.js';
export { stepId, type WorkflowFailure, type WorkflowKind } from './plan.js';
export { workflowReactor, workflowReactorFromEnvironment } from './reactor.js';
export {
  readWorkflow,
  revokeWorkflow,
  type WorkflowRevokeResult,
  type WorkflowState,
  type WorkflowStatus,
  type WorkflowStepStatus,
} from './status.js';
