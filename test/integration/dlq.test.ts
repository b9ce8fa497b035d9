import { spawn } from 'node:child_process';
import {
  GetQueueAttributesCommand,
  type MessageAttributeValue,
  PurgeQueueCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { catalog } from '../../src/catalog/index.js';
import {
  type DeadLetter,
  REDRIVE_POLICY_REASON,
  readDeadLetters,
  redrive,
  reopenTask,
} from '../../src/ops/index.js';
import type { EnvelopeInput } from '../../src/protocol/envelope.js';
import { indexKeys, type TaskRecord, taskKey } from '../../src/protocol/records.js';
import { BIN, json, lovage } from '../helpers/cli.js';
import { deployed } from '../helpers/deployed.js';
import { envelope, item, itemWhen } from './runtime-helpers.js';

/**
 * The DLQ commands against the deployed stack's diagnostics DLQ. Letters are put there with
 * SendMessage, shaped as the runtime (with its attributes) or the redrive policy (without)
 * leaves them, so each test knows exactly what the DLQ holds. Files run one after another;
 * each test starts from an empty DLQ.
 */
let env: Awaited<ReturnType<typeof deployed>>;
let dlqUrl: string;
const QUEUE = 'diagnostics/normal';

beforeAll(async () => {
  env = await deployed();
  dlqUrl = env.queue('diagnostics', 'normal').dlq;
});

beforeEach(async () => {
  await env.sqs.send(new PurgeQueueCommand({ QueueUrl: dlqUrl }));
});

const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });

/** A letter as the runtime sends it: the original body plus why it failed for good. */
function runtimeLetter(body: EnvelopeInput & { id: string }, attempts: number) {
  return {
    body: JSON.stringify(body),
    attributes: {
      'lovage-id': text(body.id),
      'lovage-task': text(body.task),
      'lovage-error-type': text('DrillError'),
      'lovage-error-message': text('failed on purpose'),
      'lovage-failure-reason': text(`retries exhausted: attempt ${attempts} of ${attempts}`),
      'lovage-failed-at': text(new Date().toISOString()),
      'lovage-attempts': { DataType: 'Number', StringValue: String(attempts) },
    },
  };
}

/** A letter as the redrive policy moves it: the body alone. */
const policyLetter = (body: object | string) => ({
  body: typeof body === 'string' ? body : JSON.stringify(body),
  attributes: undefined,
});

async function putLetters(
  letters: readonly { body: string; attributes?: Record<string, MessageAttributeValue> }[],
): Promise<void> {
  for (let i = 0; i < letters.length; i += 10) {
    const out = await env.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: dlqUrl,
        Entries: letters.slice(i, i + 10).map((l, j) => ({
          Id: `l${j}`,
          MessageBody: l.body,
          ...(l.attributes ? { MessageAttributes: l.attributes } : {}),
        })),
      }),
    );
    expect(out.Failed ?? []).toEqual([]);
  }
}

async function dlqCounts(): Promise<{ visible: number; hidden: number }> {
  const out = await env.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: dlqUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(out.Attributes?.ApproximateNumberOfMessages),
    hidden: Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible),
  };
}

/** Writes a task record as the runtime leaves it, in `state`. */
async function putRecord(
  body: EnvelopeInput & { id: string },
  state: 'FAILURE' | 'STARTED',
  fields: Partial<TaskRecord> = {},
): Promise<void> {
  const at = new Date().toISOString();
  const record = {
    id: body.id,
    task: body.task,
    state,
    tier: body.tier,
    attempt: body.attempt ?? 1,
    createdAt: body.createdAt,
    updatedAt: at,
    startedAt: at,
    history: [{ state, at, attempt: body.attempt ?? 1 }],
    ...fields,
  };
  await env.db.send(
    new PutCommand({
      TableName: env.config.tableName,
      Item: { ...taskKey(body.id), ...indexKeys(record), ...record },
    }),
  );
}

const reopen = (task: { id: string; attempt: number }, options: { dryRun: boolean }) =>
  reopenTask(env.db, env.config.tableName, task.id, task.attempt, options);

const ping = (prefix: string) => envelope(prefix, 'diagnostics.ping', { message: prefix });

describe('dlq list / show', () => {
  it('leaves every letter visible: a list right after a list or a show sees them all', async () => {
    const failed = ping('dlq-failed');
    const crashed = ping('dlq-crashed');
    await putLetters([runtimeLetter(failed, 2), policyLetter(crashed), policyLetter('not json')]);

    const first = await json<DeadLetter[]>('dlq', 'list', '--queue', QUEUE);
    expect(first).toHaveLength(3);
    expect(await dlqCounts()).toEqual({ visible: 3, hidden: 0 });

    const table = await lovage('dlq', 'list', '--queue', QUEUE);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^queue\s+task id\s+task\s+attempts\s+failed at\s+reason$/);
    expect(lines).toHaveLength(4);
    expect(lines.find((l) => l.includes(failed.id))).toMatch(
      /diagnostics\.ping\s+2\s+\S+\s+DrillError: failed on purpose \(retries exhausted: attempt 2 of 2\)$/,
    );
    expect(lines.find((l) => l.includes(crashed.id))).toContain(REDRIVE_POLICY_REASON);
    expect(await dlqCounts()).toEqual({ visible: 3, hidden: 0 });

    const shown = await lovage('dlq', 'show', failed.id);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('reason: DrillError: failed on purpose');
    expect(shown.stdout).toContain('why final: retries exhausted: attempt 2 of 2');
    expect(shown.stdout).toContain('attempts: 2');
    expect(await dlqCounts()).toEqual({ visible: 3, hidden: 0 });

    const afterShow = await json<DeadLetter[]>('dlq', 'list', '--queue', QUEUE);
    expect(afterShow.map((l) => l.messageId).sort()).toEqual(first.map((l) => l.messageId).sort());
  });

  it('reads a DLQ of 35 letters whole, each once', async () => {
    const bodies = Array.from({ length: 35 }, () => ping('dlq-many'));
    await putLetters(bodies.map(policyLetter));
    const letters = await json<DeadLetter[]>('dlq', 'list', '--queue', QUEUE);
    expect(letters.map((l) => l.taskId).sort()).toEqual(bodies.map((b) => b.id).sort());
    expect(await dlqCounts()).toEqual({ visible: 35, hidden: 0 });
  });
});

describe('dlq redrive', () => {
  it('keeps the letters of a slow redrive hidden until each moves once, releasing the rest at once', async () => {
    const moving = Array.from({ length: 5 }, () => ping('dlq-slow'));
    const others = Array.from({ length: 2 }, () =>
      envelope('dlq-other', 'diagnostics.flaky', { failTimes: 0 }),
    );
    for (const body of moving) {
      await putRecord(body, 'FAILURE', { finishedAt: new Date().toISOString() });
    }
    await putLetters([...moving, ...others].map((b) => runtimeLetter(b, 1)));

    // Sample the DLQ while the redrive runs: 5 letters at 1 per second with a 3 s hold
    // outlast the hold, so only the heartbeat keeps them hidden.
    const samples: { at: number; visible: number; hidden: number }[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push({ at: Date.now(), ...(await dlqCounts()) });
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    let firstMove = 0;
    let rival: Promise<DeadLetter[]> | undefined;
    const rivalWindow = { from: 0, to: 0 };
    const result = await redrive(
      env.config,
      env.sqs,
      { queue: QUEUE, task: 'diagnostics.ping' },
      {
        catalog,
        reopen,
        ratePerSecond: 1,
        holdSeconds: 3,
        onProgress: (done) => {
          firstMove ||= Date.now();
          // Past the first hold, another reader must still find none of the letters.
          if (done === 3) {
            rivalWindow.from = Date.now();
            rival = readDeadLetters(env.config, env.sqs, { queue: QUEUE }).then((r) => {
              rivalWindow.to = Date.now();
              return r.letters;
            });
          }
        },
      },
    );
    const lastMove = Date.now();
    sampling = false;
    await sampler;

    expect(result).toMatchObject({ matched: 5, moved: 5, skipped: [], failed: [] });
    expect(lastMove - firstMove).toBeGreaterThan(3_000);
    const seenByRival = (await rival)?.map((l) => l.taskId).sort();
    // Another reader past the first hold finds only the letters that do not match.
    expect(seenByRival).toEqual(others.map((o) => o.id).sort());
    // Those two were visible again before the first move, and no moving letter ever
    // reappeared (outside the rival's read, which hides the two while it reads).
    const during = samples.filter(
      (s) =>
        s.at >= firstMove &&
        s.at <= lastMove &&
        (s.at < rivalWindow.from - 300 || s.at > rivalWindow.to + 300),
    );
    expect(during.length).toBeGreaterThan(5);
    expect(during.map((s) => s.visible)).toEqual(during.map(() => 2));
    const afterRead = samples.filter((s) => s.at >= firstMove).map((s) => s.visible);
    expect(Math.max(...afterRead)).toBeLessThanOrEqual(2);
    expect(await dlqCounts()).toEqual({ visible: 2, hidden: 0 });

    for (const body of moving) {
      const done = await itemWhen(env, body.id, 'to succeed', (i) => i.state === 'SUCCESS');
      const redriven = done.history.filter((h) => h.note === 'redriven from the dead-letter queue');
      expect(redriven, body.id).toHaveLength(1);
      expect(
        done.history.filter((h) => h.state === 'STARTED'),
        body.id,
      ).toHaveLength(1);
    }
  });

  it('stops after the current letter on Ctrl-C and makes the rest visible again at once', async () => {
    const bodies = Array.from({ length: 4 }, () => ping('dlq-stop'));
    await putLetters(bodies.map((b) => runtimeLetter(b, 1)));

    const child = spawn(
      process.execPath,
      [BIN, 'dlq', 'redrive', '--queue', QUEUE, '--rate', '0.5'],
      {
        env: process.env,
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve) =>
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
        if (/\] 1\/4 /.test(stderr)) resolve();
      }),
    );
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).toContain('stopping after the current letter');
    // The signal came while the redrive waited for the second letter's turn.
    expect(stdout).toContain('moved 1 of 4 letter(s)');
    expect(stdout).toContain('not every letter was taken: run the redrive again for the rest');
    // Visible right away, not after the 30 s hold.
    expect(await dlqCounts()).toEqual({ visible: 3, hidden: 0 });
  });

  it('brings a lost run (STARTED past its lease, moved by the redrive policy) to SUCCESS, and leaves a live one', async () => {
    const lost = ping('dlq-lost');
    const live = ping('dlq-live');
    await putRecord(lost, 'STARTED', { leaseUntil: Date.now() - 60_000 });
    await putRecord(live, 'STARTED', { leaseUntil: Date.now() + 3_600_000 });
    await putLetters([policyLetter(lost), policyLetter(live)]);

    const out = await json<{ moved: number; skipped: { letter: DeadLetter; reason: string }[] }>(
      'dlq',
      'redrive',
      '--queue',
      QUEUE,
      '--rate',
      '50',
    );
    expect(out.moved).toBe(1);
    expect(out.skipped.map((s) => [s.letter.taskId, s.reason])).toEqual([
      [live.id, expect.stringMatching(/^task is STARTED \(attempt 1 holds a live lease until /)],
    ]);

    const done = await itemWhen(env, lost.id, 'to succeed', (i) => i.state === 'SUCCESS');
    expect(done.history.map((h) => h.state)).toEqual(['STARTED', 'PENDING', 'STARTED', 'SUCCESS']);
    expect(done.history[1]).toMatchObject({
      note: 'redriven from the dead-letter queue',
      error: { type: 'WorkerLostError' },
    });
    expect(done.leaseUntil).toBeUndefined();
    expect((await item(env, live.id))?.state).toBe('STARTED');
    const left = await json<DeadLetter[]>('dlq', 'list', '--queue', QUEUE);
    expect(left.map((l) => l.taskId)).toEqual([live.id]);
  });

  it('skips letters whose body would be rejected again, with why, and leaves them in the DLQ', async () => {
    const good = ping('dlq-good');
    const bad = [
      policyLetter('not json'),
      policyLetter({ ...ping('dlq-v2'), v: 2 }),
      policyLetter(envelope('dlq-unknown', 'diagnostics.nope', {})),
      policyLetter(envelope('dlq-args', 'diagnostics.flaky', { failTimes: 'twice' })),
      policyLetter(
        envelope('dlq-category', 'email.check_quota', { warnAtPercent: 80 }, { tier: 'normal' }),
      ),
    ];
    await putLetters([...bad, policyLetter(good)]);

    const out = await lovage('dlq', 'redrive', '--queue', QUEUE, '--rate', '50');
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('moved 1 of 6 letter(s)');
    const reasons = out.stdout.split('\n').filter((l) => l.startsWith('skipped '));
    expect(reasons).toHaveLength(5);
    for (const [pattern, line] of [
      [/^skipped message \S+: body is not JSON/, reasons.find((l) => l.includes('not JSON'))],
      [/: unsupported envelope version 2;/, reasons.find((l) => l.includes('dlq-v2'))],
      [/: task 'diagnostics.nope' is not in the catalog;/, reasons.find((l) => l.includes('nope'))],
      [
        /: invalid payload for task 'diagnostics.flaky': failTimes:/,
        reasons.find((l) => l.includes('dlq-args')),
      ],
      [
        /belongs to category 'email', not to this queue's \('diagnostics'\);/,
        reasons.find((l) => l.includes('dlq-category')),
      ],
    ] as const) {
      expect(line).toMatch(pattern);
      expect(line).toMatch(/re-sent, it would only be rejected again$/);
    }

    expect(await dlqCounts()).toEqual({ visible: 5, hidden: 0 });
    const left = await json<DeadLetter[]>('dlq', 'list', '--queue', QUEUE);
    expect(left).toHaveLength(5);
    expect(left.map((l) => l.taskId)).not.toContain(good.id);
    expect((await itemWhen(env, good.id, 'to succeed', (i) => i.state === 'SUCCESS')).state).toBe(
      'SUCCESS',
    );
  });
});

describe('reopenTask', () => {
  it('reopens a FAILURE once however many redrives race for it, lowering its attempt and clearing the failure marks', async () => {
    const body = ping('dlq-race');
    await putRecord(body, 'FAILURE', {
      attempt: 3,
      finishedAt: new Date().toISOString(),
      error: { type: 'DrillError', message: 'failed on purpose' },
      failing: { error: { type: 'DrillError', message: 'failed on purpose' }, reason: 'drill' },
    } as Partial<TaskRecord>);

    const verdicts = await Promise.all(
      Array.from({ length: 5 }, () => reopen({ id: body.id, attempt: 2 }, { dryRun: false })),
    );
    expect(verdicts.filter((v) => v.kind === 'reopen')).toEqual([
      { kind: 'reopen', from: 'FAILURE', attempt: 2, lost: false },
    ]);
    expect(verdicts.filter((v) => v.kind === 'admit')).toHaveLength(4);

    const after = (await item(env, body.id)) as unknown as Record<string, unknown> & TaskRecord;
    expect(after).toMatchObject({ state: 'PENDING', attempt: 2 });
    expect(after.history?.map((h) => h.state)).toEqual(['FAILURE', 'PENDING']);
    for (const gone of ['finishedAt', 'leaseUntil', 'failing']) expect(after[gone]).toBeUndefined();
    expect(after.gsi2pk).toMatch(/^STATE#PENDING#/);
  });

  it('changes nothing on a dry run', async () => {
    const body = ping('dlq-dry');
    await putRecord(body, 'FAILURE');
    expect(await reopen({ id: body.id, attempt: 1 }, { dryRun: true })).toMatchObject({
      kind: 'reopen',
    });
    expect((await item(env, body.id))?.state).toBe('FAILURE');
  });
});
