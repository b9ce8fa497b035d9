/**
 * DynamoDB writes per successful task, counted with an SDK middleware while
 * the real runtime processes tasks against a real (or emulated) table:
 * defaults, trackStarted off, ignoreResult. Targets: 2, 1, 0.
 *
 *   AWS_ENDPOINT_URL=http://127.0.0.1:4566 npx tsx bench/dynamodb-writes.ts [tasks per variant]
 *
 * Uses the table in LOVAGE_BENCH_TABLE, else creates a scratch table (pk/sk)
 * and deletes it afterwards.
 */
import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { defineCatalog, task } from '../src/catalog/index.js';
import { createWorker, TaskRecords, Telemetry } from '../src/runtime/index.js';
import { scratchTable } from './lib/scratch-table.js';

const WRITES = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
]);
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:bench';
const perVariant = Number(process.argv[2] ?? 20);

const catalog = defineCatalog({
  categories: {
    bench: {
      tasks: {
        'bench.defaults': task({ schema: z.object({}) }),
        'bench.untracked': task({ schema: z.object({}), trackStarted: false }),
        'bench.ignored': task({ schema: z.object({}), ignoreResult: true }),
      },
    },
  },
});

const dynamodb = new DynamoDBClient({});
let writes = 0;
dynamodb.middlewareStack.add(
  (next, context) => async (args) => {
    if (WRITES.has(context.commandName ?? '')) writes++;
    return next(args);
  },
  { step: 'initialize', name: 'countWrites' },
);

const scratch = !process.env.LOVAGE_BENCH_TABLE;
const tableName = process.env.LOVAGE_BENCH_TABLE ?? (await scratchTable(dynamodb, ['pk', 'sk']));

const handler = createWorker(
  catalog,
  'bench',
  {
    'bench.defaults': async () => ({ ok: true }),
    'bench.untracked': async () => ({ ok: true }),
    'bench.ignored': async () => ({ ok: true }),
  },
  {
    records: new TaskRecords(DynamoDBDocumentClient.from(dynamodb), tableName),
    // Only a failure would dead-letter; the bench counts successes.
    sqs: new SQSClient({}),
    logger: new Logger({ logLevel: 'ERROR' }),
    deadLetterQueues: new Map([[QUEUE_ARN, 'unused']]),
    telemetry: new Telemetry({ metrics: () => undefined }),
  },
);

const record = (name: string): SQSRecord =>
  ({
    messageId: randomUUID(),
    receiptHandle: 'bench',
    eventSourceARN: QUEUE_ARN,
    body: JSON.stringify({
      v: 1,
      id: `bench-${randomUUID()}`,
      task: name,
      args: {},
      tier: 'normal',
      createdAt: new Date().toISOString(),
      source: 'bench',
    }),
  }) as SQSRecord;

try {
  console.log(`DynamoDB writes per successful task (${perVariant} tasks each, table ${tableName})`);
  for (const [label, name] of [
    ['defaults', 'bench.defaults'],
    ['trackStarted: false', 'bench.untracked'],
    ['ignoreResult: true', 'bench.ignored'],
  ] as const) {
    writes = 0;
    const started = Date.now();
    const records = Array.from({ length: perVariant }, () => record(name));
    const out = await handler({ Records: records }, { getRemainingTimeInMillis: () => 30_000 });
    if (out.batchItemFailures.length > 0) throw new Error(`${label}: some tasks failed`);
    const ms = (Date.now() - started) / perVariant;
    console.log(
      `  ${label.padEnd(20)} ${(writes / perVariant).toFixed(2)} writes/task  (${ms.toFixed(1)} ms/task)`,
    );
  }
} finally {
  if (scratch) await dynamodb.send(new DeleteTableCommand({ TableName: tableName }));
}
