import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { PayloadValidationError } from '../../../src/catalog/index.js';
import { classify, EXIT, UsageError } from '../../../src/cli/context.js';
import { age, table } from '../../../src/cli/format.js';
import { type StackConfig, StackConfigError } from '../../../src/client/index.js';
import { readDeadLetters, redrive } from '../../../src/ops/index.js';

const config: StackConfig = {
  stackName: 'Lovage',
  region: 'us-east-1',
  account: '1',
  partition: 'aws',
  tableName: 't',
  queues: { 'email/high': { url: 'https://q/1/high', dlq: 'https://q/1/high-dlq' } },
  scheduleGroup: 'g',
  delayScheduleGroup: 'd',
  delayRoleArn: 'r',
  eventBusName: 'b',
  dashboardName: 'Lovage-tasks',
};
const sqs = mockClient(SQSClient);

const letter = (id: string, errorType: string, failedAt: string) => ({
  MessageId: `m-${id}`,
  ReceiptHandle: `rh-${id}`,
  Body: JSON.stringify({ v: 1, id, task: 'email.send' }),
  MessageAttributes: {
    'lovage-id': { DataType: 'String', StringValue: id },
    'lovage-task': { DataType: 'String', StringValue: 'email.send' },
    'lovage-error-type': { DataType: 'String', StringValue: errorType },
    'lovage-failed-at': { DataType: 'String', StringValue: failedAt },
  },
});

beforeEach(() => {
  sqs.reset();
  sqs
    .on(ReceiveMessageCommand)
    .resolvesOnce({
      Messages: [
        letter('a', 'TimeoutError', '2026-11-23T10:00:00.000Z'),
        letter('b', 'UnrecoverableError', '2026-11-23T11:00:00.000Z'),
      ],
    })
    .resolves({ Messages: [] });
  sqs.on(SendMessageCommand).resolves({});
  sqs.on(DeleteMessageCommand).resolves({});
  sqs.on(ChangeMessageVisibilityCommand).resolves({});
});

describe('dead letters', () => {
  it('filters by error type and time window, and releases what it read', async () => {
    const letters = await readDeadLetters(config, new SQSClient({}), {
      errorType: 'TimeoutError',
      since: '2026-11-23T09:00:00.000Z',
    });
    expect(letters.map((l) => l.taskId)).toEqual(['a']);
    expect(
      sqs
        .commandCalls(ChangeMessageVisibilityCommand)
        .map((c) => c.args[0].input.VisibilityTimeout),
    ).toEqual([0, 0]);
  });

  it('redrives by sending to the source queue before deleting the letter', async () => {
    const reopened: string[] = [];
    const result = await redrive(
      config,
      new SQSClient({}),
      { errorType: 'UnrecoverableError' },
      {
        ratePerSecond: 1000,
        reopenTask: async (id) => {
          reopened.push(id);
          return true;
        },
      },
    );
    expect(result).toMatchObject({ matched: 1, moved: 1 });
    expect(reopened).toEqual(['b']);
    const order = sqs
      .calls()
      .map((c) => c.args[0].constructor.name)
      .filter((n) => n === 'SendMessageCommand' || n === 'DeleteMessageCommand');
    expect(order).toEqual(['SendMessageCommand', 'DeleteMessageCommand']);
    expect(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.QueueUrl).toBe(
      'https://q/1/high',
    );
    expect(sqs.commandCalls(DeleteMessageCommand)[0]?.args[0].input.QueueUrl).toBe(
      'https://q/1/high-dlq',
    );
  });

  it('moves nothing on a dry run and leaves a letter whose task no longer failed', async () => {
    const dry = await redrive(
      config,
      new SQSClient({}),
      {},
      { dryRun: true, reopenTask: async () => true },
    );
    expect(dry).toMatchObject({ matched: 2, moved: 0 });
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
  });

  it('skips a letter whose task cannot be reopened', async () => {
    const result = await redrive(
      config,
      new SQSClient({}),
      { task: 'email.send' },
      { ratePerSecond: 1000, reopenTask: async (id) => id === 'a' },
    );
    expect(result.moved).toBe(1);
    expect(result.skipped.map((s) => s.letter.taskId)).toEqual(['b']);
  });
});

describe('cli helpers', () => {
  it('formats a table with right-aligned numbers', () => {
    expect(
      table(
        ['queue', 'n'],
        [
          ['email/high', 3],
          ['low', 12],
        ],
      ),
    ).toBe('queue        n\nemail/high   3\nlow         12');
  });

  it('formats ages for people', () => {
    expect([age(undefined), age(42), age(185), age(7800)]).toEqual(['-', '42s', '3m 5s', '2h 10m']);
  });

  it('maps errors to the documented exit codes', () => {
    expect(classify(new UsageError('x')).code).toBe(EXIT.usage);
    expect(classify(new PayloadValidationError('t', [{ path: 'a', message: 'b' }])).code).toBe(
      EXIT.usage,
    );
    expect(classify(new StackConfigError('no stack')).code).toBe(EXIT.environment);
    const creds = Object.assign(new Error('Could not load credentials'), {
      name: 'CredentialsProviderError',
    });
    expect(classify(creds)).toEqual({
      code: EXIT.environment,
      message: 'no usable AWS credentials: Could not load credentials',
    });
    expect(classify(new Error('boom')).code).toBe(EXIT.failed);
  });
});
