/**
 * 1,000 no-op tasks, send → all finished, three ways on one machine in one run:
 *
 *   Lovage   the deployed stack: `sendMany` of diagnostics.ping to diagnostics/normal, each
 *            task done when its record's finishedAt is written;
 *   bare     an SQS → function → DynamoDB pipeline this bench deploys beside the stack on the
 *            same emulator (bench/lib/bare-pipeline.ts: the same runtime, memory, batch size,
 *            batching window and concurrency as the Lovage worker's mapping; the handler only
 *            parses each body and writes one item with the time it was done) — the
 *            emulator's own floor;
 *   Celery   Celery 5.7 + Redis: a prefork worker with 2 processes, a Redis broker and result
 *            backend on loopback, the task returning the time it ran (bench/lib/celery-redis.ts;
 *            skipped, saying why, without Python or a redis-server to find or install).
 *
 * For each: the time from the first send to the last task's finish, each task's latency from
 * its send call to its finish (Lovage and bare send all tasks in one `sendMany` /
 * SendMessageBatch run, so their send call is its start; Celery's is each `.delay`), p50 and
 * p95, and one task's round trip (send to finish, one at a time, 300 ms apart, on an idle
 * system), p50. Finish times are the ones the tasks record; completions are read with
 * BatchGetItem once a second (Celery: from the result backend), so reading does not load the
 * emulator. Nothing is asserted.
 *
 *   AWS_ENDPOINT_URL=http://127.0.0.1:4566 npm run bench:e2e -- [tasks=1000] [rounds=1] [round-trips=10]
 *
 * With rounds > 1 the Lovage and bare bursts alternate and each figure is the median of the
 * rounds. After each Lovage burst the bench waits for the stack's task stream observer to count
 * it, so one side's leftovers do not run during the other's. For a MiniStack started by
 * `npm run local:up` it also prints the CPU seconds each burst cost the emulator's process
 * group (bench/lib/emulator-cpu.ts): the emulator itself and each function, which is what
 * tells where the local time goes.
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { catalog } from '../src/catalog/index.js';
import { LovageClient } from '../src/client/index.js';
import { countOf, readTotals } from '../src/ops/stats.js';
import { FINISHED_STATES, type TaskState, taskKey } from '../src/protocol/records.js';
import { deployBarePipeline, queueArn } from './lib/bare-pipeline.js';
import { withCeleryRedis } from './lib/celery-redis.js';
import { cpuSince, emulatorCpu } from './lib/emulator-cpu.js';
import { median, quantile } from './lib/stats.js';

const TASKS = Number(process.argv[2] ?? 1000);
const ROUNDS = Number(process.argv[3] ?? 1);
const ROUND_TRIPS = Number(process.argv[4] ?? 10);
const TASK = 'diagnostics.ping';
/** Tasks sent to each side, unmeasured, before the figures. */
const WARM_UP = 200;

/** One burst: ms from the first send to the last finish, per-task latencies, ms spent sending. */
interface Burst {
  readonly total: number;
  readonly latencies: readonly number[];
  readonly sending: number;
  /** CPU seconds of the emulator and its function processes during the burst, by what ran. */
  cpu?: Map<string, number>;
}
interface Side {
  readonly name: string;
  readonly bursts: Burst[];
  roundTrips: number[];
  skipped?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a completion read returns for one item: its finish time (epoch ms), or not yet. */
type ReadFinish = (item: Record<string, unknown>) => number | undefined;

/**
 * Reads `ids` with BatchGetItem (consistent, only the attributes `read` needs, 100 keys a
 * request) every `intervalMs` until every one has finished; resolves with the finish times.
 */
async function finishTimes(
  doc: DynamoDBDocumentClient,
  table: { name: string; key: (id: string) => Record<string, string>; projection: string },
  ids: readonly string[],
  read: ReadFinish,
  intervalMs: number,
  timeoutMs = 600_000,
): Promise<Map<string, number>> {
  const done = new Map<string, number>();
  const names = { '#state': 'state' };
  for (const deadline = Date.now() + timeoutMs; done.size < ids.length; ) {
    const pending = ids.filter((id) => !done.has(id));
    const chunks: string[][] = [];
    for (let i = 0; i < pending.length; i += 100) chunks.push(pending.slice(i, i + 100));
    await Promise.all(
      chunks.map(async (chunk) => {
        const out = await doc.send(
          new BatchGetCommand({
            RequestItems: {
              [table.name]: {
                Keys: chunk.map(table.key),
                ConsistentRead: true,
                ProjectionExpression: table.projection,
                ...(table.projection.includes('#state') ? { ExpressionAttributeNames: names } : {}),
              },
            },
          }),
        );
        for (const item of out.Responses?.[table.name] ?? []) {
          const at = read(item);
          if (at !== undefined) done.set(item.id as string, at);
        }
      }),
    );
    if (done.size === ids.length) break;
    if (Date.now() > deadline) {
      throw new Error(
        `${ids.length - done.size} of ${ids.length} tasks unfinished after ${timeoutMs} ms`,
      );
    }
    await sleep(intervalMs);
  }
  return done;
}

/** Lovage's finish: a finished record's finishedAt; anything but SUCCESS stops the bench. */
const lovageFinish: ReadFinish = (item) => {
  const state = item.state as TaskState;
  if (!FINISHED_STATES.includes(state)) return undefined;
  if (state !== 'SUCCESS') throw new Error(`task ${item.id} ended ${state}`);
  return Date.parse(item.finishedAt as string);
};
const bareFinish: ReadFinish = (item) => item.doneAt as number | undefined;

/** A burst from its start, each task's send and finish time, and when the last send returned. */
function burstOf(
  start: number,
  sends: readonly number[],
  finishes: readonly number[],
  sentAll: number,
): Burst {
  return {
    total: Math.max(...finishes) - start,
    latencies: finishes.map((f, i) => f - (sends[i] as number)),
    sending: sentAll - start,
  };
}

// --- set up: the stack, and the bare pipeline beside it ----------------------------------------
if (!process.env.AWS_ENDPOINT_URL) {
  throw new Error('bench/e2e runs against an emulator: set AWS_ENDPOINT_URL');
}
const lovage = await LovageClient.fromStack(catalog);
const config = lovage.config;
const queue = config.queues['diagnostics/normal'];
if (!queue) throw new Error('the stack has no diagnostics/normal queue');
const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
const db = new DynamoDBClient({});
const doc = DynamoDBDocumentClient.from(db);
const lambda = new LambdaClient({});
const load = [loadavg()[0] as number];

const taskTable = {
  name: config.tableName,
  key: taskKey,
  projection: 'id, #state, finishedAt',
};
/** Ping SUCCESS as the stack's statistics count them (the stream observer's last write). */
const counted = async () => {
  if (!config.statsTableName) return Number.NaN;
  const [totals] = await readTotals({ db: doc, statsTable: config.statsTableName }, [TASK]);
  return totals ? countOf(totals.counters, 'SUCCESS') : 0;
};
/** Waits (up to 2 min) until the observer has counted `expected` pings. */
async function observerCaughtUp(expected: number): Promise<void> {
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(1000)) {
    const now = await counted();
    if (Number.isNaN(now) || now >= expected) return;
  }
  console.log('  (the task stream observer had not caught up after 2 min; going on)');
}

const lovageSide: Side = { name: 'Lovage', bursts: [], roundTrips: [] };
const bareSide: Side = { name: 'bare SQS → function → DynamoDB', bursts: [], roundTrips: [] };
const celerySide: Side = { name: 'Celery 5.7 + Redis', bursts: [], roundTrips: [] };

async function lovageRoundTrip(): Promise<number> {
  const sent = Date.now();
  const { id } = await lovage.send(TASK, { message: 'round trip' });
  const [at] = (await finishTimes(doc, taskTable, [id], lovageFinish, 5)).values();
  return (at as number) - sent;
}

async function lovageBurst(count = TASKS): Promise<Burst> {
  const before = await counted();
  const start = Date.now();
  const { sent, failed } = await lovage.sendMany(
    Array.from({ length: count }, (_, i) => ({ task: TASK, args: { message: `e2e ${i}` } })),
  );
  const sentAll = Date.now();
  if (failed.length > 0) throw new Error(`${failed.length} sends failed: ${failed[0]?.message}`);
  const ids = sent.map((s) => s.id);
  const done = await finishTimes(doc, taskTable, ids, lovageFinish, 1000);
  await observerCaughtUp(before + count);
  return burstOf(
    start,
    ids.map(() => start),
    ids.map((id) => done.get(id) as number),
    sentAll,
  );
}

console.log(
  `e2e: ${TASKS} no-op tasks, send → all finished, ${ROUNDS} round(s); ${ROUND_TRIPS} single round trips`,
);
const bare = await deployBarePipeline({ sqs, db, lambda }, await queueArn(sqs, queue.url));
console.log(
  `  bare pipeline: ${bare.functionName}, batch ${bare.like.BatchSize}, window ${bare.like.MaximumBatchingWindowInSeconds ?? 0} s, max concurrency ${bare.like.ScalingConfig?.MaximumConcurrency ?? 'default'} (as the Lovage worker's mapping)`,
);
const bareTable = { name: bare.table, key: (id: string) => ({ id }), projection: 'id, doneAt' };
/** Ctrl-C while the bare pipeline is deployed removes it before exiting (see withCeleryRedis). */
let removing = false;
const removeOnSignal = (signal: NodeJS.Signals) => {
  if (removing) return;
  removing = true;
  void bare.remove().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
};
process.on('SIGINT', removeOnSignal);
process.on('SIGTERM', removeOnSignal);

async function bareRoundTrip(): Promise<number> {
  const id = randomUUID();
  const sent = Date.now();
  await bare.send([id]);
  const [at] = (await finishTimes(doc, bareTable, [id], bareFinish, 5)).values();
  return (at as number) - sent;
}

async function bareBurst(count = TASKS): Promise<Burst> {
  const ids = Array.from({ length: count }, () => randomUUID());
  const start = Date.now();
  await bare.send(ids);
  const sentAll = Date.now();
  const done = await finishTimes(doc, bareTable, ids, bareFinish, 1000);
  return burstOf(
    start,
    ids.map(() => start),
    ids.map((id) => done.get(id) as number),
    sentAll,
  );
}

try {
  // Warm both functions up to their mapping's concurrency (the emulator starts a process for
  // each concurrent invocation) before anything is measured.
  await lovageBurst(WARM_UP);
  await bareBurst(WARM_UP);
  for (let i = 0; i < ROUND_TRIPS; i++) {
    lovageSide.roundTrips.push(await lovageRoundTrip());
    await sleep(300);
    bareSide.roundTrips.push(await bareRoundTrip());
    await sleep(300);
  }
  for (let r = 0; r < ROUNDS; r++) {
    const [first, second] =
      r % 2 === 0 ? [lovageSide, bareSide] : ([bareSide, lovageSide] as const);
    for (const side of [first, second]) {
      const cpu = emulatorCpu();
      const burst = await (side === lovageSide ? lovageBurst() : bareBurst());
      burst.cpu = cpuSince(cpu);
      side.bursts.push(burst);
      load.push(loadavg()[0] as number);
      await sleep(2000);
    }
  }
} finally {
  process.off('SIGINT', removeOnSignal);
  process.off('SIGTERM', removeOnSignal);
  await bare.remove();
}

const celery = await withCeleryRedis(
  { queues: ['default'], log: (m) => console.log(`  (${m})`) },
  async (c) => {
    celerySide.roundTrips = (
      await c.run<{ latencies: number[] }>('round-trips', ROUND_TRIPS)
    ).latencies.map((s) => s * 1000);
    for (let r = 0; r < ROUNDS; r++) {
      const out = await c.run<{ sent: number[]; sentAll: number; finished: number[] }>(
        'burst',
        TASKS,
      );
      const ms = (xs: number[]) => xs.map((s) => s * 1000);
      const start = (out.sent[0] as number) * 1000;
      celerySide.bursts.push(burstOf(start, ms(out.sent), ms(out.finished), out.sentAll * 1000));
      load.push(loadavg()[0] as number);
    }
    return `Celery ${c.celery}, Redis ${c.redis}`;
  },
);
if (celery.skipped) celerySide.skipped = celery.skipped;
else console.log(`  (${celery.value}, prefork x2)`);

// --- the report -------------------------------------------------------------------------------
const figures = (side: Side) => ({
  total: median(side.bursts.map((b) => b.total)),
  p50: median(side.bursts.map((b) => median(b.latencies))),
  p95: median(side.bursts.map((b) => quantile(b.latencies, 0.95))),
  sending: median(side.bursts.map((b) => b.sending)),
  roundTrip: median(side.roundTrips),
});
const seconds = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : '–');
const millis = (ms: number) => (Number.isFinite(ms) ? `${ms.toFixed(0)} ms` : '–');
const columns = ['send → all done', 'p50 latency', 'p95 latency', 'sending', 'round trip p50'];
const line = (label: string, cells: string[]) =>
  console.log([label.padEnd(34), ...cells.map((c) => c.padStart(16))].join(''));

console.log('');
line('', columns);
const all = [lovageSide, bareSide, celerySide].map((s) => ({ side: s, f: figures(s) }));
for (const { side, f } of all) {
  if (side.skipped) {
    line(side.name, [`skipped: ${side.skipped}`]);
    continue;
  }
  line(side.name, [
    seconds(f.total),
    seconds(f.p50),
    seconds(f.p95),
    seconds(f.sending),
    millis(f.roundTrip),
  ]);
}
const [l, b, c] = all.map((a) => a.f) as [
  ReturnType<typeof figures>,
  ReturnType<typeof figures>,
  ReturnType<typeof figures>,
];
const ratio = (x: number, y: number) => (Number.isFinite(x / y) ? `${(x / y).toFixed(2)} x` : '–');
const keys = ['total', 'p50', 'p95', 'sending', 'roundTrip'] as const;
line(
  'Lovage / bare (goal ≤ 1.2 x)',
  keys.map((k) => ratio(l[k], b[k])),
);
if (!celerySide.skipped)
  line(
    'Lovage / Celery',
    keys.map((k) => ratio(l[k], c[k])),
  );
if (ROUNDS > 1) {
  for (const { side } of all) {
    if (!side.skipped) {
      console.log(`  ${side.name}: totals ${side.bursts.map((x) => seconds(x.total)).join(', ')}`);
    }
  }
}
/** What a process is, in the report: the emulator, the stack's functions, the bare one. */
const role = (label: string) =>
  label.includes('diagnosticsworker')
    ? 'Lovage worker'
    : label.includes('StreamObserver')
      ? 'Lovage stream observer'
      : label === bare.functionName
        ? 'bare function'
        : label.startsWith('emulator')
          ? label
          : 'other functions';
for (const side of [lovageSide, bareSide]) {
  const byRole = new Map<string, number>();
  for (const burst of side.bursts) {
    for (const [label, seconds] of burst.cpu ?? []) {
      byRole.set(role(label), (byRole.get(role(label)) ?? 0) + seconds / side.bursts.length);
    }
  }
  if (byRole.size === 0) continue;
  const total = [...byRole.values()].reduce((a, b) => a + b, 0);
  const parts = [...byRole]
    .filter(([, seconds]) => seconds >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .map(([r, seconds]) => `${r} ${seconds.toFixed(1)} s`);
  console.log(
    `${side.name}: CPU per burst (emulator process group) ${total.toFixed(1)} s = ${parts.join(' + ')}`,
  );
}
console.log(
  `\nload average (1 min) during the run: ${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)}`,
);
