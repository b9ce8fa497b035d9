import { Logger } from '@aws-lambda-powertools/logger';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { catalog } from '../../src/catalog/index.js';
import {
  createWorker,
  type Outcome,
  TaskRecords,
  Telemetry,
  UnrecoverableError,
} from '../../src/runtime/index.js';
import { assignments } from './runtime/updates.js';

const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:email-high';
const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/email-high-dlq';
const db = mockClient(DynamoDBDocumentClient);
const sqsMock = mockClient(SQSClient);
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/email-high';
const context = { getRemainingTimeInMillis: () => 30_000 };
const emitted: { task: string; outcome: Outcome }[] = [];

const sendArgs = { from: 'a@example.com', to: ['b@example.com'], subject: 's', text: 't' };
const envelope = (over: Record<string, unknown> = {}) => ({
  v: 1,
  id: 'id-1',
  task: 'email.send',
  args: sendArgs,
  tier: 'high',
  attempt: 1,
  createdAt: '2026-11-23T10:00:00.000Z',
  source: 'test',
  ...over,
});
const record = (body: unknown, messageId = 'm-1'): SQSRecord =>
  ({
    messageId,
    receiptHandle: `rh-${messageId}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    eventSourceARN: QUEUE_ARN,
  }) as SQSRecord;

function worker(
  handlers: Partial<Record<'email.send' | 'email.check_quota', () => Promise<unknown>>> = {},
) {
  const logger = new Logger({ logLevel: 'SILENT' });
  return createWorker(
    catalog,
    'email',
    {
      'email.send': handlers['email.send'] ?? (async () => ({ messageId: 'ses-1', recipients: 1 })),
      'email.check_quota': handlers['email.check_quota'] ?? (async () => ({})),
      'email.send_bulk': async () => ({}),
      'email.process_bounce': async () => ({}),
    },
    {
      records: new TaskRecords(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'tasks'),
      sqs: new SQSClient({ region: 'us-east-1' }),
      logger,
      deadLetterQueues: new Map([[QUEUE_ARN, DLQ_URL]]),
      telemetry: new Telemetry({ metrics: (task, outcome) => emitted.push({ task, outcome }) }),
    },
  );
}

const conditionFailed = () => new ConditionalCheckFailedException({ message: 'no', $metadata: {} });

beforeEach(() => {
  emitted.length = 0;
  delete process.env.AWS_ENDPOINT_URL;
  delete process.env.AWS_ENDPOINT_URL_SQS;
  db.reset();
  sqsMock.reset();
  db.on(PutCommand).resolves({});
  db.on(UpdateCommand).resolves({});
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
});

describe('createWorker', () => {
  // Changed with the full runtime: the claim is an UpdateItem (it keeps the history and any
  // fields a client wrote for a PENDING task), not a PutItem that would overwrite them.
  it('claims, runs and records SUCCESS with two writes', async () => {
    const run = vi.fn(async () => ({ messageId: 'ses-1', recipients: 1 }));
    const out = await worker({ 'email.send': run })({ Records: [record(envelope())] }, context);
    expect(out.batchItemFailures).toEqual([]);
    expect(run).toHaveBeenCalledWith(sendArgs, expect.objectContaining({ id: 'id-1', attempt: 1 }));
    const [claim, success] = db.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(claim?.Key).toEqual({ pk: 'TASK#id-1', sk: 'TASK' });
    expect(assignments(claim)).toMatchObject({
      state: 'STARTED',
      gsi2pk: expect.stringMatching(/^STATE#STARTED#/),
      leaseUntil: expect.any(Number),
      history: [expect.objectContaining({ state: 'STARTED', attempt: 1 })],
    });
    expect(assignments(success)).toMatchObject({
      state: 'SUCCESS',
      result: { messageId: 'ses-1', recipients: 1 },
      history: [expect.objectContaining({ state: 'SUCCESS', attempt: 1 })],
    });
    expect(db.calls()).toHaveLength(2);
    expect(emitted).toEqual([{ task: 'email.send', outcome: 'succeeded' }]);
  });

  it('records FAILURE and dead-letters the envelope with the reason when the task throws', async () => {
    const out = await worker({
      'email.send': async () => {
        throw new UnrecoverableError('SES rejected the message: not verified');
      },
    })({ Records: [record(envelope())] }, context);
    expect(out.batchItemFailures).toEqual([]);
    expect(assignments(db.commandCalls(UpdateCommand)[1]?.args[0].input)).toMatchObject({
      state: 'FAILURE',
      error: { type: 'UnrecoverableError', message: 'SES rejected the message: not verified' },
    });
    const dlq = sqsMock.commandCalls(SendMessageCommand)[0]?.args[0].input;
    expect(dlq?.QueueUrl).toBe(DLQ_URL);
    expect(JSON.parse(dlq?.MessageBody ?? '')).toEqual(envelope());
    expect(dlq?.MessageAttributes?.['lovage-error-type']?.StringValue).toBe('UnrecoverableError');
    expect(dlq?.MessageAttributes?.['lovage-id']?.StringValue).toBe('id-1');
    expect(dlq?.MessageAttributes?.['lovage-attempts']?.StringValue).toBe('1');
    expect(dlq?.MessageAttributes?.['lovage-failure-reason']?.StringValue).toMatch(/never retried/);
  });

  it('acknowledges a duplicate of a finished task without running it', async () => {
    db.on(UpdateCommand).rejects(conditionFailed());
    db.on(GetCommand).resolves({ Item: { id: 'id-1', state: 'SUCCESS' } });
    const run = vi.fn();
    const out = await worker({ 'email.send': run })({ Records: [record(envelope())] }, context);
    expect(run).not.toHaveBeenCalled();
    expect(out.batchItemFailures).toEqual([]);
    expect(db.commandCalls(UpdateCommand)).toHaveLength(1);
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  // Changed with the full runtime: the duplicate is re-sent with a delay and acknowledged,
  // instead of being left on the queue, so waiting never counts toward maxReceiveCount.
  it('defers a duplicate of a running task until its lease ends, never running it in parallel', async () => {
    db.on(UpdateCommand).rejects(conditionFailed());
    db.on(GetCommand).resolves({
      Item: { id: 'id-1', state: 'STARTED', attempt: 1, leaseUntil: Date.now() + 20_000 },
    });
    const run = vi.fn();
    const out = await worker({ 'email.send': run })({ Records: [record(envelope())] }, context);
    expect(run).not.toHaveBeenCalled();
    expect(out.batchItemFailures).toEqual([]);
    const resent = sqsMock.commandCalls(SendMessageCommand)[0]?.args[0].input;
    expect(resent?.QueueUrl).toBe(QUEUE_URL);
    expect(JSON.parse(resent?.MessageBody ?? '')).toEqual(envelope());
    expect(resent?.DelaySeconds).toBeGreaterThanOrEqual(20);
    expect(resent?.DelaySeconds).toBeLessThanOrEqual(22);
  });

  it.each([
    ['a body that is not JSON', '{nope', 'EnvelopeError', /body is not JSON/],
    [
      'another envelope version',
      envelope({ v: 9 }),
      'EnvelopeError',
      /unsupported envelope version 9/,
    ],
    [
      'an unknown task',
      envelope({ task: 'email.nope' }),
      'UnknownTaskError',
      /unknown task 'email.nope'/,
    ],
    [
      'a payload that fails its schema',
      envelope({ args: { to: 'x' } }),
      'PayloadValidationError',
      /invalid payload for task 'email.send'/,
    ],
  ])('dead-letters %s with the reason and never runs it', async (_label, body, type, message) => {
    const run = vi.fn();
    const out = await worker({ 'email.send': run })({ Records: [record(body)] }, context);
    expect(run).not.toHaveBeenCalled();
    expect(out.batchItemFailures).toEqual([]);
    const dlq = sqsMock.commandCalls(SendMessageCommand)[0]?.args[0].input;
    expect(dlq?.MessageAttributes?.['lovage-error-type']?.StringValue).toBe(type);
    expect(dlq?.MessageAttributes?.['lovage-error-message']?.StringValue).toMatch(message);
  });

  it('records FAILURE for a rejected message that carries an id', async () => {
    await worker()({ Records: [record(envelope({ args: {} }))] }, context);
    expect(db.commandCalls(PutCommand)[0]?.args[0].input.Item).toMatchObject({
      pk: 'TASK#id-1',
      state: 'FAILURE',
      error: { type: 'PayloadValidationError' },
    });
  });

  it('keeps one bad record from failing its neighbours', async () => {
    const records = [
      record(envelope({ id: 'a' }), 'm-a'),
      record('garbage', 'm-bad'),
      record(envelope({ id: 'c' }), 'm-c'),
    ];
    const out = await worker()({ Records: records }, context);
    expect(out.batchItemFailures).toEqual([]);
    const written = db.commandCalls(UpdateCommand).map((c) => c.args[0].input.Key?.pk);
    expect([...new Set(written)].sort()).toEqual(['TASK#a', 'TASK#c']);
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(1);
  });

  it('leaves a record on the queue when the table cannot be written', async () => {
    db.on(UpdateCommand).rejects(new Error('throttled'));
    const out = await worker()({ Records: [record(envelope())] }, context);
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
  });
});
