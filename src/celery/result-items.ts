/**
 * The items Celery's stock DynamoDB result backend reads (SPEC §4), computed
 * from Lovage task records. Pure: the mirror (./result-mirror.ts) writes them.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { CELERY_SOURCE_PREFIX } from '../protocol/celery/index.js';
import { TASK_ID_PATTERN } from '../protocol/envelope.js';
import type { TaskError, TaskRecord } from '../protocol/records.js';

/** The states Celery's reader knows; PROGRESS is a custom state, as Celery apps use it. */
export type CeleryStatus = 'STARTED' | 'PROGRESS' | 'RETRY' | 'SUCCESS' | 'FAILURE' | 'REVOKED';

/** A serialised Python exception, as `Backend.exception_to_python` rebuilds it. */
export interface CeleryException {
  readonly exc_type: string;
  readonly exc_message: readonly unknown[];
  readonly exc_module: string;
}

/** The JSON document inside an item's `result` attribute, keys in Celery's own order. */
export interface CeleryMeta {
  readonly status: CeleryStatus;
  readonly result: unknown;
  readonly traceback: string | null;
  readonly children: readonly unknown[] | null;
  readonly date_done: string | null;
  readonly task_id: string;
}

/** Attribute names of a result item; `id`, `result` and `timestamp` are Celery's. */
export const CELERY_ITEM = {
  key: 'id',
  result: 'result',
  timestamp: 'timestamp',
  /** Epoch seconds; the table's TTL attribute. */
  ttl: 'ttl',
  /** Copy of the meta status, for the never-overwrite-SUCCESS condition. */
  status: 'status',
  /** {@link recordVersion} of the record the item was computed from. */
  version: 'lovage_version',
} as const;

/**
 * The hash key Celery's backend looks up: Python's `str()` of a bytes key,
 * `b'celery-task-meta-<id>'` (celery/celery#5455). Exactly this simple for
 * ids in Lovage's alphabet (no quote, backslash or non-ASCII).
 */
export function celeryKey(taskId: string): string {
  return `b'celery-task-meta-${taskId}'`;
}

/**
 * Lovage errors that have a Celery (or builtin) counterpart, so Python code
 * can catch what it would catch with a Celery worker. Every other error keeps
 * its JS name in module `lovage.errors`, which Python synthesises as an
 * `Exception` subclass of that name (never `builtins`, where a name such as
 * `SystemExit` would be raised as the real thing).
 */
const PYTHON_COUNTERPARTS: Readonly<Record<string, readonly [module: string, type: string]>> = {
  TaskRevokedError: ['celery.exceptions', 'TaskRevokedError'],
  SoftTimeLimitExceededError: ['celery.exceptions', 'SoftTimeLimitExceeded'],
  // A run whose lease ran out: the function crashed or hit its hard time limit.
  WorkerLostError: ['celery.exceptions', 'WorkerLostError'],
  UnknownTaskError: ['celery.exceptions', 'NotRegistered'],
  WrongCategoryError: ['celery.exceptions', 'NotRegistered'],
  CeleryUnsupportedError: ['builtins', 'NotImplementedError'],
  CeleryArgumentsError: ['builtins', 'TypeError'],
};

/** Module of the exceptions Python synthesises from JS error names. */
export const LOVAGE_ERRORS_MODULE = 'lovage.errors';

/** A Lovage task error as Celery's JSON form of an exception (SPEC §4.4). */
export function celeryException(error: TaskError): CeleryException {
  const known = PYTHON_COUNTERPARTS[error.type];
  return {
    exc_type: known ? known[1] : pythonName(error.type),
    exc_message: [error.message],
    exc_module: known ? known[0] : LOVAGE_ERRORS_MODULE,
  };
}

/**
 * A JS error name as a Python class name: Celery walks `exc_type` by dots,
 * so anything but letters, digits and `_` becomes `_`.
 */
function pythonName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(cleaned) ? cleaned : `_${cleaned}`;
}

const revoked = (why: 'revoked' | 'expired'): CeleryException => ({
  exc_type: 'TaskRevokedError',
  exc_message: [why],
  exc_module: 'celery.exceptions',
});

/** Celery wants ISO-8601 with an offset; Lovage writes `...Z`. */
const isoWithOffset = (iso: string | undefined): string | null =>
  iso ? iso.replace(/Z$/, '+00:00') : null;

const traceback = (error: TaskError | undefined): string | null =>
  error ? `${error.type}: ${error.message}` : null;

/**
 * What Celery's reader should see for `record` (SPEC §4.5), or `undefined`
 * when nothing is written: PENDING (queued or scheduled) reads as PENDING
 * without an item. EXPIRED becomes REVOKED with `TaskRevokedError('expired')`,
 * as a Celery worker reports an expired task.
 */
export function celeryMeta(record: TaskRecord): CeleryMeta | undefined {
  const doneAt = isoWithOffset(record.finishedAt ?? record.updatedAt);
  const failure = record.error ?? { type: 'Error', message: `task ended in ${record.state}` };
  const meta = (
    status: CeleryStatus,
    result: unknown,
    rest: Partial<Pick<CeleryMeta, 'traceback' | 'children' | 'date_done'>> = {},
  ): CeleryMeta => ({
    status,
    result,
    traceback: rest.traceback ?? null,
    children: rest.children ?? null,
    date_done: rest.date_done ?? null,
    task_id: record.id,
  });
  switch (record.state) {
    case 'PENDING':
      return undefined;
    case 'STARTED':
      return meta('STARTED', { pid: null, hostname: 'lovage', attempt: record.attempt });
    case 'PROGRESS': {
      const { current, total, message } = record.progress ?? { current: 0, total: 0 };
      return meta('PROGRESS', { current, total, ...(message !== undefined ? { message } : {}) });
    }
    case 'RETRY':
      return meta('RETRY', celeryException(failure), { traceback: traceback(failure) });
    case 'SUCCESS':
      return meta('SUCCESS', record.result ?? null, { children: [], date_done: doneAt });
    case 'FAILURE':
      return meta('FAILURE', celeryException(failure), {
        traceback: traceback(failure),
        date_done: doneAt,
      });
    case 'REVOKED':
      return meta('REVOKED', revoked('revoked'), { date_done: doneAt });
    case 'EXPIRED':
      return meta('REVOKED', revoked('expired'), { date_done: doneAt });
  }
}

/** Whether two metas show Celery the same thing (everything but the time they were written). */
export function sameMeta(a: CeleryMeta | undefined, b: CeleryMeta | undefined): boolean {
  if (!a || !b) return a === b;
  return (
    a.status === b.status &&
    a.traceback === b.traceback &&
    JSON.stringify(a.result) === JSON.stringify(b.result)
  );
}

/**
 * A version of a task record that only grows: every state change appends to
 * `history`, and a progress update within a state moves `updatedAt`. The
 * mirror never replaces an item with one computed from an older record.
 */
export function recordVersion(record: TaskRecord): string {
  const changes = String(record.history?.length ?? 0).padStart(6, '0');
  return `${changes}#${record.updatedAt}`;
}

/**
 * Whether a task's changes belong in the Celery table: it was sent by a
 * Celery client (`source` = `celery:<origin>`), or its record was created
 * straight into FAILURE or REVOKED by a writer that could not know the sender
 * (a message rejected before it ran, a revoke of a task still queued or
 * scheduled). Those may be Celery tasks whose callers would otherwise wait
 * forever; one write each is cheap. Ids outside Lovage's alphabet have no
 * safe Celery key and are left out.
 */
export function isMirrored(record: TaskRecord, created: boolean): boolean {
  // Other items of the task table (rate-limit counters) have no id or state.
  if (typeof record.id !== 'string' || !TASK_ID_PATTERN.test(record.id)) return false;
  if (record.source?.startsWith(CELERY_SOURCE_PREFIX)) return true;
  const unknownSender = !record.source || record.source === 'unknown' || record.source === 'client';
  return created && unknownSender && (record.state === 'FAILURE' || record.state === 'REVOKED');
}

/**
 * The DynamoDB item for one task (SPEC §4.2): `id` (S), `result` (B, UTF-8
 * JSON), `timestamp` (N, epoch seconds), plus `ttl`, `status` and
 * `lovage_version`, which Celery ignores.
 */
export function resultItem(
  meta: CeleryMeta,
  options: { readonly expiresAt: number; readonly version: string; readonly now: number },
): Record<string, AttributeValue> {
  return {
    [CELERY_ITEM.key]: { S: celeryKey(meta.task_id) },
    [CELERY_ITEM.result]: { B: new TextEncoder().encode(JSON.stringify(meta)) },
    [CELERY_ITEM.timestamp]: { N: String(options.now / 1000) },
    [CELERY_ITEM.ttl]: { N: String(Math.floor(options.expiresAt)) },
    [CELERY_ITEM.status]: { S: meta.status },
    [CELERY_ITEM.version]: { S: options.version },
  };
}
