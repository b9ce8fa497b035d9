/**
 * What serving Celery clients costs, in one run, side by side:
 *
 *   1. reading a message: a Celery body (kombu's base64, or plain JSON) against a Lovage
 *      envelope, per message and per byte (pure CPU);
 *   2. DynamoDB writes per task: the real runtime on a scratch task table, every committed
 *      change read back and fed to the Celery result mirror on a scratch result table,
 *      one change per stream batch (the worst case) and one batch per task (the best);
 *   3. the Python client's polling: AsyncResult.get() waiting for an item that appears
 *      after N seconds, counted at the boto3 level (needs the Celery 5.7 venv, which
 *      this installs like the tests do).
 *
 *   AWS_ENDPOINT_URL=http://127.0.0.1:4566 npx tsx bench/celery.ts
 *
 * Sections 2 and 3 need an emulator (or an account); they create and delete their own
 * tables and queues.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Logger } from '@aws-lambda-powertools/logger';
import {
  type AttributeValue,
  DeleteTableCommand,
  DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { ensureCeleryClient } from '../scripts/lib/celery-client.js';
import { defineCatalog, task } from '../src/catalog/index.js';
import { CeleryResultMirror, celeryKey, celeryMeta, resultItem } from '../src/celery/index.js';
import { readTaskMessage } from '../src/protocol/celery/index.js';
import type { TaskRecord } from '../src/protocol/records.js';
import {
  createWorker,
  Redelivery,
  TaskRecords,
  Telemetry,
  UnrecoverableError,
} from '../src/runtime/index.js';
import type { TaskChange } from '../src/stream/types.js';
import { CeleryDriver } from '../test/helpers/celery/client.js';
import { scratchTable } from './lib/scratch-table.js';

const FIXTURES = new URL('../test/fixtures/celery/', import.meta.url);
const sample = (name: string) =>
  JSON.parse(readFileSync(new URL(`${name}.raw.json`, FIXTURES), 'utf8')) as { Body: string };
const b64 = (text: string) => Buffer.from(text).toString('base64');
const pad = (value: unknown, width: number) => String(value).padStart(width);

// ---------------------------------------------------------------- 1. reading a message

/** The kombu message of the captured `kwargs_only` sample, carrying `payload` as kwargs. */
function celeryBody(id: string, payload: object, base64: boolean): string {
  const kombu = JSON.parse(Buffer.from(sample('kwargs_only').Body, 'base64').toString('utf8'));
  const embed = { callbacks: null, errbacks: null, chain: null, chord: null };
  kombu.body = b64(JSON.stringify([[], payload, embed]));
  kombu.headers = { ...kombu.headers, id, root_id: id };
  const json = JSON.stringify(kombu);
  return base64 ? b64(json) : json;
}

function readingCosts(): void {
  const runs = 2000;
  const payloads = {
    '{}': {},
    '30 KB': { rows: Array.from({ length: 600 }, (_, i) => ({ i, name: `row ${i}`, ok: true })) },
  };
  console.log(`\n1. Reading one message (readTaskMessage, ${runs} runs each)`);
  console.log(
    '  format                   payload   body chars  x envelope   us/message  x envelope',
  );
  for (const [label, payload] of Object.entries(payloads)) {
    const envelope = JSON.stringify({
      v: 1,
      id: 'bench-1',
      task: 'diagnostics.ping',
      args: payload,
      tier: 'normal',
      createdAt: new Date().toISOString(),
      source: 'bench',
    });
    const bodies = {
      'Lovage envelope': envelope,
      'Celery (kombu base64)': celeryBody('bench-1', payload, true),
      'Celery (plain JSON)': celeryBody('bench-1', payload, false),
    };
    let base = { chars: 0, us: 0 };
    for (const [format, body] of Object.entries(bodies)) {
      const record = { body, messageId: 'm', attributes: { SentTimestamp: String(Date.now()) } };
      for (let i = 0; i < 200; i++) readTaskMessage(record); // warm up
      const started = process.hrtime.bigint();
      for (let i = 0; i < runs; i++) readTaskMessage(record);
      const us = Number(process.hrtime.bigint() - started) / 1000 / runs;
      if (format === 'Lovage envelope') base = { chars: body.length, us };
      console.log(
        `  ${format.padEnd(24)} ${label.padEnd(8)} ${pad(body.length, 10)}  ${pad((body.length / base.chars).toFixed(2), 10)}  ${pad(us.toFixed(1), 11)}  ${pad((us / base.us).toFixed(2), 10)}`,
      );
    }
  }
}

// ------------------------------------------------------------ 2. DynamoDB writes per task

const catalog = defineCatalog({
  categories: {
    bench: {
      tasks: {
        'bench.ok': task({ schema: z.object({}) }),
        'bench.progress': task({ schema: z.object({}) }),
        'bench.flaky': task({
          schema: z.object({}),
          maxRetries: 1,
          backoff: { baseSeconds: 1, jitter: 'none' },
        }),
        'bench.fail': task({ schema: z.object({}) }),
      },
    },
  },
});

async function writeCosts(db: DynamoDBClient, sqs: SQSClient, celeryTable: string) {
  const taskTable = await scratchTable(db, ['pk', 'sk']);
  const queue = async () =>
    (
      await sqs.send(
        new CreateQueueCommand({ QueueName: `lovage-bench-${randomUUID().slice(0, 8)}` }),
      )
    ).QueueUrl as string;
  const queueUrl = await queue();
  const deadLetterUrl = await queue();
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const arn = Attributes?.QueueArn as string;
  try {
    // Every committed write to the task table, read back: what the table's stream carries.
    const reader = DynamoDBDocumentClient.from(new DynamoDBClient({}));
    const writer = new DynamoDBClient({});
    const changes: TaskChange[] = [];
    const latest = new Map<string, TaskRecord>();
    writer.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        const input = args.input as {
          TableName?: string;
          Key?: Record<string, AttributeValue>;
          Item?: Record<string, AttributeValue>;
        };
        if (input.TableName === taskTable && /^(Update|Put)Item/.test(context.commandName ?? '')) {
          const key = input.Key ?? input.Item;
          // Document-client input is plain values here, low-level input AttributeValues.
          const plain = (v: unknown) => (typeof v === 'string' ? v : (v as AttributeValue)?.S);
          const Key = { pk: plain(key?.pk), sk: plain(key?.sk) };
          const got = await reader.send(
            new GetCommand({ TableName: taskTable, Key, ConsistentRead: true }),
          );
          const after = got.Item as TaskRecord;
          const before = latest.get(after.id);
          latest.set(after.id, after);
          changes.push({
            eventId: randomUUID(),
            kind: before ? 'MODIFY' : 'INSERT',
            at: Date.now(),
            ...(before ? { before } : {}),
            after,
          });
        }
        return out;
      },
      { step: 'initialize', name: 'captureChanges' },
    );
    let puts = 0;
    let bytes = 0;
    const mirrorDb = new DynamoDBClient({});
    mirrorDb.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutItemCommand') {
          puts++;
          bytes += (args.input as { Item: { result: { B: Uint8Array } } }).Item.result.B.length;
        }
        return next(args);
      },
      { step: 'initialize', name: 'countPuts' },
    );
    const mirror = new CeleryResultMirror({ db: mirrorDb, tableName: celeryTable });
    const handler = createWorker(
      catalog,
      'bench',
      {
        'bench.ok': async () => ({ ok: true }),
        'bench.progress': async (_args, ctx) => {
          for (let i = 1; i <= 3; i++) await ctx.progress(i, 3);
          return { ok: true };
        },
        'bench.flaky': async (_args, ctx) => {
          if (ctx.attempt === 1) throw new Error('first attempt fails');
          return { ok: true };
        },
        'bench.fail': async () => {
          throw new UnrecoverableError('no such customer');
        },
      },
      {
        records: new TaskRecords(
          DynamoDBDocumentClient.from(writer, { marshallOptions: { removeUndefinedValues: true } }),
          taskTable,
        ),
        sqs,
        logger: new Logger({ logLevel: 'SILENT' }),
        deadLetterQueues: new Map([[arn, deadLetterUrl]]),
        redelivery: new Redelivery(sqs, [{ tier: 'normal', arn, url: queueUrl }]),
        telemetry: new Telemetry({ metrics: () => undefined }),
      },
    );
    const deliver = (body: string) =>
      handler(
        {
          Records: [
            {
              messageId: randomUUID(),
              body,
              eventSourceARN: arn,
              attributes: { SentTimestamp: String(Date.now()) },
            } as unknown as SQSRecord,
          ],
        },
        { getRemainingTimeInMillis: () => 30_000 },
      );
    const variants: [string, (id: string) => string][] = [
      ['success', (id) => celeryTaskBody(id, 'bench.ok')],
      ['success, 3 progress calls', (id) => celeryTaskBody(id, 'bench.progress')],
      ['retry, then success', (id) => celeryTaskBody(id, 'bench.flaky')],
      ['failure', (id) => celeryTaskBody(id, 'bench.fail')],
      ['refused (a chain)', () => sample('chain_first').Body],
    ];
    console.log(
      '\n2. DynamoDB writes per Celery task (real runtime; mirror on every committed change)',
    );
    console.log(
      '  lifecycle                   task table   Celery table: 1 change/batch   1 batch/task   bytes/item',
    );
    for (const [label, body] of variants) {
      changes.length = 0;
      await deliver(body(`bench-${randomUUID()}`));
      // A retry comes back through the queue after its backoff; run it too.
      for (let tries = 0; tries < 5 && changes.at(-1)?.after?.state === 'RETRY'; tries++) {
        const got = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            WaitTimeSeconds: 3,
            MaxNumberOfMessages: 1,
          }),
        );
        for (const m of got.Messages ?? []) await deliver(m.Body as string);
      }
      const taskWrites = changes.length;
      puts = 0;
      bytes = 0;
      for (const change of changes) await mirror.react([change]);
      const worst = puts;
      const itemBytes = worst ? Math.round(bytes / worst) : 0;
      puts = 0;
      const fresh = changes.map((c) => ({
        ...c,
        after: { ...(c.after as TaskRecord), id: `${c.after?.id}-b` },
        before: undefined,
      }));
      await mirror.react(fresh);
      console.log(
        `  ${label.padEnd(27)} ${pad(taskWrites, 10)}   ${pad(worst, 28)}   ${pad(puts, 12)}   ${pad(itemBytes, 10)}`,
      );
    }
  } finally {
    await db.send(new DeleteTableCommand({ TableName: taskTable }));
    for (const QueueUrl of [queueUrl, deadLetterUrl])
      await sqs.send(new DeleteQueueCommand({ QueueUrl }));
  }
}

function celeryTaskBody(id: string, name: string): string {
  const kombu = JSON.parse(Buffer.from(celeryBody(id, {}, true), 'base64').toString('utf8'));
  kombu.headers.task = name;
  return b64(JSON.stringify(kombu));
}

// ---------------------------------------------------------------- 3. the client's polling

async function pollingCosts(db: DynamoDBClient, celeryTable: string) {
  const client = await ensureCeleryClient('5.7', (m) => console.log(`  (${m})`));
  const { driver, celery } = await CeleryDriver.start(client, {
    broker_transport_options: {
      region: process.env.AWS_REGION ?? 'us-east-1',
      predefined_queues: {},
    },
    task_routes: {},
    task_default_queue: 'unused',
    result_backend: `dynamodb://@${process.env.AWS_REGION ?? 'us-east-1'}/${celeryTable}`,
  });
  try {
    console.log(
      `\n3. Python AsyncResult.get() waiting for a result (Celery ${celery}, interval 0.5 s)`,
    );
    console.log('  result after   GetItem   DescribeTable   GetItem/s   read units (0.5 each)');
    await driver.calls(true);
    await driver.call('state', { id: 'warm-up' });
    const first = await driver.calls(true);
    console.log(
      `  (once per process, on its first result: DescribeTable ${first.DescribeTable ?? 0})`,
    );
    for (const seconds of [1, 5, 10]) {
      const id = `poll-${randomUUID()}`;
      await driver.calls(true);
      const record = {
        id,
        task: 'bench.ok',
        state: 'SUCCESS',
        tier: 'normal',
        attempt: 1,
        createdAt: '',
        updatedAt: new Date().toISOString(),
        result: { ok: true },
        history: [],
      } as TaskRecord;
      const meta = celeryMeta(record);
      if (!meta) throw new Error('no meta');
      const waiting = driver.get(id, seconds + 10);
      setTimeout(() => {
        const item = resultItem(meta, {
          expiresAt: Date.now() / 1000 + 600,
          version: 'v',
          now: Date.now(),
        });
        void db.send(new PutItemCommand({ TableName: celeryTable, Item: item }));
      }, seconds * 1000);
      const got = await waiting;
      if (got.state !== 'SUCCESS') throw new Error(`poll ${seconds}s: ${JSON.stringify(got)}`);
      const calls = await driver.calls(true);
      const gets = calls.GetItem ?? 0;
      console.log(
        `  ${pad(`${seconds} s`, 12)}   ${pad(gets, 7)}   ${pad(calls.DescribeTable ?? 0, 13)}   ${pad((gets / got.seconds).toFixed(2), 9)}   ${pad(gets * 0.5, 10)}`,
      );
    }
    console.log(`  (every GetItem reads key ${celeryKey('<id>')}, eventually consistent)`);
  } finally {
    driver.close();
  }
}

// ---------------------------------------------------------------------------- main

console.log('Lovage: what serving Celery clients costs');
readingCosts();
if (!process.env.AWS_ENDPOINT_URL) {
  console.log('\n(sections 2 and 3 run against an emulator: set AWS_ENDPOINT_URL)');
} else {
  const db = new DynamoDBClient({});
  const celeryTable = await scratchTable(db, ['id']);
  try {
    await writeCosts(db, new SQSClient({ useQueueUrlAsEndpoint: false }), celeryTable);
    await pollingCosts(db, celeryTable);
  } finally {
    await db.send(new DeleteTableCommand({ TableName: celeryTable }));
  }
}
