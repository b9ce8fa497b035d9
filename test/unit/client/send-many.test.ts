import {
  SendMessageBatchCommand,
  type SendMessageBatchCommandInput,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { catalog } from '../../../src/catalog/index.js';
import {
  BatchValidationError,
  LovageClient,
  MAX_MESSAGE_BYTES,
  type SendRequest,
} from '../../../src/client/index.js';
import { config, email } from './fixtures.js';

const sqsMock = mockClient(SQSClient);
const lovage = new LovageClient(catalog, config, { sqs: new SQSClient({}) });
type Request = SendRequest<typeof catalog>;

afterEach(() => sqsMock.reset());

const quota = (n: number): Request[] =>
  Array.from({ length: n }, (_, i) => ({
    task: 'email.check_quota',
    args: { warnAtPercent: 50 },
    options: { id: `q-${i}` },
  }));

/** Accepts every entry, like SQS on a good day. */
const acceptAll = () =>
  sqsMock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({
    Successful: (input.Entries ?? []).map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}` })),
    Failed: [],
  }));

const batchCalls = () => sqsMock.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input);

describe('sendMany batching', () => {
  it('sends nothing for 0 entries', async () => {
    acceptAll();
    expect(await lovage.sendMany([])).toEqual({ sent: [], failed: [] });
    expect(sqsMock.calls()).toHaveLength(0);
  });

  it('sends 1 entry in one batch call', async () => {
    acceptAll();
    const { sent, failed } = await lovage.sendMany(quota(1));
    expect(failed).toEqual([]);
    expect(sent).toEqual([expect.objectContaining({ index: 0, id: 'q-0', messageId: 'm-e0' })]);
    expect(batchCalls()).toHaveLength(1);
    const entry = batchCalls()[0]?.Entries?.[0];
    expect(JSON.parse(entry?.MessageBody ?? '')).toMatchObject({
      id: 'q-0',
      task: 'email.check_quota',
    });
    expect(entry?.MessageAttributes?.['lovage-id']?.StringValue).toBe('q-0');
  });

  it('sends 10 entries in one call and 11 in two (10 + 1)', async () => {
    acceptAll();
    expect((await lovage.sendMany(quota(10))).sent).toHaveLength(10);
    expect(batchCalls().map((c) => c.Entries?.length)).toEqual([10]);
    sqsMock.reset();
    acceptAll();
    expect((await lovage.sendMany(quota(11))).sent).toHaveLength(11);
    expect(
      batchCalls()
        .map((c) => c.Entries?.length)
        .sort(),
    ).toEqual([1, 10]);
  });

  it('sends 1,000 entries in 100 calls, never more than `concurrency` in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    sqsMock.on(SendMessageBatchCommand).callsFake(async (input: SendMessageBatchCommandInput) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      inFlight--;
      return { Successful: (input.Entries ?? []).map((e) => ({ Id: e.Id, MessageId: 'm' })) };
    });
    const { sent, failed } = await lovage.sendMany(quota(1000), { concurrency: 4 });
    expect(failed).toEqual([]);
    expect(sent.map((s) => s.index)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(batchCalls()).toHaveLength(100);
    expect(peak).toBe(4);
  });

  it('groups entries by queue', async () => {
    acceptAll();
    const mixed: Request[] = [
      ...quota(3),
      { task: 'email.send', args: email },
      { task: 'email.check_quota', args: {}, options: { tier: 'high' } },
    ];
    const { sent } = await lovage.sendMany(mixed);
    expect(sent).toHaveLength(5);
    const byQueue = Object.fromEntries(batchCalls().map((c) => [c.QueueUrl, c.Entries?.length]));
    expect(byQueue).toEqual({
      [config.queues['email/low']?.url ?? '']: 3,
      [config.queues['email/high']?.url ?? '']: 2,
    });
  });

  it('splits a batch that would pass 256 KiB in total', async () => {
    acceptAll();
    const large = Array.from({ length: 3 }, () => ({
      task: 'email.send' as const,
      args: { ...email, text: 'x'.repeat(MAX_MESSAGE_BYTES / 2) },
    }));
    expect((await lovage.sendMany(large)).sent).toHaveLength(3);
    expect(batchCalls().map((c) => c.Entries?.length)).toEqual([1, 1, 1]);
  });
});

describe('sendMany failures', () => {
  it('reports the one entry SQS refuses as the sender’s fault, without retrying it, and sends the rest', async () => {
    sqsMock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({
      Successful: (input.Entries ?? [])
        .filter((e) => e.Id !== 'e3')
        .map((e) => ({ Id: e.Id, MessageId: 'm' })),
      Failed: [{ Id: 'e3', SenderFault: true, Code: 'InvalidParameterValue', Message: 'bad' }],
    }));
    const { sent, failed } = await lovage.sendMany(quota(10), { baseDelayMs: 1 });
    expect(sent).toHaveLength(9);
    expect(failed).toEqual([
      {
        index: 3,
        id: 'q-3',
        task: 'email.check_quota',
        code: 'InvalidParameterValue',
        message: 'bad',
        senderFault: true,
        attempts: 1,
      },
    ]);
    expect(batchCalls()).toHaveLength(1);
  });

  it('retries throttled entries (only those) until they go through', async () => {
    sqsMock
      .on(SendMessageBatchCommand)
      .callsFakeOnce((input: SendMessageBatchCommandInput) => ({
        Successful: (input.Entries ?? []).slice(2).map((e) => ({ Id: e.Id, MessageId: 'm' })),
        Failed: (input.Entries ?? []).slice(0, 2).map((e) => ({
          Id: e.Id,
          SenderFault: false,
          Code: 'ThrottlingException',
          Message: 'slow down',
        })),
      }))
      .callsFake((input: SendMessageBatchCommandInput) => ({
        Successful: (input.Entries ?? []).map((e) => ({ Id: e.Id, MessageId: 'm2' })),
      }));
    const { sent, failed } = await lovage.sendMany(quota(10), { baseDelayMs: 1 });
    expect(failed).toEqual([]);
    expect(sent).toHaveLength(10);
    expect(batchCalls().map((c) => c.Entries?.map((e) => e.Id))).toEqual([
      Array.from({ length: 10 }, (_, i) => `e${i}`),
      ['e0', 'e1'],
    ]);
  });

  it('retries a whole batch after a throttling error from the call itself', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    sqsMock
      .on(SendMessageBatchCommand)
      .rejectsOnce(throttled)
      .callsFake((input: SendMessageBatchCommandInput) => ({
        Successful: (input.Entries ?? []).map((e) => ({ Id: e.Id, MessageId: 'm' })),
      }));
    const { sent, failed } = await lovage.sendMany(quota(4), { baseDelayMs: 1 });
    expect(failed).toEqual([]);
    expect(sent).toHaveLength(4);
    expect(batchCalls()).toHaveLength(2);
  });

  it('reports entries still throttled after maxAttempts, with the last error and the tries made', async () => {
    sqsMock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({
      Successful: (input.Entries ?? []).slice(1).map((e) => ({ Id: e.Id, MessageId: 'm' })),
      Failed: (input.Entries ?? []).slice(0, 1).map((e) => ({
        Id: e.Id,
        SenderFault: false,
        Code: 'InternalError',
        Message: 'try later',
      })),
    }));
    const { sent, failed } = await lovage.sendMany(quota(3), { maxAttempts: 3, baseDelayMs: 1 });
    // Every call refuses its first entry: e0 on all three tries; e1 and e2 went through on the first.
    expect(sent.map((s) => s.id)).toEqual(['q-1', 'q-2']);
    expect(failed).toEqual([
      expect.objectContaining({ index: 0, code: 'InternalError', senderFault: false, attempts: 3 }),
    ]);
    expect(batchCalls()).toHaveLength(3);
  });

  it('reports every entry of a batch whose call fails for good (no retry of a non-retryable error)', async () => {
    const denied = Object.assign(new Error('not allowed'), {
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
    sqsMock.on(SendMessageBatchCommand).rejects(denied);
    const { sent, failed } = await lovage.sendMany(quota(11), { baseDelayMs: 1 });
    expect(sent).toEqual([]);
    expect(failed.map((f) => [f.index, f.code, f.attempts])).toEqual(
      Array.from({ length: 11 }, (_, i) => [i, 'AccessDenied', 1]),
    );
    expect(batchCalls()).toHaveLength(2);
  });

  it('validates every entry before sending anything, listing each bad one', async () => {
    acceptAll();
    const requests = quota(12) as unknown as { task: string; args: unknown }[];
    requests[4] = { task: 'email.check_quota', args: { warnAtPercent: 'lots' } };
    requests[9] = { task: 'email.unknown', args: {} };
    const error = await lovage.sendMany(requests as Request[]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatchValidationError);
    expect(
      (error as BatchValidationError).entries.map((e) => [e.index, e.task, e.error.name]),
    ).toEqual([
      [4, 'email.check_quota', 'PayloadValidationError'],
      [9, 'email.unknown', 'UnknownTaskError'],
    ]);
    expect((error as Error).message).toMatch(/#4 \(email\.check_quota\): .*warnAtPercent/);
    expect(sqsMock.calls()).toHaveLength(0);
  });

  it('fails if concurrency is not a positive whole number', async () => {
    await expect(lovage.sendMany(quota(1), { concurrency: 0 })).rejects.toThrow(
      /concurrency \(0\)/,
    );
  });
});

describe('send', () => {
  it('sends one message with its delay and attributes', async () => {
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'one' });
    const handle = await lovage.send('email.check_quota', {}, { id: 'x-1', countdownSeconds: 30 });
    expect(handle).toMatchObject({ id: 'x-1', delivery: 'queue', messageId: 'one', tier: 'low' });
    const input = sqsMock.commandCalls(SendMessageCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ QueueUrl: config.queues['email/low']?.url, DelaySeconds: 30 });
    expect(input?.MessageAttributes?.['lovage-task']?.StringValue).toBe('email.check_quota');
  });
});
