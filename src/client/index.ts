export type {
  ChainOf,
  LaterStepOf,
  MemberOf,
  WorkflowHandle,
  WorkflowSendOptions,
  WorkflowStatus,
  WorkflowStepStatus,
} from '../workflows/index.js';
export { MAX_BATCH_ENTRIES } from './batch.js';
export { type CheckoutClientOptions, type ClientDependencies, LovageClient } from './client.js';
export {
  BatchValidationError,
  type InvalidEntry,
  PublishError,
  QueryOptionsError,
  ScheduleDeliveryError,
  SendOptionsError,
  StackConfigError,
  WaitTimeoutError,
} from './errors.js';
export {
  MAX_COUNTDOWN_SECONDS,
  MAX_MESSAGE_BYTES,
  type ValidatedSend,
  validateSend,
} from './prepare.js';
export { MAX_EVENT_BYTES } from './publish.js';
export { LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT, validateListOptions } from './reads.js';
export { REVOKED_RETENTION_SECONDS } from './revoke.js';
export { resolvedRegion, type SdkClients, sdkClients } from './sdk-clients.js';
export {
  isUnreachable,
  loadStackConfig,
  type QueuePair,
  queueArnOf,
  type StackConfig,
  type StackLookupOptions,
} from './stack-config.js';
export type {
  ArgsOf,
  DomainEvent,
  FailedSend,
  ListOptions,
  RevokeOptions,
  RevokeResult,
  SendManyOptions,
  SendManyResult,
  SendOptions,
  SendRequest,
  TaskHandle,
  TaskHistoryEntry,
  TaskName,
  TaskProgress,
  TaskStatus,
  TimeInput,
  WaitOptions,
} from './types.js';
