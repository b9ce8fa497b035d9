/**
 * A fault drill at scale: N diagnostics tasks (default 1,000) sent straight to
 * the deployed stack's diagnostics queue, a mix of no-op pings, transient
 * failures, permanent failures, workers that crash (process.exit), workers
 * that hang (awaiting forever, or spinning where no timer fires), with a
 * tenth of the tasks sent two or three times. Every drill journals each
 * handler run, so the figures count what really ran. Prints, never asserts:
 *
 *   lost        no record and no dead letter
 *   stuck       a record left STARTED, PROGRESS, RETRY or PENDING
 *   doubled     an attempt of a task that ran more than once
 *   unexplained a dead letter without its reason, or a FAILURE without a letter
 *   neighbours  tasks meant to succeed that failed or reached the DLQ
 *
 * and the time until every task settled.
 *
 *   AWS_ENDPOINT_URL=http://127.0.0.1:4566 npx tsx bench/faults.ts 1000
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  ChangeMessageVisibilityBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { catalog } from '../src/catalog/index.js';
import { LovageClient } from '../src/client/index.js';
import { type TaskRecord, taskKey } from '../src/protocol/records.js';

type Kind =
  | 'ping'
  | 'flaky'
  | 'unrecoverable'
  | 'crash-once'
  | 'crash-always'
  | 'hang-once'
  | 'spin-once';

interface Planned {
  readonly id: string;
  readonly kind: Kind;
  readonly copies: number;
  readonly body: string;
  /** The state the task must end in. */
  readonly expect: 'SUCCESS' | 'FAILURE';
}

/** Share of each kind in the mix; the rest are pings. */
const MIX: readonly [Kind, number][] = [
  ['flaky', 0.2],
  ['unrecoverable', 0.01],
  ['crash-once', 0.005],
  ['crash-always', 0.002],
  ['hang-once', 0.004],
  ['spin-once', 0.002],
];

function plan(count: number, run: string): Planned[] {
  const kinds: Kind[] = [];
  for (const [kind, share] of MIX) {
    for (let i = 0; i < Math.max(1, Math.round(count * share)); i++) kinds.push(kind);
  }
  while (kinds.length < count) kinds.push('ping');
  return kinds.slice(0, count).map((kind, i) => {
    const id = `faults-${run}-${i}`;
    const [task, args] = payload(kind, i);
    const body = JSON.stringify({
      v: 1,
      id,
      task,
      args: { ...args, journal: true },
      tier: 'normal',
      createdAt: new Date().toISOString(),
      source: 'bench:faults',
    });
    const copies = i % 10 === 0 ? 2 + (i % 20 === 0 ? 1 : 0) : 1;
    const expect = kind === 'unrecoverable' || kind === 'crash-always' ? 'FAILURE' : 'SUCCESS';
    return { id, kind, copies, body, expect };
  });
}

function payload(kind: Kind, i: number): [string, Record<string, unknown>] {
  switch (kind) {
    case 'ping':
      return ['diagnostics.ping', { message: `ping ${i}` }];
    case 'flaky':
      return ['diagnostics.flaky', { failTimes: 1 + (i % 2) }];
    case 'unrecoverable':
      return ['diagnostics.fail', { kind: 'unrecoverable', message: 'permanent' }];
    case 'crash-once':
      return ['diagnostics.crash', { times: 1 }];
    case 'crash-always':
      return ['diagnostics.crash', { times: 20 }];
    case 'hang-once':
      return ['diagnostics.hang', { times: 1, mode: 'await' }];
    case 'spin-once':
      return ['diagnostics.hang', { times: 1, mode: 'spin' }];
  }
}

function shuffled<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

async function inParallel<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>) {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}

export async function runFaultDrill(count: number, timeoutMs = 15 * 60_000) {
  const lovage = await LovageClient.fromStack(catalog);
  const pair = lovage.config.queues['diagnostics/normal'];
  if (!pair) throw new Error('the stack has no diagnostics/normal queue');
  const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const table = lovage.config.tableName;
  const run = randomUUID().slice(0, 8);
  const tasks = plan(count, run);
  const bodies = shuffled(tasks.flatMap((t) => Array.from({ length: t.copies }, () => t.body)));

  const t0 = Date.now();
  const batches = Array.from({ length: Math.ceil(bodies.length / 10) }, (_, i) =>
    bodies.slice(i * 10, i * 10 + 10),
  );
  await inParallel(batches, 8, (batch) =>
    sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: pair.url,
        Entries: batch.map((MessageBody, j) => ({ Id: String(j), MessageBody })),
      }),
    ),
  );
  const sentMs = Date.now() - t0;

  const records = new Map<string, TaskRecord | undefined>();
  const open = new Set(tasks.map((t) => t.id));
  while (open.size > 0 && Date.now() - t0 < timeoutMs) {
    await inParallel([...open], 16, async (id) => {
      const out = await db.send(
        new GetCommand({ TableName: table, Key: taskKey(id), ConsistentRead: true }),
      );
      const record = out.Item as TaskRecord | undefined;
      records.set(id, record);
      if (record && ['SUCCESS', 'FAILURE', 'REVOKED', 'EXPIRED'].includes(record.state)) {
        open.delete(id);
      }
    });
    if (open.size > 0) await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  const settledMs = Date.now() - t0;

  const journals = await inParallel(tasks, 16, async (t) => {
    const out = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `DRILL#${t.id}` },
        ConsistentRead: true,
      }),
    );
    return (out.Items ?? []).map((item) => Number(item.attempt));
  });
  const letters = await readLetters(sqs, pair.dlq, `faults-${run}-`);

  const byId = new Map(tasks.map((t, i) => [t.id, { task: t, runs: journals[i] ?? [] }]));
  const lettersOf = (id: string) => letters.filter((m) => letterId(m) === id);
  let lost = 0;
  let stuck = 0;
  let doubled = 0;
  let unexplained = 0;
  let neighbours = 0;
  let runs = 0;
  const wrong: string[] = [];
  for (const [id, { task, runs: attempts }] of byId) {
    runs += attempts.length;
    const record = records.get(id);
    const own = lettersOf(id);
    if (!record && own.length === 0) lost++;
    if (record && !['SUCCESS', 'FAILURE', 'REVOKED', 'EXPIRED'].includes(record.state)) stuck++;
    if (new Set(attempts).size !== attempts.length) doubled++;
    unexplained += own.filter((m) => !m.MessageAttributes?.['lovage-error-type']).length;
    if (record?.state === 'FAILURE' && own.length === 0) unexplained++;
    if (task.expect === 'SUCCESS' && (record?.state !== 'SUCCESS' || own.length > 0)) {
      neighbours++;
    }
    if (record?.state !== task.expect && wrong.length < 10) {
      wrong.push(`${id} (${task.kind}): ${record?.state ?? 'no record'}`);
    }
  }
  const count2 = (kind: Kind) => tasks.filter((t) => t.kind === kind).length;
  return {
    count,
    copies: bodies.length,
    mix: Object.fromEntries(
      ['ping', ...MIX.map(([k]) => k)].map((k) => [k, count2(k as Kind)] as const),
    ),
    sentMs,
    settledMs,
    runs,
    open: open.size,
    lost,
    stuck,
    doubled,
    unexplained,
    neighbours,
    letters: letters.length,
    wrong,
  };
}

function letterId(message: Message): string | undefined {
  const attr = message.MessageAttributes?.['lovage-id']?.StringValue;
  if (attr) return attr;
  try {
    return (JSON.parse(message.Body ?? '{}') as { id?: string }).id;
  } catch {
    return undefined;
  }
}

/** Every letter of this run in the DLQ, read with long polling and made visible again. */
async function readLetters(sqs: SQSClient, url: string, prefix: string): Promise<Message[]> {
  const seen = new Map<string, Message>();
  const handles: string[] = [];
  for (let empty = 0; empty < 2; ) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 30,
        MessageAttributeNames: ['All'],
      }),
    );
    const batch = out.Messages ?? [];
    if (batch.length === 0) empty++;
    for (const m of batch) {
      handles.push(m.ReceiptHandle ?? '');
      if (letterId(m)?.startsWith(prefix)) seen.set(m.MessageId ?? '', m);
    }
  }
  for (let i = 0; i < handles.length; i += 10) {
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: handles
          .slice(i, i + 10)
          .map((ReceiptHandle, j) => ({ Id: String(j), ReceiptHandle, VisibilityTimeout: 0 })),
      }),
    );
  }
  return [...seen.values()];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const count = Number(process.argv[2] ?? 1000);
  const r = await runFaultDrill(count);
  console.log(
    `faults: ${r.count} tasks (${r.copies} messages with duplicates), mix ${JSON.stringify(r.mix)}`,
  );
  console.log(
    `  sent in ${(r.sentMs / 1000).toFixed(1)} s; settled in ${(r.settledMs / 1000).toFixed(1)} s${r.open ? ` (${r.open} still open at the timeout)` : ''}; ${r.runs} handler runs`,
  );
  console.log('  figure                                   count  target');
  for (const [label, value] of [
    ['lost (no record, no letter)', r.lost],
    ['stuck (not finished)', r.stuck],
    ['doubled (an attempt run twice)', r.doubled],
    ['dead-lettered without reason / FAILURE w/o letter', r.unexplained],
    ['good neighbours failed or dead-lettered', r.neighbours],
  ] as const) {
    console.log(`  ${label.padEnd(50)} ${String(value).padStart(5)}  0`);
  }
  console.log(
    `  dead letters of this run: ${r.letters} (expected: the unrecoverable and crash-always tasks, ${(r.mix.unrecoverable ?? 0) + (r.mix['crash-always'] ?? 0)})`,
  );
  if (r.wrong.length) console.log(`  unexpected final states (first 10): ${r.wrong.join('; ')}`);
}
