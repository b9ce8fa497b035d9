export {
  CELERY_ITEM,
  type CeleryException,
  type CeleryMeta,
  type CeleryStatus,
  celeryException,
  celeryKey,
  celeryMeta,
  isMirrored,
  LOVAGE_ERRORS_MODULE,
  recordVersion,
  resultItem,
} from './result-items.js';
export {
  CeleryResultMirror,
  type CeleryResultMirrorOptions,
  type MirrorReport,
  type PlannedWrite,
  planWrites,
} from './result-mirror.js';
