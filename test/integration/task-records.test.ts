import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Envelope } from '../../src/protocol/envelope.js';
import { indexKeys, type TaskRecord, type TaskState, taskKey } from '../../src/protocol/records.js';
import {
  lostRunCondition,
  runningCondition,
  TaskRecords,
  untrackedCondition,
} from '../../src/runtime/index.js';
import { deployed } from '../helpers/deployed.js';
import { type Env, item } from './runtime-helpers.js';

/*
 * The attempt fence, against DynamoDB's own condition evaluator (the
 * emulator's): every rule of `transitions.ts` is checked by racing real
 * conditional writes, never by reading expression strings.
 */

let env: Env;
let records: TaskRecords;

beforeAll(async () => {
  env = await deployed();
  records = new TaskRecords(env.db, env.config.tableName);
});

const ttl = { ttlSeconds: 3600 };
const lease = { ...ttl, leaseMs: 60_000 };

function envelopeOf(id: string, attempt: number): Envelope {
  return {
    v: 1,
    id,
    task: 'diagnostics.ping',
    args: {},
    tier: 'normal',
    attempt,
    createdAt: new Date().toISOString(),
    source: 'task-records-test',
  };
}

/** A record as some earlier write left it. */
async function seed(state: TaskState, attempt: number, extra: Partial<TaskRecord> = {}) {
  const id = `fence-${randomUUID()}`;
  const at = new Date().toISOString();
  const record = {
    id,
    task: 'diagnostics.ping',
    state,
    tier: 'normal',
    attempt,
    createdAt: at,
    updatedAt: at,
    history: [{ state, at, attempt, note: 'seeded' }],
    ...extra,
  };
  await env.db.send(
    new PutCommand({
      TableName: env.config.tableName,
      Item: {
        ...taskKey(id),
        ...indexKeys(record),
        ...record,
        expiresAt: Math.floor(Date.now() / 1000) + 3600,
      },
    }),
  );
  return id;
}

const claimAll = (id: string, attempt: number, copies: number, together = false) =>
  Promise.all(
    Array.from({ length: copies }, () =>
      records.enter(envelopeOf(id, attempt), 'STARTED', { ...lease, together }),
    ),
  );

describe('claims', () => {
  it('gives one of 25 simultaneous copies of a new task its run; the others see it running', async () => {
    const id = `fence-${randomUUID()}`;
    const claims = await claimAll(id, 1, 25);
    expect(claims.filter((c) => c.claimed)).toHaveLength(1);
    for (const c of claims.filter((c) => !c.claimed)) {
      expect(c).toMatchObject({ claimed: false, verdict: { kind: 'running' } });
    }
    const stored = await item(env, id);
    expect(stored).toMatchObject({ state: 'STARTED', attempt: 1 });
    expect(stored?.history.map((h) => h.state)).toEqual(['STARTED']);
  });

  it('starts attempt n + 1 of a retried task once, and refuses copies of attempt n and of n + 2', async () => {
    const id = await seed('RETRY', 2, { eta: '2026-11-30T10:00:00.000Z' });
    const stale = await claimAll(id, 2, 3);
    for (const c of stale) {
      expect(c).toMatchObject({
        claimed: false,
        verdict: { kind: 'retried', eta: '2026-11-30T10:00:00.000Z' },
      });
    }
    const ahead = await records.enter(envelopeOf(id, 4), 'STARTED', lease);
    expect(ahead).toMatchObject({ claimed: false, verdict: { kind: 'stale', attempt: 2 } });
    const due = await claimAll(id, 3, 10);
    expect(due.filter((c) => c.claimed)).toHaveLength(1);
    expect(await item(env, id)).toMatchObject({ state: 'STARTED', attempt: 3 });
  });

  it('admits an attempt at or above a PENDING record, and no earlier one', async () => {
    const id = await seed('PENDING', 3);
    expect(await records.enter(envelopeOf(id, 2), 'STARTED', lease)).toMatchObject({
      claimed: false,
      verdict: { kind: 'stale' },
    });
    expect(await records.enter(envelopeOf(id, 3), 'STARTED', lease)).toEqual({ claimed: true });
  });

  it('never starts a finished task, whatever the attempt', async () => {
    for (const state of ['SUCCESS', 'FAILURE', 'REVOKED', 'EXPIRED'] as const) {
      const id = await seed(state, 2);
      for (const attempt of [1, 2, 3]) {
        const claim = await records.enter(envelopeOf(id, attempt), 'STARTED', lease);
        expect(claim).toMatchObject({ claimed: false, verdict: { kind: 'finished', state } });
      }
      expect(await item(env, id)).toMatchObject({ state, attempt: 2 });
    }
  });

  it('refuses a task whose last run was lost when claiming beside others, and admits it alone', async () => {
    const lost = { type: 'WorkerLostError', message: 'crashed' };
    const id = await seed('RETRY', 1, { error: lost });
    const together = await records.enter(envelopeOf(id, 2), 'STARTED', {
      ...lease,
      together: true,
    });
    expect(together).toMatchObject({
      claimed: false,
      verdict: { kind: 'run' },
      record: { error: lost },
    });
    const plain = await seed('RETRY', 1, { error: { type: 'TypeError', message: 'x' } });
    expect(
      await records.enter(envelopeOf(plain, 2), 'STARTED', { ...lease, together: true }),
    ).toEqual({ claimed: true });
    expect(await records.enter(envelopeOf(id, 2), 'STARTED', lease)).toEqual({ claimed: true });
  });
});

describe('settling', () => {
  it('records the outcome of the attempt that runs, never of another one', async () => {
    const id = await seed('STARTED', 2, { leaseUntil: Date.now() + 60_000 });
    const wrong = await records.settle(envelopeOf(id, 1), 'SUCCESS', runningCondition(1), ttl);
    expect(wrong).toMatchObject({ written: false, current: { state: 'STARTED', attempt: 2 } });
    const right = await records.settle(envelopeOf(id, 2), 'SUCCESS', runningCondition(2), {
      ...ttl,
      set: { result: { ok: true } },
    });
    expect(right).toEqual({ written: true });
    const again = await records.settle(envelopeOf(id, 2), 'FAILURE', runningCondition(2), ttl);
    expect(again).toMatchObject({ written: false, current: { state: 'SUCCESS' } });
    const stored = await item(env, id);
    expect(stored).toMatchObject({ state: 'SUCCESS', result: { ok: true } });
    expect(stored?.leaseUntil).toBeUndefined();
  });

  it('resolves a lost run once, and only after its lease has passed', async () => {
    const live = await seed('STARTED', 1, { leaseUntil: Date.now() + 60_000 });
    const early = await records.settle(
      envelopeOf(live, 1),
      'RETRY',
      lostRunCondition(1, Date.now()),
      ttl,
    );
    expect(early.written).toBe(false);

    const dead = await seed('PROGRESS', 1, { leaseUntil: Date.now() - 1 });
    const now = Date.now();
    const writes = await Promise.all(
      Array.from({ length: 10 }, () =>
        records.settle(envelopeOf(dead, 1), 'RETRY', lostRunCondition(1, now), {
          ...ttl,
          error: { type: 'WorkerLostError', message: 'lost' },
        }),
      ),
    );
    expect(writes.filter((w) => w.written)).toHaveLength(1);
    const stored = await item(env, dead);
    expect(stored?.history.filter((h) => h.state === 'RETRY')).toHaveLength(1);
  });

  it('lets an untracked run settle while its attempt is due, and never after it finished', async () => {
    const id = await seed('RETRY', 1);
    const stale = await records.settle(envelopeOf(id, 1), 'SUCCESS', untrackedCondition(1), ttl);
    expect(stale.written).toBe(false);
    const due = await records.settle(envelopeOf(id, 2), 'SUCCESS', untrackedCondition(2), ttl);
    expect(due.written).toBe(true);
    const twice = await records.settle(envelopeOf(id, 2), 'SUCCESS', untrackedCondition(2), ttl);
    expect(twice.written).toBe(false);
  });

  it('leaves the failing mark on the running attempt only, and clears it with FAILURE', async () => {
    const id = await seed('STARTED', 1, { leaseUntil: Date.now() + 60_000 });
    const failing = { error: { type: 'Boom', message: 'no' }, reason: 'UnrecoverableError' };
    expect((await records.markFailing(id, failing, runningCondition(2))).written).toBe(false);
    expect((await records.markFailing(id, failing, runningCondition(1))).written).toBe(true);
    expect(await item(env, id)).toMatchObject({ state: 'STARTED', failing });
    const done = await records.settle(envelopeOf(id, 1), 'FAILURE', runningCondition(1), {
      ...ttl,
      error: failing.error,
    });
    expect(done.written).toBe(true);
    const stored = await item(env, id);
    expect(stored).toMatchObject({ state: 'FAILURE', error: failing.error });
    expect(stored?.failing).toBeUndefined();
  });
});

describe('rejections and notes', () => {
  it('records a rejected message only under an id with no record: a live task keeps its state and history', async () => {
    for (const state of ['PENDING', 'RETRY', 'STARTED'] as const) {
      const id = await seed(state, 1, { scheduleName: 'lovage-x-1' });
      const rejected = await records.rejectUnstarted(
        { id, task: 'diagnostics.ping', tier: 'normal', createdAt: new Date().toISOString() },
        { type: 'EnvelopeError', message: 'unsupported envelope version 2' },
        3600,
      );
      expect(rejected).toBe(false);
      const stored = await item(env, id);
      expect(stored).toMatchObject({ state, attempt: 1, scheduleName: 'lovage-x-1' });
      expect(stored?.history).toEqual([expect.objectContaining({ note: 'seeded' })]);
    }
    const fresh = `fence-${randomUUID()}`;
    expect(
      await records.rejectUnstarted(
        { id: fresh, task: 'unknown', tier: 'normal', createdAt: new Date().toISOString() },
        { type: 'EnvelopeError', message: 'bad' },
        3600,
      ),
    ).toBe(true);
    expect(await item(env, fresh)).toMatchObject({ state: 'FAILURE', attempt: 1 });
  });

  it('remembers a schedule only while its attempt is due', async () => {
    const id = await seed('RETRY', 1);
    expect(await records.noteSchedule(id, 3, 'lovage-late-3')).toBe(false);
    expect(await records.noteSchedule(id, 2, 'lovage-due-2')).toBe(true);
    expect(await records.noteSchedule(`fence-${randomUUID()}`, 1, 'lovage-none')).toBe(false);
    expect(await item(env, id)).toMatchObject({ scheduleName: 'lovage-due-2' });
  });
});
