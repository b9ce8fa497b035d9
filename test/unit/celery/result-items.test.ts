import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  celeryException,
  celeryKey,
  celeryMeta,
  isMirrored,
  recordVersion,
  resultItem,
} from '../../../src/celery/result-items.js';
import { planWrites } from '../../../src/celery/result-mirror.js';
import type { HistoryEntry, TaskRecord, TaskState } from '../../../src/protocol/records.js';
import type { TaskChange } from '../../../src/stream/types.js';

const T0 = '2026-11-30T05:19:09.110Z';

/** A Celery-sent task's record in `state`, with one history entry per state so far. */
function record(state: TaskState, over: Partial<TaskRecord> = {}): TaskRecord {
  const history: HistoryEntry[] = [{ state, at: T0, attempt: 1 }];
  return {
    id: 'c-1',
    task: 'diagnostics.ping',
    state,
    tier: 'normal',
    attempt: 1,
    createdAt: T0,
    updatedAt: T0,
    source: 'celery:gen1@host',
    history,
    ...over,
  };
}

let events = 0;
function change(after: TaskRecord | undefined, before?: TaskRecord): TaskChange {
  events++;
  return {
    eventId: `e-${events}`,
    kind: before ? (after ? 'MODIFY' : 'REMOVE') : 'INSERT',
    at: Date.parse(T0),
    ...(before ? { before } : {}),
    ...(after ? { after } : {}),
  };
}

/** The `result` document of a reference item written by Celery 5.7's own backend. */
function reference(name: string): Record<string, unknown> {
  const url = new URL(`../../fixtures/celery/results/${name}.item.json`, import.meta.url);
  const item = JSON.parse(readFileSync(url, 'utf8')) as { result: Record<string, string> };
  return JSON.parse(item.result['B(utf-8 text)'] ?? '{}');
}

describe('celeryMeta: what Celery reads for each Lovage state (SPEC §4.5)', () => {
  it('writes nothing for PENDING: Celery reads a missing item as PENDING', () => {
    expect(celeryMeta(record('PENDING'))).toBeUndefined();
  });

  it('SUCCESS carries the result and date_done with an offset, shaped like Celery’s own item', () => {
    const meta = celeryMeta(
      record('SUCCESS', { result: { echo: 'hello', n: [1, 2.5, null, true] }, finishedAt: T0 }),
    );
    const ref = reference('ref-success');
    expect(Object.keys(meta ?? {})).toEqual(
      Object.keys(ref).filter((k) => k !== 'group_id' && k !== 'parent_id'),
    );
    expect(meta).toEqual({
      status: 'SUCCESS',
      result: ref.result,
      traceback: null,
      children: [],
      date_done: '2026-11-30T05:19:09.110+00:00',
      task_id: 'c-1',
    });
  });

  it('FAILURE raises an exception named like the JS error, from a module Python cannot import', () => {
    const meta = celeryMeta(
      record('FAILURE', { error: { type: 'FlakyDrillError', message: 'boom' }, finishedAt: T0 }),
    );
    expect(meta).toMatchObject({
      status: 'FAILURE',
      result: { exc_type: 'FlakyDrillError', exc_message: ['boom'], exc_module: 'lovage.errors' },
      traceback: 'FlakyDrillError: boom',
      date_done: '2026-11-30T05:19:09.110+00:00',
    });
    expect(Object.keys(meta ?? {})).toEqual(Object.keys(reference('ref-failure')));
  });

  it('RETRY carries the exception and is not ready (no date_done)', () => {
    expect(
      celeryMeta(record('RETRY', { error: { type: 'Error', message: 'smtp refused' } })),
    ).toMatchObject({
      status: 'RETRY',
      result: { exc_type: 'Error', exc_message: ['smtp refused'], exc_module: 'lovage.errors' },
      date_done: null,
    });
  });

  it('REVOKED and EXPIRED both read as REVOKED with TaskRevokedError, like Celery’s own', () => {
    const revoked = celeryMeta(record('REVOKED', { finishedAt: T0 }));
    const expired = celeryMeta(record('EXPIRED', { finishedAt: T0 }));
    expect(revoked?.result).toEqual({
      exc_type: 'TaskRevokedError',
      exc_message: ['revoked'],
      exc_module: 'celery.exceptions',
    });
    expect(expired).toMatchObject({ status: 'REVOKED' });
    expect(expired?.result).toEqual(reference('ref-expired').result);
  });

  it('STARTED and PROGRESS carry their meta and are not ready', () => {
    expect(celeryMeta(record('STARTED', { attempt: 2 }))).toMatchObject({
      status: 'STARTED',
      result: { hostname: 'lovage', attempt: 2 },
      date_done: null,
    });
    const progress = { current: 3, total: 10, at: T0 };
    expect(celeryMeta(record('PROGRESS', { progress }))?.result).toEqual(
      reference('ref-progress').result,
    );
    expect(
      celeryMeta(record('PROGRESS', { progress: { ...progress, message: 'half' } }))?.result,
    ).toEqual({ current: 3, total: 10, message: 'half' });
  });
});

describe('celeryException: the Python class the caller sees', () => {
  it.each([
    ['TaskRevokedError', 'celery.exceptions', 'TaskRevokedError'],
    ['SoftTimeLimitExceededError', 'celery.exceptions', 'SoftTimeLimitExceeded'],
    ['WorkerLostError', 'celery.exceptions', 'WorkerLostError'],
    ['UnknownTaskError', 'celery.exceptions', 'NotRegistered'],
    ['WrongCategoryError', 'celery.exceptions', 'NotRegistered'],
    ['CeleryUnsupportedError', 'builtins', 'NotImplementedError'],
    ['CeleryArgumentsError', 'builtins', 'TypeError'],
    ['UnrecoverableError', 'lovage.errors', 'UnrecoverableError'],
    ['SystemExit', 'lovage.errors', 'SystemExit'],
    ['my.weird-Error', 'lovage.errors', 'my_weird_Error'],
    ['1stError', 'lovage.errors', '_1stError'],
  ])('%s -> %s.%s', (type, module, name) => {
    expect(celeryException({ type, message: 'm' })).toEqual({
      exc_type: name,
      exc_message: ['m'],
      exc_module: module,
    });
  });
});

describe('resultItem: the exact item layout Celery’s backend reads (SPEC §4.2)', () => {
  it('has the bytes-repr key, binary JSON result, numeric timestamp and the TTL', () => {
    const meta = celeryMeta(record('SUCCESS', { result: 'é ✓', finishedAt: T0 }));
    if (!meta) throw new Error('no meta');
    const item = resultItem(meta, {
      expiresAt: 1_796_100_000,
      version: 'v',
      now: 1_796_015_949_122,
    });
    expect(item.id).toEqual({ S: "b'celery-task-meta-c-1'" });
    expect(celeryKey('c-1')).toBe("b'celery-task-meta-c-1'");
    expect(JSON.parse(new TextDecoder().decode(item.result?.B))).toEqual(meta);
    expect(item.timestamp).toEqual({ N: '1796015949.122' });
    expect(item.ttl).toEqual({ N: '1796100000' });
    expect(item.status).toEqual({ S: 'SUCCESS' });
  });
});

describe('recordVersion', () => {
  it('grows with every transition and with progress inside one state', () => {
    const started = record('STARTED');
    const progress1 = record('PROGRESS', {
      history: [...(started.history ?? []), { state: 'PROGRESS', at: T0, attempt: 1 }],
      updatedAt: '2026-11-30T05:19:10.000Z',
    });
    const progress2 = { ...progress1, updatedAt: '2026-11-30T05:19:11.000Z' };
    const done = record('SUCCESS', {
      history: [...(progress1.history ?? []), { state: 'SUCCESS', at: T0, attempt: 1 }],
      updatedAt: '2026-11-30T05:19:09.000Z',
    });
    const versions = [started, progress1, progress2, done].map(recordVersion);
    expect([...versions].sort()).toEqual(versions);
    expect(new Set(versions).size).toBe(4);
  });
});

describe('planWrites: which changes become items', () => {
  const ttl = () => 1_800_000_000;

  it('writes one item per task per batch: its newest state', () => {
    const started = record('STARTED');
    const done = record('SUCCESS', { result: 1, updatedAt: '2026-11-30T05:20:00.000Z' });
    const other = record('FAILURE', { id: 'c-2', error: { type: 'E', message: 'm' } });
    const writes = planWrites([change(started), change(done, started), change(other)], ttl);
    expect(writes.map((w) => [w.meta.task_id, w.meta.status])).toEqual([
      ['c-1', 'SUCCESS'],
      ['c-2', 'FAILURE'],
    ]);
    expect(writes[0]).toMatchObject({ expiresAt: 1_800_000_000, version: recordVersion(done) });
  });

  it('skips a change Celery cannot see (a schedule noted) but not the first write of a state', () => {
    const retry = record('RETRY', { error: { type: 'E', message: 'm' } });
    expect(planWrites([change({ ...retry, scheduleName: 's' }, retry)], ttl)).toEqual([]);
    expect(planWrites([change(retry, record('STARTED'))], ttl)).toHaveLength(1);
  });

  it('ignores TTL removals, PENDING, and tasks Lovage clients sent', () => {
    const native = record('SUCCESS', { source: 'client' });
    expect(planWrites([change(undefined, record('SUCCESS'))], ttl)).toEqual([]);
    expect(planWrites([change(record('PENDING'))], ttl)).toEqual([]);
    expect(planWrites([change(native, record('STARTED', { source: 'client' }))], ttl)).toEqual([]);
  });

  it('mirrors a record created straight into FAILURE or REVOKED by a writer that did not know the sender', () => {
    expect(isMirrored(record('REVOKED', { source: 'client' }), true)).toBe(true);
    expect(isMirrored(record('FAILURE', { source: 'unknown' }), true)).toBe(true);
    expect(isMirrored(record('FAILURE', { source: 'unknown' }), false)).toBe(false);
    expect(isMirrored(record('SUCCESS', { source: 'client' }), true)).toBe(false);
    expect(isMirrored(record('FAILURE', { source: 'billing-service' }), true)).toBe(false);
  });

  it('leaves out ids that have no safe Celery key, and items that are not tasks', () => {
    expect(isMirrored(record('SUCCESS', { id: "it's" }), false)).toBe(false);
    const counter = { pk: 'RATE#diagnostics.ping', sk: 'WINDOW#1', count: 3 };
    expect(planWrites([change(counter as unknown as TaskRecord)], ttl)).toEqual([]);
  });
});
