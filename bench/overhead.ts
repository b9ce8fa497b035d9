/**
 * What the runtime costs per task, in this process, beside a bare handler
 * that does the same job by hand: parse each body, validate its args, make
 * the same DynamoDB calls (a conditional STARTED write, a conditional
 * SUCCESS write) and return a batch response. Batches of 10 no-op tasks,
 * in two modes:
 *
 *   - http: real SDK clients whose HTTP handler is a fake that answers at
 *     once, so the SDK still builds, serializes, signs and parses every
 *     request (goal: runtime <= 1.2 x bare). The runtime's clients are
 *     built as the worker builds them, without the SDK's logger middleware;
 *     the bare handler keeps the SDK's defaults unless
 *     `--bare-without-sdk-logging` takes it off there too;
 *   - stub: `send` answers at once, so only the runtime's own work is left
 *     (goal: <= 50 us per task). The runtime marshals its record writes'
 *     values itself (low-level UpdateItem), so that work counts here; the
 *     bare handler's marshalling happens inside the stubbed document client.
 *
 * CPU time (process.cpuUsage: user + system, all threads, GC included) is
 * the figure to read on a shared machine; wall time is printed beside it.
 * Each round measures each side in a fresh process (as each would run alone
 * in its own function), runtime and bare alternating which goes first; the
 * ratio is taken per round and the median and range over rounds are printed. Nothing is
 * asserted. Log lines and EMF go to a counting sink instead of stdout.
 *
 *   npx tsx bench/overhead.ts [--rounds 9] [--batches 200] [--bare-without-sdk-logging]
 *
 * Profile one side alone (e.g. the runtime with the SDK stubbed):
 *   node --cpu-prof --cpu-prof-dir=.lovage/profiles --import tsx bench/overhead.ts --only runtime:stub
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { HttpResponse } from '@smithy/core/transport';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { defineCatalog, task } from '../src/catalog/index.js';
import { taskKey } from '../src/protocol/records.js';
import { createWorker, Redelivery, TaskRecords } from '../src/runtime/index.js';
import { withoutSdkLogging } from '../src/sdk-logging.js';
import { median, range, ratioLine } from './lib/stats.js';

const { values: options } = parseArgs({
  options: {
    rounds: { type: 'string', default: '9' },
    batches: { type: 'string', default: '200' },
    only: { type: 'string' },
    /** Internal: measure one side for the parent and print it as JSON. */
    child: { type: 'string' },
    'bare-without-sdk-logging': { type: 'boolean', default: false },
  },
});
const BARE_WITHOUT_SDK_LOGGING = options['bare-without-sdk-logging'];
const ROUNDS = Number(options.rounds);
const BATCHES = Number(options.batches);
const BATCH_SIZE = 10;
const WARM_UP_MS = 3_000;
const TABLE = 'lovage-bench-overhead';
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:lovage-bench-overhead';
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/lovage-bench-overhead';
const CONTEXT = { getRemainingTimeInMillis: () => 30_000 };

const Args = z.object({ n: z.number().int().default(1) });
const catalog = defineCatalog({
  categories: { bench: { tasks: { 'bench.noop': task({ schema: Args }) } } },
});
const noop = async (_args: { n: number }) => ({ ok: true });

type Mode = 'http' | 'stub';
type Side = 'runtime' | 'bare';
type Handler = (event: SQSEvent) => Promise<SQSBatchResponse>;

/** Calls per action of the side this process measures (both sides must make the same requests). */
const calls = new Map<string, number>();
const count = (action: string) => calls.set(action, (calls.get(action) ?? 0) + 1);
/** Request body bytes the SDK serialized (http mode only). */
let bodyBytes = 0;

/** An SDK HTTP handler that answers every request at once, like a service that always agrees. */
const fakeHttp = {
  async handle(request: { headers: Record<string, string>; body?: unknown }) {
    const action = (request.headers['x-amz-target'] ?? 'unknown').split('.').pop() ?? '';
    count(action);
    const sent = request.body;
    if (typeof sent === 'string') bodyBytes += Buffer.byteLength(sent);
    else if (sent instanceof Uint8Array) bodyBytes += sent.byteLength;
    const body = action === 'BatchGetItem' ? `{"Responses":{"${TABLE}":[]}}` : '{}';
    return {
      response: new HttpResponse({
        statusCode: 200,
        headers: { 'content-type': 'application/x-amz-json-1.0' },
        body: Buffer.from(body),
      }),
    };
  },
  updateHttpClientConfig() {},
  httpHandlerConfigs: () => ({}),
};

/**
 * A DynamoDB document client (and SQS client) that never leave the process.
 * The runtime's are built as the worker builds its own, without the SDK's
 * logger middleware (src/sdk-logging.ts); the bare handler's keep the SDK's
 * defaults, as a handler written by hand would, unless `--bare-without-sdk-logging`.
 */
function clients(mode: Mode, side: Side) {
  const config = {
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    endpoint: 'https://dynamodb.us-east-1.amazonaws.com',
    requestHandler: fakeHttp,
  };
  const asBuilt = <C extends DynamoDBClient | SQSClient>(client: C) =>
    side === 'runtime' || BARE_WITHOUT_SDK_LOGGING ? withoutSdkLogging(client) : client;
  const db = DynamoDBDocumentClient.from(asBuilt(new DynamoDBClient(config)), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const sqs = asBuilt(
    new SQSClient({ ...config, endpoint: 'https://sqs.us-east-1.amazonaws.com' }),
  );
  if (mode === 'stub') {
    const answer = async (command: { constructor: { name: string } }) => {
      const action = command.constructor.name.replace(/Command$/, '');
      count(action === 'Update' ? 'UpdateItem' : action === 'BatchGet' ? 'BatchGetItem' : action);
      return action === 'BatchGet' ? { Responses: { [TABLE]: [] } } : {};
    };
    Object.assign(db, { send: answer });
    Object.assign(sqs, { send: answer });
  }
  return { db, sqs };
}

function runtimeHandler(mode: Mode): Handler {
  const { db, sqs } = clients(mode, 'runtime');
  const worker = createWorker(
    catalog,
    'bench',
    { 'bench.noop': noop },
    {
      records: new TaskRecords(db, TABLE),
      sqs,
      // As deployed: INFO, one JSON line per finished task.
      logger: new Logger({ serviceName: 'lovage-bench' }),
      deadLetterQueues: new Map([[QUEUE_ARN, `${QUEUE_URL}-dlq`]]),
      redelivery: new Redelivery(sqs, [{ tier: 'normal', arn: QUEUE_ARN, url: QUEUE_URL }]),
    },
  );
  return (event) => worker(event, CONTEXT);
}

/** The same job by hand: what a team would write without Lovage. */
function bareHandler(mode: Mode): Handler {
  const { db } = clients(mode, 'bare');
  return async (event) => {
    const failures: { itemIdentifier: string }[] = [];
    await Promise.all(
      event.Records.map(async (record) => {
        try {
          const envelope = JSON.parse(record.body) as { id: string; args: unknown };
          const args = Args.parse(envelope.args);
          const key = taskKey(envelope.id);
          await db.send(
            new UpdateCommand({
              TableName: TABLE,
              Key: key,
              UpdateExpression: 'SET #state = :started, startedAt = :at',
              ConditionExpression: 'attribute_not_exists(pk) OR #state = :pending',
              ExpressionAttributeNames: { '#state': 'state' },
              ExpressionAttributeValues: {
                ':started': 'STARTED',
                ':pending': 'PENDING',
                ':at': new Date().toISOString(),
              },
            }),
          );
          const result = await noop(args);
          await db.send(
            new UpdateCommand({
              TableName: TABLE,
              Key: key,
              UpdateExpression: 'SET #state = :success, #result = :result, finishedAt = :at',
              ConditionExpression: '#state = :started',
              ExpressionAttributeNames: { '#state': 'state', '#result': 'result' },
              ExpressionAttributeValues: {
                ':success': 'SUCCESS',
                ':started': 'STARTED',
                ':result': result,
                ':at': new Date().toISOString(),
              },
            }),
          );
        } catch {
          failures.push({ itemIdentifier: record.messageId });
        }
      }),
    );
    return { batchItemFailures: failures };
  };
}

let sequence = 0;
function batch(): SQSEvent {
  const Records: SQSRecord[] = [];
  for (let i = 0; i < BATCH_SIZE; i++) {
    const id = `bench-${++sequence}`;
    Records.push({
      messageId: id,
      receiptHandle: id,
      body: JSON.stringify({
        v: 1,
        id,
        task: 'bench.noop',
        args: { n: i },
        tier: 'normal',
        attempt: 1,
        createdAt: new Date().toISOString(),
        source: 'bench',
      }),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '0',
        SenderId: 'bench',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: QUEUE_ARN,
      awsRegion: 'us-east-1',
    });
  }
  return { Records };
}

/** Bytes written to stdout (log lines, EMF) while `body` runs; nothing reaches the terminal. */
let logged = 0;
async function quietly<T>(body: () => Promise<T>): Promise<T> {
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    logged += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    return true;
  }) as typeof process.stdout.write;
  try {
    return await body();
  } finally {
    process.stdout.write = write;
  }
}

interface Sample {
  readonly cpuUs: number;
  readonly wallUs: number;
}

/** CPU and wall microseconds per task over `batches` invocations. */
async function sample(side: Side, handler: Handler, batches: number): Promise<Sample> {
  const events = Array.from({ length: batches }, batch);
  return quietly(async () => {
    const cpu = process.cpuUsage();
    const wall = performance.now();
    for (const event of events) {
      const out = await handler(event);
      if (out.batchItemFailures.length > 0) throw new Error(`${side}: a no-op task failed`);
    }
    const used = process.cpuUsage(cpu);
    const tasks = batches * BATCH_SIZE;
    return {
      cpuUs: (used.user + used.system) / tasks,
      wallUs: ((performance.now() - wall) * 1000) / tasks,
    };
  });
}

/** What one child process measured for one side in one mode. */
interface Measured extends Sample {
  readonly calls: Record<string, number>;
  readonly bodyBytes: number;
  readonly logged: number;
  readonly tasks: number;
}

/**
 * Measures one side in this process (warm-up, then `BATCHES` batches) and
 * prints the figures as one JSON line for the parent.
 */
async function measureInChild(side: Side, mode: Mode): Promise<void> {
  const handler = side === 'runtime' ? runtimeHandler(mode) : bareHandler(mode);
  // Warm-up to a steady state, as a worker that has been busy for a while: JIT (a fresh
  // process keeps compiling on background threads for thousands of tasks), SDK clients'
  // first-call setup, credentials, endpoints.
  const warming = performance.now();
  while (performance.now() - warming < WARM_UP_MS) await sample(side, handler, 20);
  calls.clear();
  bodyBytes = 0;
  logged = 0;
  const result = await sample(side, handler, BATCHES);
  const measured: Measured = {
    ...result,
    calls: Object.fromEntries(calls),
    bodyBytes,
    logged,
    tasks: BATCHES * BATCH_SIZE,
  };
  console.log(JSON.stringify(measured));
}

/**
 * Each side runs in its own fresh process, as each runs alone in its own
 * function: in one process the two would share the SDK's JIT-compiled code
 * and heap, so each side's cost would depend on the other's shapes (low-level
 * commands against the document client's).
 */
function measure(side: Side, mode: Mode): Measured {
  const out = spawnSync(
    process.execPath,
    [
      ...process.execArgv,
      fileURLToPath(import.meta.url),
      '--child',
      `${side}:${mode}`,
      '--batches',
      String(BATCHES),
      ...(BARE_WITHOUT_SDK_LOGGING ? ['--bare-without-sdk-logging'] : []),
    ],
    { encoding: 'utf8' },
  );
  const line = out.stdout.trim().split('\n').pop() ?? '';
  if (out.status !== 0 || !line.startsWith('{')) {
    throw new Error(`measuring ${side}:${mode} failed (exit ${out.status}): ${out.stderr}`);
  }
  return JSON.parse(line) as Measured;
}

function compare(mode: Mode): void {
  const results: Record<Side, Measured[]> = { runtime: [], bare: [] };
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which side goes first, so drift in the machine's load hits both alike.
    const order: Side[] = round % 2 === 0 ? ['runtime', 'bare'] : ['bare', 'runtime'];
    for (const side of order) results[side].push(measure(side, mode));
  }
  const title =
    mode === 'http'
      ? 'SDK answered by a fake HTTP handler (the SDK serializes, signs and parses)'
      : 'SDK stubbed (send answers at once): the runtime’s own work';
  console.log(`\n${title}`);
  console.log(
    `${''.padEnd(10)}${'runtime µs/task'.padStart(24)}${'bare µs/task'.padStart(24)}${'runtime / bare'.padStart(24)}`,
  );
  let cpuRatios: number[] = [];
  for (const figure of ['cpuUs', 'wallUs'] as const) {
    const runtime = results.runtime.map((s) => s[figure]);
    const bare = results.bare.map((s) => s[figure]);
    const ratios = runtime.map((r, i) => r / (bare[i] ?? Number.NaN));
    if (figure === 'cpuUs') cpuRatios = ratios;
    console.log(
      `${(figure === 'cpuUs' ? 'CPU' : 'wall').padEnd(10)}${cell(runtime)}${cell(bare)}${ratioLine(ratios).padStart(24)}`,
    );
  }
  const runtimeCpu = median(results.runtime.map((s) => s.cpuUs));
  const bareCpu = median(results.bare.map((s) => s.cpuUs));
  if (mode === 'http') {
    console.log(`goal: runtime CPU <= 1.2 x bare; now ${median(cpuRatios).toFixed(2)} x`);
  } else {
    console.log(
      `goal: runtime's own CPU <= 50 µs per task; now ${runtimeCpu.toFixed(1)} µs (${(runtimeCpu - bareCpu).toFixed(1)} µs more than bare)`,
    );
  }
  const total = (side: Side, of: (m: Measured) => number) =>
    results[side].reduce((sum, m) => sum + of(m), 0);
  const perTask = (side: Side) => {
    const tasks = total(side, (m) => m.tasks);
    const byAction = new Map<string, number>();
    for (const m of results[side]) {
      for (const [action, n] of Object.entries(m.calls)) {
        byAction.set(action, (byAction.get(action) ?? 0) + n);
      }
    }
    return (
      [...byAction]
        .sort()
        .map(([action, n]) => `${action} ${(n / tasks).toFixed(2)}`)
        .join(', ') || 'none'
    );
  };
  console.log(`requests per task  runtime: ${perTask('runtime')}   bare: ${perTask('bare')}`);
  const per = (side: Side, of: (m: Measured) => number) =>
    Math.round(total(side, of) / total(side, (m) => m.tasks));
  if (mode === 'http') {
    console.log(
      `request bytes/task runtime: ${per('runtime', (m) => m.bodyBytes)}   bare: ${per('bare', (m) => m.bodyBytes)}`,
    );
  }
  console.log(
    `logged per task    runtime: ${per('runtime', (m) => m.logged)} bytes   bare: ${per('bare', (m) => m.logged)} bytes`,
  );
}

function cell(values: readonly number[]): string {
  const [low, high] = range(values);
  return `${median(values).toFixed(1)} (${low.toFixed(0)}–${high.toFixed(0)})`.padStart(24);
}

async function profileOne(spec: string): Promise<void> {
  const [side, mode] = sideAndMode(spec);
  const handler = side === 'runtime' ? runtimeHandler(mode) : bareHandler(mode);
  await sample(side, handler, 30);
  const result = await sample(side, handler, BATCHES * ROUNDS);
  console.log(
    `${spec}: ${result.cpuUs.toFixed(1)} µs CPU per task, ${result.wallUs.toFixed(1)} µs wall`,
  );
}

/** `--only` or `--child`: which side in which mode. */
function sideAndMode(spec: string): [Side, Mode] {
  const [side, mode] = spec.split(':') as [Side, Mode];
  if (!['runtime', 'bare'].includes(side) || !['http', 'stub'].includes(mode)) {
    throw new Error(`--only takes runtime|bare:http|stub, not '${spec}'`);
  }
  return [side, mode];
}

if (options.child) {
  await measureInChild(...sideAndMode(options.child));
} else {
  console.log(
    `bench/overhead: ${ROUNDS} rounds x ${BATCHES} batches of ${BATCH_SIZE} no-op tasks per side, each side in a fresh process per round; Node ${process.version}; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(
        ' ',
      )}${BARE_WITHOUT_SDK_LOGGING ? '; bare handler without the SDK logger middleware too' : ''}`,
  );
  if (options.only) await profileOne(options.only);
  else {
    compare('http');
    compare('stub');
  }
}
