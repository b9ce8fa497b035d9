import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { defineCatalog, task } from '../../../src/catalog/index.js';
import {
  createWorker,
  type Outcome,
  Redelivery,
  type TaskContext,
  TaskRecords,
  Telemetry,
} from '../../../src/runtime/index.js';

export const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:t-normal';
export const QUEUE_URL = 'https://sqs.example/000000000000/t-normal';
export const DLQ_URL = 'https://sqs.example/000000000000/t-normal-dlq';
export const context = { getRemainingTimeInMillis: () => 30_000 };

const Args = z.object({ n: z.number().default(1) });
const quick = { baseSeconds: 5, factor: 2, maxSeconds: 2000, jitter: 'none' } as const;

/** A catalog of one category whose tasks cover every option the runtime honours. */
export const testCatalog = defineCatalog({
  categories: {
    t: {
      timeoutSeconds: 30,
      tasks: {
        't.plain': task({ schema: Args, backoff: quick }),
        't.long_backoff': task({ schema: Args, backoff: { ...quick, baseSeconds: 1000 } }),
        't.untracked': task({ schema: Args, trackStarted: false }),
        't.ignored': task({ schema: Args, ignoreResult: true }),
        't.limited': task({ schema: Args, rateLimit: '2/s' }),
        't.soft': task({ schema: Args, softTimeLimitSeconds: 0.05 }),
      },
    },
  },
});

export type TestHandler = (args: { n: number }, ctx: TaskContext) => Promise<unknown>;
const ok: TestHandler = async () => ({ ok: true });

/** A worker on `testCatalog` whose AWS clients are the (mocked) SDK clients. */
export function testWorker(handlers: Partial<Record<string, TestHandler>> = {}) {
  const emitted: { task: string; outcome: Outcome }[] = [];
  const sqs = new SQSClient({ region: 'us-east-1' });
  const handler = createWorker(
    testCatalog,
    't',
    {
      't.plain': handlers['t.plain'] ?? ok,
      't.long_backoff': handlers['t.long_backoff'] ?? ok,
      't.untracked': handlers['t.untracked'] ?? ok,
      't.ignored': handlers['t.ignored'] ?? ok,
      't.limited': handlers['t.limited'] ?? ok,
      't.soft': handlers['t.soft'] ?? ok,
    },
    {
      records: new TaskRecords(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'tasks'),
      sqs,
      logger: new Logger({ logLevel: 'SILENT' }),
      deadLetterQueues: new Map([[QUEUE_ARN, DLQ_URL]]),
      redelivery: new Redelivery(sqs, [{ tier: 'normal', arn: QUEUE_ARN, url: QUEUE_URL }], {
        scheduler: new SchedulerClient({ region: 'us-east-1' }),
        groupName: 'delays',
        roleArn: 'arn:aws:iam::000000000000:role/delivery',
      }),
      telemetry: new Telemetry({
        metrics: (name, outcome) => emitted.push({ task: name, outcome }),
      }),
      random: () => 0.5,
    },
  );
  return { handler, emitted };
}

export const envelope = (task: string, over: Record<string, unknown> = {}) => ({
  v: 1,
  id: `id-${task}`,
  task,
  args: { n: 1 },
  tier: 'normal',
  attempt: 1,
  createdAt: '2026-11-23T10:00:00.000Z',
  source: 'test',
  ...over,
});

export const record = (body: unknown, messageId = 'm-1'): SQSRecord =>
  ({
    messageId,
    receiptHandle: `rh-${messageId}`,
    body: JSON.stringify(body),
    eventSourceARN: QUEUE_ARN,
  }) as SQSRecord;
