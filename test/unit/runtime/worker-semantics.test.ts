import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { delayScheduleName } from '../../../src/protocol/delays.js';
import { context, envelope, QUEUE_URL, record, testWorker } from './harness.js';
import { assignments } from './updates.js';

const db = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
const scheduler = mockClient(SchedulerClient);
const events = mockClient(EventBridgeClient);
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'no', $metadata: {} });
const updates = () => db.commandCalls(UpdateCommand).map((c) => c.args[0].input);
const sent = () => sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input);

beforeEach(() => {
  for (const mock of [db, sqs, scheduler, events]) mock.reset();
  db.on(UpdateCommand).resolves({});
  db.on(GetCommand).resolves({});
  sqs.on(SendMessageCommand).resolves({ MessageId: 'x' });
  scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
});

describe('retries', () => {
  it('records RETRY with the error and delay, re-sends attempt + 1 and acknowledges the original', async () => {
    const { handler, emitted } = testWorker({
      't.plain': async () => {
        throw new TypeError('flaky');
      },
    });
    const out = await handler({ Records: [record(envelope('t.plain', { attempt: 2 }))] }, context);
    expect(out.batchItemFailures).toEqual([]);
    expect(assignments(updates()[1])).toMatchObject({
      state: 'RETRY',
      error: { type: 'TypeError', message: 'flaky' },
      history: [
        expect.objectContaining({ state: 'RETRY', attempt: 2, note: 'retry 2 of 3 in 10 s' }),
      ],
    });
    expect(sent()).toEqual([expect.objectContaining({ QueueUrl: QUEUE_URL, DelaySeconds: 10 })]);
    expect(JSON.parse(sent()[0]?.MessageBody ?? '')).toEqual(envelope('t.plain', { attempt: 3 }));
    expect(emitted).toEqual([{ task: 't.plain', outcome: 'retried' }]);
    // Lifecycle events come from the task stream observer: nothing in the task's own path.
    expect(events.commandCalls(PutEventsCommand)).toEqual([]);
  });

  it('sends a retry later than 900 s through a one-time schedule and remembers its name', async () => {
    const { handler } = testWorker({
      't.long_backoff': async () => {
        throw new Error('later');
      },
    });
    await handler({ Records: [record(envelope('t.long_backoff'))] }, context);
    expect(sent()).toEqual([]);
    const schedule = scheduler.commandCalls(CreateScheduleCommand)[0]?.args[0].input;
    const name = delayScheduleName('id-t.long_backoff', 2);
    expect(schedule).toMatchObject({
      Name: name,
      GroupName: 'delays',
      ActionAfterCompletion: 'DELETE',
    });
    expect(JSON.parse(schedule?.Target?.Input ?? '{}')).toMatchObject({ attempt: 2 });
    expect(assignments(updates()[2])).toEqual({ scheduleName: name });
  });

  it('fails for good after the last retry: FAILURE and a dead letter with attempts', async () => {
    const { handler, emitted } = testWorker({
      't.plain': async () => {
        throw new TypeError('still flaky');
      },
    });
    await handler({ Records: [record(envelope('t.plain', { attempt: 4 }))] }, context);
    expect(assignments(updates()[1])).toMatchObject({ state: 'FAILURE' });
    const letter = sent()[0];
    expect(letter?.QueueUrl).toMatch(/dlq$/);
    expect(letter?.MessageAttributes?.['lovage-attempts']?.StringValue).toBe('4');
    expect(emitted).toEqual([{ task: 't.plain', outcome: 'failed' }]);
  });

  it('makes no EventBridge call for any outcome (events come from the task stream)', async () => {
    events.on(PutEventsCommand).rejects(new Error('bus down'));
    const { handler } = testWorker({
      't.plain': async () => {
        throw new TypeError('flaky');
      },
    });
    await handler({ Records: [record(envelope('t.plain', { attempt: 4 }))] }, context);
    await testWorker().handler({ Records: [record(envelope('t.plain'))] }, context);
    expect(events.commandCalls(PutEventsCommand)).toEqual([]);
  });
});

describe('writes per successful task', () => {
  it('makes 2 with the defaults, 1 with trackStarted off and 0 with ignoreResult', async () => {
    const writes = async (task: string) => {
      db.resetHistory();
      await testWorker().handler({ Records: [record(envelope(task))] }, context);
      return db.calls().filter((c) => !(c.args[0] instanceof GetCommand)).length;
    };
    expect(await writes('t.plain')).toBe(2);
    expect(await writes('t.untracked')).toBe(1);
    expect(await writes('t.ignored')).toBe(0);
  });

  it('still skips a finished task without a claim when trackStarted is off', async () => {
    db.on(GetCommand).resolves({ Item: { state: 'REVOKED' } });
    const run = vi.fn();
    await testWorker({ 't.untracked': run }).handler(
      { Records: [record(envelope('t.untracked'))] },
      context,
    );
    expect(run).not.toHaveBeenCalled();
    expect(updates()).toEqual([]);
  });
});

describe('before running', () => {
  it('records EXPIRED and does not run a task past its expiry', async () => {
    const run = vi.fn();
    const body = envelope('t.plain', { expires: '2020-01-01T00:00:00Z' });
    await testWorker({ 't.plain': run }).handler({ Records: [record(body)] }, context);
    expect(run).not.toHaveBeenCalled();
    expect(assignments(updates()[0])).toMatchObject({ state: 'EXPIRED' });
  });

  it('re-delays a task that arrived before its ETA, same attempt, without claiming it', async () => {
    const eta = new Date(Date.now() + 120_000).toISOString();
    const run = vi.fn();
    await testWorker({ 't.plain': run }).handler(
      { Records: [record(envelope('t.plain', { eta }))] },
      context,
    );
    expect(run).not.toHaveBeenCalled();
    expect(updates()).toEqual([]);
    expect(sent()[0]?.DelaySeconds).toBeGreaterThanOrEqual(119);
    expect(JSON.parse(sent()[0]?.MessageBody ?? '')).toMatchObject({ attempt: 1, eta });
  });

  it('defers a task over its rate limit for the next window without using a retry', async () => {
    db.on(UpdateCommand, { Key: { pk: 'RATE#t.limited' } }).rejects(conditionFailed());
    const run = vi.fn();
    await testWorker({ 't.limited': run }).handler(
      { Records: [record(envelope('t.limited'))] },
      context,
    );
    expect(run).not.toHaveBeenCalled();
    expect(sent()).toHaveLength(1);
    expect(JSON.parse(sent()[0]?.MessageBody ?? '')).toMatchObject({ attempt: 1 });
    expect(sent()[0]?.DelaySeconds).toBeGreaterThanOrEqual(1);
    expect(updates().filter((u) => u.Key?.pk !== 'RATE#t.limited')).toEqual([]);
  });

  it('takes over a run whose lease ended and says so in the history', async () => {
    db.on(UpdateCommand).rejectsOnce(conditionFailed()).resolves({});
    db.on(GetCommand).resolves({
      Item: {
        state: 'STARTED',
        attempt: 1,
        startedAt: '2026-11-23T10:00:01Z',
        leaseUntil: Date.now() - 1,
      },
    });
    await testWorker().handler({ Records: [record(envelope('t.plain'))] }, context);
    expect(updates()[1]?.ConditionExpression).toMatch(/leaseUntil < :now/);
    expect(assignments(updates()[1]).history).toEqual([
      expect.objectContaining({
        state: 'STARTED',
        error: expect.objectContaining({ type: 'WorkerLostError' }),
      }),
    ]);
    expect(assignments(updates()[2])).toMatchObject({ state: 'SUCCESS' });
  });
});
