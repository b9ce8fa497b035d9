import { describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../../src/protocol/records.js';
import { RecordReads } from '../../../src/runtime/record-reads.js';

/** A `getMany` that answers from `stored` and remembers every call's ids. */
function fakeRecords(stored: Record<string, Partial<TaskRecord>>, failFor?: string) {
  const calls: string[][] = [];
  return {
    calls,
    records: {
      async getMany(ids: readonly string[]) {
        calls.push([...ids]);
        if (failFor && ids.includes(failFor)) throw new Error('throttled');
        const found = new Map<string, TaskRecord>();
        for (const id of ids) if (stored[id]) found.set(id, stored[id] as TaskRecord);
        return found;
      },
    },
  };
}

describe('RecordReads', () => {
  it('asks for every id read in the same turn in one request, each id once', async () => {
    const { calls, records } = fakeRecords({ a: { id: 'a' }, b: { id: 'b' } });
    const reads = new RecordReads(records);
    const got = await Promise.all(['a', 'b', 'a', 'missing'].map((id) => reads.get(id)));
    expect(calls).toEqual([['a', 'b', 'missing']]);
    expect(got.map((r) => r?.id)).toEqual(['a', 'b', 'a', undefined]);
    // A later turn is a new request.
    await reads.get('b');
    expect(calls).toEqual([['a', 'b', 'missing'], ['b']]);
  });

  it('splits more than 100 ids into requests of at most 100', async () => {
    const { calls, records } = fakeRecords({});
    const reads = new RecordReads(records);
    await Promise.all(Array.from({ length: 250 }, (_, i) => reads.get(`t${i}`)));
    expect(calls.map((ids) => ids.length)).toEqual([100, 100, 50]);
  });

  it('fails only the reads of the request that failed', async () => {
    const { records } = fakeRecords({ ok: { id: 'ok' } }, 't150');
    const reads = new RecordReads(records);
    const ids = ['ok', ...Array.from({ length: 150 }, (_, i) => `t${i + 1}`)];
    const results = await Promise.allSettled(ids.map((id) => reads.get(id)));
    expect(results[0]).toEqual({ status: 'fulfilled', value: { id: 'ok' } });
    // 'ok' and t1..t99 were one request, t100..t150 the other (which failed).
    expect(results.slice(1, 100).every((r) => r.status === 'fulfilled')).toBe(true);
    expect(results.slice(100).every((r) => r.status === 'rejected')).toBe(true);
  });
});
