import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { TaskContext } from '../../../src/runtime/index.js';
import { context, envelope, record, testWorker } from './harness.js';
import { assignments } from './updates.js';

const db = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
const updates = () => db.commandCalls(UpdateCommand).map((c) => c.args[0].input);
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'no', $metadata: {} });

beforeEach(() => {
  db.reset();
  sqs.reset();
  db.on(UpdateCommand).resolves({});
  db.on(GetCommand).resolves({});
  sqs.on(SendMessageCommand).resolves({});
});

describe('soft time limit', () => {
  it('aborts the signal with SoftTimeLimitExceededError and fails the run with it', async () => {
    let seen: unknown;
    const { handler } = testWorker({
      // t.soft: softTimeLimitSeconds 0.05; this handler waits for its signal.
      't.soft': (_args, ctx) =>
        new Promise((_resolve, reject) => {
          ctx.signal.addEventListener('abort', () => {
            seen = ctx.signal.reason;
            reject(new DOMException('aborted', 'AbortError'));
          });
        }),
    });
    await handler({ Records: [record(envelope('t.soft'))] }, context);
    expect((seen as Error).name).toBe('SoftTimeLimitExceededError');
    // Retried like any error (t.soft does not list it in neverRetry), with the limit's error recorded.
    expect(assignments(updates()[1])).toMatchObject({
      state: 'RETRY',
      error: {
        type: 'SoftTimeLimitExceededError',
        message: "task 't.soft' ran past its softTimeLimitSeconds (0.05 s)",
      },
    });
  });

  it('ends the run at the limit even when the handler ignores the signal', async () => {
    const { handler } = testWorker({ 't.soft': () => new Promise(() => undefined) });
    await handler({ Records: [record(envelope('t.soft'))] }, context);
    expect(assignments(updates()[1])).toMatchObject({
      error: { type: 'SoftTimeLimitExceededError' },
    });
  });
});

describe('progress', () => {
  const reportSteps = (steps: number) => async (_args: unknown, ctx: TaskContext) => {
    for (let i = 1; i <= steps; i++) await ctx.progress(i, steps, `step ${i}`);
    return { steps };
  };

  it('writes PROGRESS with its meta, throttled: the first call and the last', async () => {
    const { handler } = testWorker({ 't.plain': reportSteps(50) });
    await handler({ Records: [record(envelope('t.plain'))] }, context);
    const progress = updates().filter((u) => assignments(u).progress !== undefined);
    expect(progress).toHaveLength(2);
    expect(assignments(progress[0])).toMatchObject({
      state: 'PROGRESS',
      progress: { current: 1, total: 50, message: 'step 1' },
      history: [expect.objectContaining({ state: 'PROGRESS' })],
    });
    // Later writes replace the meta without growing the history.
    expect(assignments(progress[1])).toMatchObject({ progress: { current: 50, total: 50 } });
    expect(assignments(progress[1]).history).toBeUndefined();
    expect(progress[1]?.ConditionExpression).toBe('#state IN (:from0, :from1)');
    expect(assignments(updates().at(-1))).toMatchObject({ state: 'SUCCESS' });
  });

  it('aborts the signal at the next checkpoint after a revoke and leaves the record REVOKED', async () => {
    let reason: unknown;
    let checkpoints = 0;
    db.on(UpdateCommand, { ExpressionAttributeValues: { ':state': 'PROGRESS' } }).rejects(
      conditionFailed(),
    );
    db.on(GetCommand).resolves({ Item: { state: 'REVOKED' } });
    const { handler, emitted } = testWorker({
      't.plain': async (_args, ctx) => {
        try {
          await ctx.progress(1, 10);
          await ctx.progress(10, 10);
        } catch (error) {
          reason = ctx.signal.reason;
          checkpoints++;
          throw error;
        }
      },
    });
    // The first progress write is a transition (history entry); make it fail too.
    db.on(UpdateCommand, { ConditionExpression: '#state IN (:from0, :from1)' }).rejects(
      conditionFailed(),
    );
    await handler({ Records: [record(envelope('t.plain'))] }, context);
    expect((reason as Error).name).toBe('TaskRevokedError');
    expect(checkpoints).toBe(1);
    const last = updates().at(-1);
    expect(last?.ConditionExpression).toBe('#state IN (:from0)');
    expect(assignments(last).history).toEqual([expect.objectContaining({ state: 'REVOKED' })]);
    expect(emitted).toEqual([]);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('refuses progress that cannot be progress', async () => {
    let error: unknown;
    const { handler } = testWorker({
      't.plain': async (_args, ctx) => {
        await ctx.progress(1, 0).catch((e: unknown) => {
          error = e;
        });
      },
    });
    await handler({ Records: [record(envelope('t.plain'))] }, context);
    expect((error as Error).message).toBe(
      'progress(1, 0) needs finite numbers with total > 0 and current >= 0',
    );
  });
});
