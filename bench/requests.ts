/**
 * AWS requests per task, by API action, counted by HTTP proxies in front of
 * the local emulator: one for the sender (the client), one for the
 * category's function (the task's own path), one for the task stream
 * observer. Functions in MiniStack call the endpoint in their
 * AWS_ENDPOINT_URL, so for the run the bench points the diagnostics worker
 * and the observer at their proxies (UpdateFunctionConfiguration) and puts
 * their environment back afterwards; the beat is paused meanwhile so only
 * the bench's tasks run. Variants: defaults, trackStarted: false,
 * ignoreResult (diagnostics.ping, _untracked, _ignored). Goals for the
 * task's path: <= 2.2, 1.2, 0.3 requests per task.
 *
 * The observer's figure is printed twice: as measured live (MiniStack
 * ignores the mapping's batching window, so batches are as small as the
 * traffic makes them) and with full batches of 100 changes, as AWS delivers
 * them under load (the same reactors run in-process against a scratch
 * table and bus).
 *
 *   AWS_ENDPOINT_URL=http://127.0.0.1:4566 npx tsx bench/requests.ts [tasks per variant]
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CloudFormationClient,
  DescribeStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateEventBusCommand,
  DeleteEventBusCommand,
  EventBridgeClient,
} from '@aws-sdk/client-eventbridge';
import {
  GetFunctionConfigurationCommand,
  LambdaClient,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { catalog } from '../src/catalog/index.js';
import { LovageClient } from '../src/client/index.js';
import { isLocalEndpoint } from '../src/drift/local-endpoint.js';
import { listSchedules, setScheduleState } from '../src/ops/schedules.js';
import { countOf, readTotals } from '../src/ops/stats.js';
import type { TaskRecord } from '../src/protocol/records.js';
import { lifecycleEventsReactor, statisticsReactor, type TaskChange } from '../src/stream/index.js';
import { scratchTable } from './lib/scratch-table.js';

const endpoint = process.env.AWS_ENDPOINT_URL ?? '';
if (!isLocalEndpoint(endpoint)) {
  console.error(
    `bench/requests.ts reconfigures functions: it runs against a local emulator only, not '${endpoint}'`,
  );
  process.exit(2);
}
const perVariant = Number(process.argv[2] ?? 50);
const VARIANTS = [
  { label: 'defaults', task: 'diagnostics.ping', goal: 2.2 },
  { label: 'trackStarted: false', task: 'diagnostics.ping_untracked', goal: 1.2 },
  { label: 'ignoreResult', task: 'diagnostics.ping_ignored', goal: 0.3 },
] as const;

/** An HTTP proxy to the emulator that counts requests by `<service>:<action>`. */
class CountingProxy {
  readonly counts = new Map<string, number>();
  private server: Server | undefined;
  private last = Date.now();

  async start(): Promise<string> {
    const target = new URL(endpoint);
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const key = actionOf(req, body);
        this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
        this.last = Date.now();
        const upstream = request(
          {
            host: target.hostname,
            port: target.port,
            method: req.method,
            path: req.url,
            headers: { ...req.headers, host: target.host },
          },
          (reply) => {
            res.writeHead(reply.statusCode ?? 502, reply.headers);
            reply.pipe(res);
          },
        );
        upstream.on('error', (error) => res.destroy(error));
        upstream.end(body);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  reset(): void {
    this.counts.clear();
  }

  total(): number {
    return [...this.counts.values()].reduce((a, b) => a + b, 0);
  }

  /** Resolves once no request has come for `quietMs`. */
  async quiet(quietMs: number): Promise<void> {
    while (Date.now() - this.last < quietMs) await sleep(250);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** `<service>:<action>` from the signature's credential scope and the JSON target or query action. */
function actionOf(req: IncomingMessage, body: Buffer): string {
  const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\//.exec(
    String(req.headers.authorization ?? ''),
  );
  const service = scope?.[1] ?? 'unsigned';
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') return `${service}:${target.split('.').pop()}`;
  const query = /(?:^|&)Action=([A-Za-z]+)/.exec(body.toString('utf8'));
  if (query) return `${service}:${query[1]}`;
  return `${service}:${req.method} /${(req.url ?? '').split('/')[1] ?? ''}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 180_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

// --- the stack and its functions ---------------------------------------------------------------
const direct = await LovageClient.fromStack(catalog);
const config = direct.config;
const statsTable = config.statsTableName;
if (!statsTable) throw new Error('the stack has no StatsTableName output; deploy this version');
const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const stats = { db, statsTable };
const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
const lambda = new LambdaClient({});
const scheduler = new SchedulerClient({});
const resources = await new CloudFormationClient({}).send(
  new DescribeStackResourcesCommand({ StackName: config.stackName }),
);
const functionNamed = (prefix: string) => {
  const found = resources.StackResources?.find(
    (r) => r.ResourceType === 'AWS::Lambda::Function' && r.LogicalResourceId?.startsWith(prefix),
  )?.PhysicalResourceId;
  if (!found) throw new Error(`no function ${prefix}* in stack ${config.stackName}`);
  return found;
};
const worker = functionNamed('diagnosticsworkerFunction');
const observer = functionNamed('StreamObserverFunction');

const proxies = {
  client: new CountingProxy(),
  worker: new CountingProxy(),
  observer: new CountingProxy(),
};
const urls = {
  client: await proxies.client.start(),
  worker: await proxies.worker.start(),
  observer: await proxies.observer.start(),
};

const saved = new Map<string, Record<string, string>>();
async function pointAt(functionName: string, url: string | undefined): Promise<void> {
  const current = await lambda.send(
    new GetFunctionConfigurationCommand({ FunctionName: functionName }),
  );
  const variables = { ...(current.Environment?.Variables ?? {}) };
  if (!saved.has(functionName)) saved.set(functionName, { ...variables });
  const next = url
    ? { ...variables, AWS_ENDPOINT_URL: url }
    : (saved.get(functionName) ?? variables);
  await lambda.send(
    new UpdateFunctionConfigurationCommand({
      FunctionName: functionName,
      Environment: { Variables: next },
    }),
  );
}

const paused = (await listSchedules(config, scheduler)).filter((s) => s.state === 'ENABLED');
const queue = config.queues['diagnostics/normal'];
if (!queue) throw new Error('the stack has no diagnostics/normal queue');
const drained = async () => {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queue.url,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return Object.values(out.Attributes ?? {}).every((v) => v === '0');
};

type Row = {
  label: string;
  task: string;
  goal: number;
  path: Map<string, number>;
  observer: Map<string, number>;
  batched: number;
};
const rows: Row[] = [];
try {
  for (const s of paused) await setScheduleState(config, scheduler, s.name, 'DISABLED');
  await pointAt(worker, urls.worker);
  await pointAt(observer, urls.observer);
  // Whatever the beat started before the pause finishes first.
  await until('the diagnostics queue to drain', drained);
  await Promise.all([proxies.worker.quiet(3000), proxies.observer.quiet(3000)]);

  const sender = await LovageClient.fromStack(catalog, {
    sqs: new SQSClient({ endpoint: urls.client, useQueueUrlAsEndpoint: false }),
    dynamodb: new DynamoDBClient({ endpoint: urls.client }),
  });
  for (const variant of VARIANTS) {
    const succeededBefore = await succeeded(variant.task);
    for (const p of Object.values(proxies)) p.reset();
    const { sent, failed } = await sender.sendMany(
      Array.from({ length: perVariant }, (_, i) => ({
        task: variant.task,
        args: { message: `bench ${i}` },
      })),
    );
    if (failed.length > 0) throw new Error(`${failed.length} sends failed: ${failed[0]?.message}`);
    if (variant.task === 'diagnostics.ping_ignored') {
      await until('the queue to drain', drained);
    } else {
      await until(`${perVariant} ${variant.task} to succeed`, async () => {
        const done = await Promise.all(sent.map((s) => direct.get(s.id)));
        return done.every((d) => d.state === 'SUCCESS');
      });
      await until(
        'the observer to count them',
        async () => (await succeeded(variant.task)) - succeededBefore >= perVariant,
      );
    }
    await Promise.all([proxies.worker.quiet(3000), proxies.observer.quiet(3000)]);
    const path = new Map<string, number>();
    for (const p of [proxies.client, proxies.worker]) {
      for (const [k, n] of p.counts) path.set(k, (path.get(k) ?? 0) + n);
    }
    rows.push({
      ...variant,
      path,
      observer: new Map(proxies.observer.counts),
      batched: await fullBatches(variant.task),
    });
  }
} finally {
  await pointAt(worker, undefined).catch((e) => console.error(`could not restore ${worker}: ${e}`));
  await pointAt(observer, undefined).catch((e) =>
    console.error(`could not restore ${observer}: ${e}`),
  );
  for (const s of paused)
    await setScheduleState(config, scheduler, s.name, 'ENABLED').catch(() => undefined);
  for (const p of Object.values(proxies)) await p.stop();
}

async function succeeded(task: string): Promise<number> {
  const [totals] = await readTotals(stats, [task]);
  return totals ? countOf(totals.counters, 'SUCCESS') : 0;
}

/**
 * Observer requests per task with full batches of 100 changes: the
 * variant's changes (STARTED and SUCCESS, SUCCESS only, or none) through
 * the real reactors in-process, against a scratch table and a scratch bus.
 */
async function fullBatches(task: string): Promise<number> {
  const perTask =
    task === 'diagnostics.ping'
      ? ['STARTED', 'SUCCESS']
      : task === 'diagnostics.ping_untracked'
        ? ['SUCCESS']
        : [];
  const n = 1000;
  const changes: TaskChange[] = [];
  for (let i = 0; i < n; i++) {
    let before: TaskRecord | undefined;
    for (const state of perTask) {
      const after = {
        id: `b${i}`,
        task,
        tier: 'normal',
        state,
        attempt: 1,
        createdAt: '',
        updatedAt: '',
        durationMs: 3,
      } as TaskRecord;
      changes.push({
        eventId: randomUUID(),
        kind: before ? 'MODIFY' : 'INSERT',
        at: Date.now(),
        ...(before ? { before } : {}),
        after,
      });
      before = after;
    }
  }
  if (changes.length === 0) return 0;
  const ddb = new DynamoDBClient({});
  const events = new EventBridgeClient({});
  let calls = 0;
  ddb.middlewareStack.add(
    (next) => async (args) => {
      calls++;
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
  events.middlewareStack.add(
    (next) => async (args) => {
      calls++;
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
  const bus = `lovage-bench-bus-${randomUUID().slice(0, 8)}`;
  const admin = new DynamoDBClient({});
  const table = await scratchTable(admin, ['pk', 'sk'], 'lovage-bench-stats');
  const busAdmin = new EventBridgeClient({});
  await busAdmin.send(new CreateEventBusCommand({ Name: bus }));
  try {
    const reactors = [
      lifecycleEventsReactor({ client: events, busName: bus }),
      statisticsReactor({ db: DynamoDBDocumentClient.from(ddb), tableName: table }),
    ];
    for (let i = 0; i < changes.length; i += 100) {
      const batch = changes.slice(i, i + 100);
      await Promise.all(reactors.map((r) => r.react(batch)));
    }
  } finally {
    await admin.send(new DeleteTableCommand({ TableName: table }));
    await busAdmin.send(new DeleteEventBusCommand({ Name: bus }));
  }
  return calls / n;
}

// --- the report ---------------------------------------------------------------------------------
const per = (n: number) => (n / perVariant).toFixed(2);
const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
console.log(
  `AWS requests per task, ${perVariant} tasks per variant, counted at the emulator's door (${endpoint})\n`,
);
console.log(
  [
    'variant'.padEnd(22),
    'task path'.padStart(9),
    'goal'.padStart(5),
    'observer'.padStart(9),
    'observer (batches of 100)'.padStart(26),
  ].join('  '),
);
for (const r of rows) {
  const path = sum(r.path) / perVariant;
  console.log(
    [
      r.label.padEnd(22),
      path.toFixed(2).padStart(9),
      `${r.goal}`.padStart(5),
      per(sum(r.observer)).padStart(9),
      r.batched.toFixed(3).padStart(26),
      path <= r.goal ? '' : '  over the goal',
    ].join('  '),
  );
}
for (const r of rows) {
  console.log(`\n${r.label} (${r.task}), per task:`);
  const lines = [
    ...[...r.path].map(([k, n]) => ['task path', k, n] as const),
    ...[...r.observer].map(([k, n]) => ['observer', k, n] as const),
  ].sort((a, b) => a[0].localeCompare(b[0]) || b[2] - a[2]);
  for (const [where, action, n] of lines)
    console.log(`  ${where.padEnd(10)} ${action.padEnd(36)} ${per(n)}`);
}
