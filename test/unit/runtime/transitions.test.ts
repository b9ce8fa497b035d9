import { describe, expect, it } from 'vitest';
import { STATES, type TaskState } from '../../../src/protocol/records.js';
import { judge, runsAlone } from '../../../src/runtime/index.js';

const NOW = 1_000_000;
const at = (state: TaskState, attempt: number, extra: object = {}) => ({
  state,
  attempt,
  ...extra,
});

describe('the attempt fence (pure; the same rules are checked against DynamoDB in test/integration/task-records.test.ts)', () => {
  it('runs attempt n when there is no record, PENDING at n or below, or RETRY at n - 1', () => {
    expect(judge(undefined, 1, NOW)).toEqual({ kind: 'run' });
    expect(judge(at('PENDING', 1), 1, NOW)).toEqual({ kind: 'run' });
    expect(judge(at('PENDING', 3), 4, NOW)).toEqual({ kind: 'run' });
    expect(judge(at('RETRY', 2), 3, NOW)).toEqual({ kind: 'run' });
  });

  it('never runs a finished task, whatever the attempt', () => {
    for (const state of ['SUCCESS', 'FAILURE', 'REVOKED', 'EXPIRED'] as const) {
      for (const attempt of [1, 2, 5]) {
        expect(judge(at(state, 2), attempt, NOW)).toEqual({ kind: 'finished', state });
      }
    }
  });

  it('treats a copy of an earlier attempt as stale: acknowledged, never run', () => {
    expect(judge(at('RETRY', 2), 2 - 1, NOW)).toMatchObject({ kind: 'stale' });
    expect(judge(at('STARTED', 3, { leaseUntil: NOW + 1 }), 2, NOW)).toMatchObject({
      kind: 'stale',
    });
    expect(judge(at('PENDING', 4), 3, NOW)).toMatchObject({ kind: 'stale', attempt: 4 });
    // A copy from a future the chain never reached is not run either.
    expect(judge(at('RETRY', 1), 3, NOW)).toMatchObject({ kind: 'stale' });
  });

  it('knows a retried attempt: RETRY at n means attempt n + 1 was sent', () => {
    expect(judge(at('RETRY', 2, { eta: '2026-01-01T00:00:00Z' }), 2, NOW)).toEqual({
      kind: 'retried',
      eta: '2026-01-01T00:00:00Z',
    });
  });

  it('defers to a live lease of the same attempt, and finds a passed one lost', () => {
    for (const state of ['STARTED', 'PROGRESS'] as const) {
      expect(judge(at(state, 2, { leaseUntil: NOW }), 2, NOW)).toEqual({
        kind: 'running',
        leaseUntil: NOW,
      });
      expect(judge(at(state, 2, { leaseUntil: NOW - 1 }), 2, NOW)).toEqual({ kind: 'lost' });
      expect(judge(at(state, 2), 2, NOW)).toEqual({ kind: 'lost' });
    }
  });

  it('gives each (record, attempt) exactly one verdict, and "run" to at most one attempt', () => {
    for (const state of STATES) {
      for (let recorded = 1; recorded <= 4; recorded++) {
        const runnable = [1, 2, 3, 4, 5, 6].filter(
          (n) => judge(at(state, recorded, { leaseUntil: NOW }), n, NOW).kind === 'run',
        );
        // PENDING at k admits any attempt >= k (a redriven letter carries its last attempt).
        if (state === 'PENDING') expect(runnable[0]).toBe(recorded);
        else expect(runnable.length).toBeLessThanOrEqual(1);
      }
    }
  });
});

describe('runs alone', () => {
  it('after a run that took its worker down, and only then', () => {
    expect(runsAlone({ error: { type: 'WorkerLostError', message: '' } })).toBe(true);
    expect(runsAlone({ error: { type: 'TimeLimitExceededError', message: '' } })).toBe(true);
    expect(runsAlone({ error: { type: 'TypeError', message: '' } })).toBe(false);
    expect(runsAlone({})).toBe(false);
    expect(runsAlone(undefined)).toBe(false);
  });
});
