export {
  type ClientDependencies,
  LovageClient,
  MAX_COUNTDOWN_SECONDS,
  MAX_MESSAGE_BYTES,
  type SendOptions,
  type TaskHandle,
  type TaskStatus,
} from './client.js';
export { SendOptionsError, StackConfigError } from './errors.js';
export {
  loadStackConfig,
  type QueuePair,
  type StackConfig,
  type StackLookupOptions,
} from './stack-config.js';
