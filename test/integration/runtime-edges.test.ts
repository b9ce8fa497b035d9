import { randomUUID } from 'node:crypto';
import {
  DeleteScheduleCommand,
  GetScheduleCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delayScheduleName } from '../../src/protocol/delays.js';
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
 * What the runtime does before and around a run — rejections, letters at
 * SQS's limits, expiry, ETA, rate limits, progress, time limits, results —
 * with the worker in this process against the emulator's services.
 */

let env: Env;
let lane: Lane;

beforeAll(async () => {
  env = await deployed();
  lane = await createLane(env.sqs, 'edges');
});
afterAll(async () => {
  if (lane) await deleteLane(env.sqs, lane);
});

function envelope(task: TestTask, over: Record<string, unknown> = {}) {
  return {
    v: 1,
    id: `edge-${randomUUID()}`,
    task,
    args: { n: 1 },
    tier: 'normal',
    attempt: 1,
    createdAt: new Date().toISOString(),
    source: 'edges-test',
    ...over,
  };
}

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
    history: [{ state: record.state ?? 'PENDING', at, attempt: 1, note: 'seeded' }],
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

/** The lane's dead letters for `id` (by attribute, or by body for letters without one). */
async function lettersOf(worker: InProcessWorker, id: string) {
  return (await worker.deadLetters()).filter(
    (m) => attribute(m, 'lovage-id') === id || (m.Body ?? '').includes(id),
  );
}

describe('rejections', () => {
  it('leaves a live task alone when a stray invalid copy of its id arrives', async () => {
    const worker = new InProcessWorker(env, lane);
    for (const state of ['RETRY', 'PENDING'] as const) {
      const id = `edge-${randomUUID()}`;
      await seed(id, { state, attempt: 1, scheduleName: 'lovage-keep-2' });
      await worker.send([{ ...envelope('t.plain'), id, v: 2 }]);
      await worker.drain();
      const stored = await item(env, id);
      expect(stored).toMatchObject({ state, attempt: 1, scheduleName: 'lovage-keep-2' });
      expect(stored?.history).toEqual([expect.objectContaining({ note: 'seeded' })]);
      const [letter] = await lettersOf(worker, id);
      expect(attribute(letter ?? {}, 'lovage-error-type')).toBe('EnvelopeError');
      expect(attribute(letter ?? {}, 'lovage-attempts')).toBe('0');
      expect(attribute(letter ?? {}, 'lovage-error-message')).toMatch(/version 2/);
    }
  });

  it('dead-letters an id that breaks the id rule at its first delivery, with its reason and no record', async () => {
    const worker = new InProcessWorker(env, lane);
    const id = `long-${'x'.repeat(3000)}`;
    await worker.send([envelope('t.plain', { id })]);
    const batch = await worker.receive(1);
    expect(await worker.deliver(batch)).toEqual({ batchItemFailures: [] });
    expect(await worker.depth()).toBe(0);
    const [letter] = await lettersOf(worker, id);
    expect(attribute(letter ?? {}, 'lovage-error-message')).toMatch(/id: must be 1-200/);
    expect(attribute(letter ?? {}, 'lovage-id')).toBeUndefined();
    expect(worker.runs).toEqual([]);
  });

  it('refuses a task sent to another tier’s queue, naming both tiers', async () => {
    const worker = new InProcessWorker(env, lane);
    const task = envelope('t.plain', { tier: 'critical' });
    await worker.send([task]);
    await worker.drain();
    expect(worker.runsOf(task.id)).toEqual([]);
    expect(await item(env, task.id)).toMatchObject({
      state: 'FAILURE',
      error: {
        type: 'EnvelopeError',
        message: expect.stringMatching(/tier 'critical' does not match .*'normal'/),
      },
    });
  });

  it('dead-letters a rejected body close to 256 KiB whole, with attributes trimmed to fit', async () => {
    const worker = new InProcessWorker(env, lane);
    const id = `edge-${randomUUID()}`;
    const head = JSON.stringify({ ...envelope('t.plain'), id, pad: '' });
    const body = head.replace('"pad":""', `"pad":"${'p'.repeat(262_144 - head.length - 120)}"`);
    expect(Buffer.byteLength(body)).toBeGreaterThan(261_900);
    await worker.send([body]);
    await worker.drain();
    const [letter] = await lettersOf(worker, id);
    expect(letter?.Body).toBe(body);
    expect(attribute(letter ?? {}, 'lovage-error-type')).toBe('EnvelopeError');
  });
});

describe('around a run', () => {
  it('records EXPIRED and does not run a task past its expiry', async () => {
    const worker = new InProcessWorker(env, lane);
    const task = envelope('t.plain', { expires: new Date(Date.now() - 1000).toISOString() });
    await worker.send([task]);
    await worker.drain();
    expect(worker.runsOf(task.id)).toEqual([]);
    expect(await item(env, task.id)).toMatchObject({ state: 'EXPIRED' });
  });

  it('holds a task that arrives before its ETA, without a record or a retry, and runs it once after', async () => {
    const worker = new InProcessWorker(env, lane);
    const eta = new Date(Date.now() + 4000).toISOString();
    const task = envelope('t.plain', { eta });
    await worker.send([task]);
    await worker.deliver(await worker.receive(1));
    expect(await item(env, task.id)).toBeUndefined();
    await worker.drain();
    expect(worker.runsOf(task.id)).toHaveLength(1);
    expect(worker.runsOf(task.id)[0]?.at).toBeGreaterThanOrEqual(Date.parse(eta) - 1000);
    expect(await item(env, task.id)).toMatchObject({ state: 'SUCCESS', attempt: 1 });
  });

  it('defers tasks over their rate limit to a later window without spending a retry', async () => {
    const worker = new InProcessWorker(env, lane);
    const tasks = Array.from({ length: 6 }, () => envelope('t.limited'));
    await worker.send(tasks);
    await worker.drain();
    for (const task of tasks) {
      expect(worker.runsOf(task.id)).toHaveLength(1);
      const done = await item(env, task.id);
      expect(states(done as never)).toEqual(['STARTED', 'SUCCESS']);
    }
  });

  it('records PROGRESS with its latest meta while the attempt runs, and the last step always', async () => {
    let seen: unknown;
    const worker = new InProcessWorker(env, lane, {
      't.plain': async (_args, ctx) => {
        for (let i = 1; i <= 5; i++) await ctx.progress(i, 5, `step ${i}`);
        seen = (await item(env, ctx.id))?.progress;
        return { steps: 5 };
      },
    });
    const task = envelope('t.plain');
    await worker.send([task]);
    await worker.drain();
    expect(seen).toMatchObject({ current: 5, total: 5, message: 'step 5' });
    const done = await item(env, task.id);
    expect(states(done as never)).toEqual(['STARTED', 'PROGRESS', 'SUCCESS']);
  });

  it('keeps a task going when a progress write is throttled: no failure, no retry spent', async () => {
    const worker = new InProcessWorker(
      env,
      lane,
      {
        't.plain': async (_args, ctx) => {
          for (let i = 1; i <= 3; i++) await ctx.progress(i, 3);
          return { steps: 3 };
        },
      },
      {
        faults: {
          // Every progress write (the only ones that carry `current`) is throttled.
          db: (command, input) =>
            command === 'UpdateItemCommand' &&
            JSON.stringify(input.ExpressionAttributeValues ?? {}).includes('"current"')
              ? serviceError('ProvisionedThroughputExceededException', 'throttled')
              : undefined,
        },
      },
    );
    const task = envelope('t.plain');
    await worker.send([task]);
    await worker.drain();
    expect(worker.runsOf(task.id)).toHaveLength(1);
    const done = await item(env, task.id);
    expect(done).toMatchObject({ state: 'SUCCESS', attempt: 1, result: { steps: 3 } });
    expect(states(done as never)).toEqual(['STARTED', 'SUCCESS']);
  });

  it('holds the claim of a run that ignores its soft limit until it returns: nothing overlaps it', async () => {
    const worker = new InProcessWorker(
      env,
      lane,
      {
        't.soft': async (_args, ctx) => {
          await new Promise((resolve) => setTimeout(resolve, 1000));
          return { aborted: ctx.signal.aborted };
        },
      },
      { remainingMs: 3000 },
    );
    const task = envelope('t.soft');
    await worker.send([task, task]);
    await worker.drain();
    expect(worker.runsOf(task.id)).toHaveLength(1);
    const done = await item(env, task.id);
    expect(done).toMatchObject({ state: 'SUCCESS', attempt: 1, result: { aborted: true } });
  });

  it('starts the retry of a run stopped at its soft limit only after that run has ended', async () => {
    const ended: number[] = [];
    const worker = new InProcessWorker(env, lane, {
      't.soft': async (_args, ctx) => {
        if (ctx.attempt > 1) return { attempt: ctx.attempt };
        await new Promise((resolve) => setTimeout(resolve, 800));
        ended.push(Date.now());
        ctx.signal.throwIfAborted();
        return 'unreachable';
      },
    });
    const task = envelope('t.soft');
    await worker.send([task]);
    await worker.drain();
    const runs = worker.runsOf(task.id);
    expect(runs.map((r) => r.attempt)).toEqual([1, 2]);
    expect(runs[1]?.at).toBeGreaterThan(ended[0] ?? Number.POSITIVE_INFINITY);
    const done = await item(env, task.id);
    expect(done?.history.find((h) => h.state === 'RETRY')?.error?.type).toBe(
      'SoftTimeLimitExceededError',
    );
  });
});

describe('results', () => {
  it('fails a result that cannot be stored for good, with a letter that says why', async () => {
    const worker = new InProcessWorker(env, lane, {
      't.plain': async (args) => (args.n === 1 ? { total: 10n } : { filler: 'x'.repeat(450_000) }),
    });
    const bigint = envelope('t.plain');
    const large = envelope('t.plain', { args: { n: 2 } });
    await worker.send([bigint, large]);
    await worker.drain();
    for (const [task, message] of [
      [bigint, /not JSON-serialisable/],
      [large, /the result is \d+ bytes as JSON; a task record stores at most 300000/],
    ] as const) {
      expect(worker.runsOf(task.id)).toHaveLength(1);
      expect(await item(env, task.id)).toMatchObject({
        state: 'FAILURE',
        error: { type: 'ResultNotStorableError', message: expect.stringMatching(message) },
      });
      const [letter] = await lettersOf(worker, task.id);
      expect(attribute(letter ?? {}, 'lovage-error-type')).toBe('ResultNotStorableError');
    }
  });
});

describe('untracked tasks', () => {
  it('skip a copy that arrives after the task finished (trackStarted: false)', async () => {
    const worker = new InProcessWorker(env, lane);
    const task = envelope('t.untracked');
    await worker.send([task]);
    await worker.drain();
    await worker.send([task]);
    await worker.drain();
    expect(worker.runsOf(task.id)).toHaveLength(1);
    const done = await item(env, task.id);
    expect(states(done as never)).toEqual(['SUCCESS']);
  });

  it('write nothing on success with ignoreResult, yet close a record left by a retry', async () => {
    const worker = new InProcessWorker(env, lane, {
      't.ignored': async (args, ctx) => {
        if (args.n === 2 && ctx.attempt === 1) throw new TypeError('once');
        return { ignored: true };
      },
    });
    const quiet = envelope('t.ignored');
    const retried = envelope('t.ignored', { args: { n: 2 } });
    await worker.send([quiet, retried]);
    await worker.drain();
    expect(await item(env, quiet.id)).toBeUndefined();
    const done = await item(env, retried.id);
    expect(done).toMatchObject({ state: 'SUCCESS', attempt: 2, result: null });
    expect(states(done as never)).toEqual(['RETRY', 'SUCCESS']);
  });
});

describe('delivery', () => {
  it('sends a retry later than 900 s through a one-time schedule and remembers its name', async () => {
    const scheduler = new SchedulerClient({});
    const worker = new InProcessWorker(env, lane, {
      't.long_backoff': async () => {
        throw new Error('later');
      },
    });
    const task = envelope('t.long_backoff');
    await worker.send([task]);
    await worker.drain();
    const name = delayScheduleName(task.id, 2, task.task);
    const schedule = await scheduler.send(
      new GetScheduleCommand({ Name: name, GroupName: env.config.delayScheduleGroup }),
    );
    expect(JSON.parse(schedule.Target?.Input ?? '{}')).toMatchObject({ id: task.id, attempt: 2 });
    expect(await item(env, task.id)).toMatchObject({
      state: 'RETRY',
      attempt: 1,
      scheduleName: name,
    });
    await scheduler.send(
      new DeleteScheduleCommand({ Name: name, GroupName: env.config.delayScheduleGroup }),
    );
  });

  it('records a task whose far eta came with its message as PENDING on its schedule, so a revoke deletes it', async () => {
    const scheduler = new SchedulerClient({});
    const worker = new InProcessWorker(env, lane);
    const eta = new Date(Date.now() + 2_000_000).toISOString();
    const task = envelope('t.plain', { eta });
    await worker.send([task]);
    await worker.drain();
    const name = delayScheduleName(task.id, 1, task.task);
    expect(name.startsWith('lovage-t.')).toBe(true);
    expect(await item(env, task.id)).toMatchObject({
      state: 'PENDING',
      attempt: 1,
      eta,
      scheduleName: name,
      args: { n: 1 },
    });
    const revoked = await env.lovage.revoke(task.id);
    expect(revoked).toMatchObject({ revoked: true, scheduleDeleted: true });
    await expect(
      scheduler.send(
        new GetScheduleCommand({ Name: name, GroupName: env.config.delayScheduleGroup }),
      ),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(worker.runsOf(task.id)).toEqual([]);
  });

  it('leaves only the record whose table write failed on the queue; its neighbours finish', async () => {
    const failing = envelope('t.plain');
    let refusals = 0;
    const worker = new InProcessWorker(
      env,
      lane,
      {},
      {
        faults: {
          db: (command, input) => {
            if (command !== 'UpdateItemCommand' || refusals >= 1) return undefined;
            if (!JSON.stringify(input.Key ?? {}).includes(failing.id)) return undefined;
            refusals++;
            return serviceError('InternalServerError', 'DynamoDB is unavailable');
          },
        },
      },
    );
    const others = Array.from({ length: 3 }, () => envelope('t.plain'));
    await worker.send([failing, ...others]);
    const out = await worker.deliver(await worker.receive(10));
    expect(out).toMatchObject({ batchItemFailures: [{ itemIdentifier: expect.any(String) }] });
    for (const task of others) expect(await item(env, task.id)).toMatchObject({ state: 'SUCCESS' });
    await worker.drain();
    expect(await item(env, failing.id)).toMatchObject({ state: 'SUCCESS', attempt: 1 });
  });
});
