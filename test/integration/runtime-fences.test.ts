import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexKeys, type TaskRecord, taskKey } from '../../src/protocol/records.js';
import { deployed } from '../helpers/deployed.js';
import {
  createLane,
  deleteLane,
  InProcessWorker,
  type Lane,
  serviceError,
  type TestTask,
} from './inprocess.js';
import { attribute, type Env, item, states } from './runtime-helpers.js';

/*
 * Runs fenced by attempt, with real duplicates, crashes and races: the
 * worker runs in this process against the emulator's DynamoDB and SQS (see
 * inprocess.ts), and every handler run is counted.
 */

let env: Env;
let lane: Lane;

beforeAll(async () => {
  env = await deployed();
  lane = await createLane(env.sqs, 'fences');
});
afterAll(async () => {
  if (lane) await deleteLane(env.sqs, lane);
});

const never = () => new Promise<never>(() => undefined);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function envelope(task: TestTask, over: Record<string, unknown> = {}) {
  return {
    v: 1,
    id: `fence-${randomUUID()}`,
    task,
    args: { n: 1 },
    tier: 'normal',
    attempt: 1,
    createdAt: new Date().toISOString(),
    source: 'fences-test',
    ...over,
  };
}

/** Counts a task's runs per attempt: { 1: 1, 2: 1 } is one run of each of two attempts. */
const runsPerAttempt = (worker: InProcessWorker, id: string) =>
  worker
    .runsOf(id)
    .reduce<Record<number, number>>(
      (acc, r) => Object.assign(acc, { [r.attempt]: (acc[r.attempt] ?? 0) + 1 }),
      {},
    );

async function seed(id: string, record: Partial<TaskRecord>) {
  const at = new Date().toISOString();
  const full = {
    id,
    task: 't.plain',
    tier: 'normal',
    attempt: 1,
    createdAt: at,
    updatedAt: at,
    state: 'PENDING',
    history: [{ state: record.state ?? 'PENDING', at, attempt: record.attempt ?? 1 }],
    ...record,
  } as TaskRecord;
  await env.db.send(
    new PutCommand({
      TableName: env.config.tableName,
      Item: {
        ...taskKey(id),
        ...indexKeys(full),
        ...full,
        expiresAt: Math.floor(Date.now() / 1000) + 3600,
      },
    }),
  );
}

describe('duplicates', () => {
  it('runs a task once for 10 copies delivered together and 5 more delivered after', async () => {
    const worker = new InProcessWorker(env, lane, {}, { remainingMs: 3000 });
    const task = envelope('t.plain');
    await worker.send(Array.from({ length: 10 }, () => task));
    await worker.deliver(await worker.receive(10));
    await worker.send(Array.from({ length: 5 }, () => task));
    await worker.drain();
    expect(runsPerAttempt(worker, task.id)).toEqual({ 1: 1 });
    const done = await item(env, task.id);
    expect(done).toMatchObject({ state: 'SUCCESS', attempt: 1, result: { ok: true } });
    expect(states(done as never)).toEqual(['STARTED', 'SUCCESS']);
  });

  it('runs each attempt of a retried task once when every copy arrives twice', async () => {
    const worker = new InProcessWorker(
      env,
      lane,
      {
        't.plain': async (_args, ctx) => {
          if (ctx.attempt <= 2) throw new TypeError(`attempt ${ctx.attempt} fails`);
          return { attempt: ctx.attempt };
        },
      },
      { remainingMs: 3000 },
    );
    const tasks = Array.from({ length: 5 }, () => envelope('t.plain'));
    await worker.send([...tasks, ...tasks]);
    await worker.drain();
    // A late copy of the first attempt, after the chain has finished.
    await worker.send(tasks.map((t) => ({ ...t, attempt: 1 })));
    await worker.drain();
    for (const task of tasks) {
      expect(runsPerAttempt(worker, task.id)).toEqual({ 1: 1, 2: 1, 3: 1 });
      const done = await item(env, task.id);
      expect(done).toMatchObject({ state: 'SUCCESS', attempt: 3, result: { attempt: 3 } });
      expect(states(done as never)).toEqual([
        'STARTED',
        'RETRY',
        'STARTED',
        'RETRY',
        'STARTED',
        'SUCCESS',
      ]);
    }
  });
});

describe('a retry whose next attempt was never sent', () => {
  it('is completed by the redelivered copy, with one run per attempt', async () => {
    let refused = false;
    const worker = new InProcessWorker(
      env,
      lane,
      {
        't.plain': async (_args, ctx) => {
          if (ctx.attempt === 1) throw new TypeError('first attempt fails');
          return { attempt: ctx.attempt };
        },
      },
      {
        remainingMs: 3000,
        faults: {
          // The first re-send of attempt 2 fails after RETRY was written.
          sqs: (command, input) => {
            if (refused || command !== 'SendMessageCommand') return undefined;
            if (!String(input.MessageBody).includes('"attempt":2')) return undefined;
            refused = true;
            return serviceError('InternalError', 'SQS is unavailable');
          },
        },
      },
    );
    const task = envelope('t.plain');
    await worker.send([task]);
    const first = await worker.deliver(await worker.receive(1));
    expect(first).toMatchObject({ batchItemFailures: [{ itemIdentifier: expect.any(String) }] });
    expect(await item(env, task.id)).toMatchObject({ state: 'RETRY', attempt: 1 });
    await worker.drain();
    expect(runsPerAttempt(worker, task.id)).toEqual({ 1: 1, 2: 1 });
    expect(await item(env, task.id)).toMatchObject({ state: 'SUCCESS', attempt: 2 });
  });

  it('is not sent again for a first delivery of a duplicate', async () => {
    const worker = new InProcessWorker(env, lane, {}, { remainingMs: 3000 });
    const task = envelope('t.plain');
    await seed(task.id, { state: 'RETRY', attempt: 1, eta: new Date().toISOString() });
    await worker.send([task]);
    await worker.drain();
    expect(worker.runsOf(task.id)).toEqual([]);
    expect(await item(env, task.id)).toMatchObject({ state: 'RETRY', attempt: 1 });
  });
});

describe('lost runs', () => {
  it('finds a run lost when its worker died, retries it with WorkerLostError, and never re-runs its neighbours', async () => {
    // 400 ms left: no hard-limit watch, a lease of 5.4 s, then the messages come back (6 s).
    const worker = new InProcessWorker(
      env,
      lane,
      {
        't.plain': async (args, ctx) => {
          if (args.n === 13 && ctx.attempt === 1) return never();
          return { attempt: ctx.attempt };
        },
      },
      { remainingMs: 400 },
    );
    const crasher = envelope('t.plain', { args: { n: 13 } });
    const neighbours = Array.from({ length: 4 }, () => envelope('t.plain'));
    await worker.send([crasher, ...neighbours]);
    const batch = await worker.receive(10);
    expect(batch).toHaveLength(5);
    expect(await worker.deliver(batch, { crashAfterMs: 1000 })).toBe('crashed');
    expect(await item(env, crasher.id)).toMatchObject({ state: 'STARTED', attempt: 1 });

    await worker.drain(60_000);
    const done = await item(env, crasher.id);
    expect(done).toMatchObject({ state: 'SUCCESS', attempt: 2 });
    const lost = done?.history.find((h) => h.state === 'RETRY');
    expect(lost?.error?.type).toBe('WorkerLostError');
    expect(lost?.error?.message).toMatch(/attempt 1 started at .* ended without an outcome/);
    expect(runsPerAttempt(worker, crasher.id)).toEqual({ 1: 1, 2: 1 });
    for (const n of neighbours) expect(runsPerAttempt(worker, n.id)).toEqual({ 1: 1 });
    const ours = new Set([crasher.id, ...neighbours.map((n) => n.id)]);
    const letters = await worker.deadLetters();
    expect(letters.filter((m) => ours.has(attribute(m, 'lovage-id') ?? ''))).toEqual([]);
  });

  it('fails a lost run for good when no retries are left, with a letter that says so', async () => {
    const worker = new InProcessWorker(
      env,
      lane,
      { 't.final': async () => never() },
      { remainingMs: 400 },
    );
    const task = envelope('t.final');
    await worker.send([task]);
    expect(await worker.deliver(await worker.receive(1), { crashAfterMs: 500 })).toBe('crashed');
    await worker.drain(60_000);
    const done = await item(env, task.id);
    expect(done).toMatchObject({
      state: 'FAILURE',
      attempt: 1,
      error: { type: 'WorkerLostError' },
    });
    expect(worker.runsOf(task.id)).toHaveLength(1);
    const letters = (await worker.deadLetters()).filter(
      (m) => attribute(m, 'lovage-id') === task.id,
    );
    expect(letters).toHaveLength(1);
    expect(attribute(letters[0] ?? {}, 'lovage-error-type')).toBe('WorkerLostError');
    expect(attribute(letters[0] ?? {}, 'lovage-failure-reason')).toMatch(/retries exhausted/);
  });

  it('runs a task whose last run was lost only after its neighbours are done and deleted', async () => {
    const worker = new InProcessWorker(
      env,
      lane,
      { 't.plain': async (args) => (args.n === 13 ? never() : { ok: true }) },
      { remainingMs: 400 },
    );
    const suspect = envelope('t.plain', { args: { n: 13 }, attempt: 2 });
    await seed(suspect.id, {
      state: 'RETRY',
      attempt: 1,
      error: { type: 'WorkerLostError', message: 'lost' },
    });
    const neighbours = Array.from({ length: 3 }, () => envelope('t.plain'));
    await worker.send([suspect, ...neighbours]);
    const batch = await worker.receive(10);
    expect(batch).toHaveLength(4);
    expect(await worker.deliver(batch, { crashAfterMs: 2000 })).toBe('crashed');

    const ranAt = worker.runsOf(suspect.id)[0]?.at ?? 0;
    for (const n of neighbours) {
      expect(await item(env, n.id)).toMatchObject({ state: 'SUCCESS' });
      expect(worker.runsOf(n.id)[0]?.at).toBeLessThanOrEqual(ranAt);
    }
    // The worker died running the suspect: only the suspect's own message comes back.
    await sleep(6_500);
    const back = await worker.receive(10, 2);
    await worker.discard(back);
    expect(back.map((r) => JSON.parse(r.body).id)).toEqual([suspect.id]);
  });

  it('runs one such task per invocation and re-sends the others to run alone elsewhere', async () => {
    const worker = new InProcessWorker(env, lane, {}, { remainingMs: 3000 });
    const suspects = Array.from({ length: 3 }, () => envelope('t.plain', { attempt: 2 }));
    for (const s of suspects) {
      await seed(s.id, {
        state: 'RETRY',
        attempt: 1,
        error: { type: 'TimeLimitExceededError', message: 'hung' },
      });
    }
    await worker.send(suspects);
    const batch = await worker.receive(10);
    expect(batch).toHaveLength(3);
    expect(await worker.deliver(batch)).toEqual({ batchItemFailures: [] });
    expect(worker.runs.filter((r) => suspects.some((s) => s.id === r.id))).toHaveLength(1);
    await worker.drain();
    for (const s of suspects) {
      expect(runsPerAttempt(worker, s.id)).toEqual({ 2: 1 });
      expect(await item(env, s.id)).toMatchObject({ state: 'SUCCESS', attempt: 2 });
    }
  });

  it('records a run still going at the function timeout as TimeLimitExceededError, retried after the invocation ends', async () => {
    const worker = new InProcessWorker(
      env,
      lane,
      { 't.plain': async (_args, ctx) => (ctx.attempt === 1 ? never() : { ok: ctx.attempt }) },
      { remainingMs: 3000 },
    );
    const task = envelope('t.plain');
    await worker.send([task]);
    const started = Date.now();
    expect(await worker.deliver(await worker.receive(1), { crashAfterMs: 3000 })).toBe('crashed');
    const retried = await item(env, task.id);
    expect(retried).toMatchObject({
      state: 'RETRY',
      attempt: 1,
      error: { type: 'TimeLimitExceededError' },
    });
    await worker.drain(60_000);
    expect(runsPerAttempt(worker, task.id)).toEqual({ 1: 1, 2: 1 });
    // Never while the first run could still be going: the lease (3 s + 5 s) is over.
    const second = worker.runsOf(task.id).find((r) => r.attempt === 2);
    expect((second?.at ?? 0) - started).toBeGreaterThanOrEqual(8_000);
    expect(await item(env, task.id)).toMatchObject({ state: 'SUCCESS', attempt: 2 });
  });
});

describe('dead letters', () => {
  it('sends the letter before FAILURE, and finishes a failure whose delivery died before its letter', async () => {
    let refused = false;
    const worker = new InProcessWorker(
      env,
      lane,
      {
        't.final': async () => {
          throw new RangeError('no such account');
        },
      },
      {
        remainingMs: 400,
        faults: {
          sqs: (command, input) => {
            if (refused || command !== 'SendMessageCommand') return undefined;
            if (input.QueueUrl !== lane.dlqUrl) return undefined;
            refused = true;
            return serviceError('InternalError', 'SQS is unavailable');
          },
        },
      },
    );
    const task = envelope('t.final');
    await worker.send([task]);
    await worker.deliver(await worker.receive(1));
    // No letter yet, so no FAILURE: the record says what it is failing with.
    expect(await item(env, task.id)).toMatchObject({
      state: 'STARTED',
      failing: {
        error: { type: 'RangeError' },
        reason: expect.stringMatching(/retries exhausted/),
      },
    });
    await worker.drain(60_000);
    const done = await item(env, task.id);
    expect(done).toMatchObject({ state: 'FAILURE', attempt: 1, error: { type: 'RangeError' } });
    expect(done?.failing).toBeUndefined();
    expect(worker.runsOf(task.id)).toHaveLength(1);
    const letters = (await worker.deadLetters()).filter(
      (m) => attribute(m, 'lovage-id') === task.id,
    );
    expect(letters).toHaveLength(1);
    expect(attribute(letters[0] ?? {}, 'lovage-error-type')).toBe('RangeError');
    expect(attribute(letters[0] ?? {}, 'lovage-attempts')).toBe('1');
    expect(attribute(letters[0] ?? {}, 'lovage-failure-reason')).toMatch(/retries exhausted/);
  });
});
