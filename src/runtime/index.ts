export { retryDelaySeconds } from './backoff.js';
export {
  type ChildHandle,
  ChildSendError,
  type ChildSendOptions,
  ChildTasks,
  childTaskId,
  type SendChild,
} from './children.js';
export { decideRetry, type RetryDecision, toTaskError } from './classify.js';
export { DEAD_LETTER_ATTRIBUTES, type DeadLetter, sendToDeadLetter } from './dead-letter.js';
export { type DelaySchedules, DeliveryError, Redelivery, type TierQueue } from './delivery.js';
export {
  ProgressError,
  ResultNotStorableError,
  SoftTimeLimitExceededError,
  TaskRevokedError,
  TimeLimitExceededError,
  UnrecoverableError,
  WorkerLostError,
  WrongCategoryError,
} from './errors.js';
export { type RunKeys, RunLogger, TaskLines, type TaskLogger } from './logging.js';
export { PROGRESS_INTERVAL_MS } from './progress.js';
export { deferralSeconds, type RateDecision, RateLimiter, windowOf } from './rate-limit.js';
export { REDACTED, redact } from './redact.js';
export {
  decideRequestedRetry,
  MAX_RETRY_COUNTDOWN_SECONDS,
  MaxRetriesExceededError,
  type RequestedRetry,
  type RetryOptions,
  RetryRequestedError,
  requestRetry,
} from './retry-request.js';
export { type Claim, TaskRecords, type Write } from './task-records.js';
export {
  EmfMetrics,
  LIFECYCLE_EVENTS,
  type MetricsSink,
  type Outcome,
  type RunOutcome,
  TASK_METRICS,
  Telemetry,
} from './telemetry.js';
export {
  claimCondition,
  type Fence,
  judge,
  LOST_RUN_ERRORS,
  lostRunCondition,
  runningCondition,
  runsAlone,
  untrackedCondition,
  type Verdict,
} from './transitions.js';
export type { TaskContext, TaskHandler, TaskHandlers } from './types.js';
export { createWorker, type WorkerDependencies, type WorkerHandler } from './worker.js';
