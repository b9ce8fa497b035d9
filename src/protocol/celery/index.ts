export { CeleryArgumentsError, CeleryUnsupportedError } from './errors.js';
export {
  decodeBase64Text,
  isKombuMessage,
  type KombuMessage,
  KombuTagError,
  sqsBodyJson,
  untag,
} from './kombu.js';
export {
  CELERY_SOURCE_PREFIX,
  type ReadTaskMessageOptions,
  readTaskMessage,
  type TaskMessageRecord,
} from './task-message.js';
