/**
 * How well tiers isolate: a high-tier task's latency (send to finishedAt) on an idle system,
 * during a low-tier flood of its own category (email/low), and during a flood of another
 * category (diagnostics/normal),
 * printed side by side with their ratios to idle. Nothing is asserted.
 *
 *   AWS_ENDPOINT_URL=http://127.0.0.1:4566 npx tsx bench/priority.ts [flood=2000] [probes=10]
 *
 * The two floods tell apart what dominates a probe's wait: a flood of the same category
 * shares the probe's function (its concurrency and, on an emulator, its worker processes);
 * a flood of another category shares only the machine and the emulator.
 *
 * Then the same experiment on Celery 5.7 + Redis on this machine (bench/lib/celery-redis.ts;
 * skipped, saying why, without Python or a redis-server to find or install): idle probes of a
 * no-op task on a `high` queue, then probes during a flood of the same task on a `low` queue.
 * Tiers are routed the way Celery teams do it on Redis, a queue per tier consumed by one
 * worker (`-Q high,low`, prefork x2), since Redis has no message priorities of its own.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SQSClient } from '@aws-sdk/client-sqs';
import { catalog } from '../src/catalog/index.js';
import { LovageClient, loadStackConfig, type StackConfig } from '../src/client/index.js';
import { queueStats } from '../src/ops/queues.js';
import { withCeleryRedis } from './lib/celery-redis.js';
import { median, quantile } from './lib/stats.js';

type Lovage = LovageClient<typeof catalog>;

const FINISHED = ['SUCCESS', 'FAILURE', 'REVOKED', 'EXPIRED'];

/** Sends one high-tier quota check and returns ms from the send call to the record's finishedAt. */
async function probe(lovage: Lovage): Promise<number> {
  const sent = Date.now();
  const { id } = await lovage.send('email.check_quota', { warnAtPercent: 99 }, { tier: 'high' });
  for (const deadline = sent + 300_000; Date.now() < deadline; ) {
    const status = await lovage.get(id);
    if (FINISHED.includes(status.state)) {
      if (status.state !== 'SUCCESS') throw new Error(`probe ${id} ended ${status.state}`);
      return Date.parse(status.finishedAt ?? new Date().toISOString()) - sent;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`probe ${id} did not finish within 300 s`);
}

/** `count` probes, 300 ms apart, each waited for; a flood (if any) keeps going meanwhile. */
async function probes(lovage: Lovage, count: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    latencies.push(await probe(lovage));
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return latencies;
}

/** Sends a flood of `count` tasks without waiting for it: quota checks on email/low, or pings on diagnostics/normal. */
async function flood(lovage: Lovage, into: 'email/low' | 'diagnostics/normal', count: number) {
  const result =
    into === 'email/low'
      ? await lovage.sendMany(
          Array.from({ length: count }, () => ({
            task: 'email.check_quota' as const,
            args: { warnAtPercent: 99 },
            options: { tier: 'low' as const },
          })),
        )
      : await lovage.sendMany(
          Array.from({ length: count }, (_, i) => ({
            task: 'diagnostics.ping' as const,
            args: { message: `flood ${i}` },
          })),
        );
  return result.sent.length;
}

/** Waits until the queues of both categories are empty, so runs do not overlap. */
async function settle(config: StackConfig): Promise<void> {
  const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
  const cloudwatch = new CloudWatchClient({});
  for (const deadline = Date.now() + 600_000; Date.now() < deadline; ) {
    const queues = await queueStats(config, sqs, cloudwatch);
    const busy = queues.filter(
      (q) => /^(diagnostics|email)\//.test(q.queue) && q.visible + q.inFlight + q.delayed > 0,
    );
    if (busy.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error('the queues did not drain within 600 s');
}

function row(label: string, values: readonly number[], idle: number): string {
  const p50 = median(values);
  return [
    label.padEnd(44),
    `${p50.toFixed(0)} ms`.padStart(9),
    `${quantile(values, 0.95).toFixed(0)} ms`.padStart(9),
    `${Math.max(...values).toFixed(0)} ms`.padStart(9),
    Number.isFinite(idle) ? `${(p50 / idle).toFixed(2)} x`.padStart(9) : '',
  ].join('  ');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const floodSize = Number(process.argv[2] ?? 2000);
  const probeCount = Number(process.argv[3] ?? 10);
  const lovage = (await LovageClient.fromStack(catalog)) as Lovage;
  const config = await loadStackConfig();

  await settle(config);
  await probe(lovage);
  const idle = await probes(lovage, probeCount);

  const sameSent = await flood(lovage, 'email/low', floodSize);
  const same = await probes(lovage, probeCount);
  await settle(config);

  const otherSent = await flood(lovage, 'diagnostics/normal', floodSize);
  const other = await probes(lovage, probeCount);
  await settle(config);

  const celery = await withCeleryRedis(
    { queues: ['high', 'low'], log: (m) => console.log(`(${m})`) },
    async (c) => ({
      version: `Celery ${c.celery}, Redis ${c.redis}`,
      ...(await c.run<{ idle: number[]; during: number[]; floodLeft: number }>(
        'priority',
        floodSize,
        probeCount,
      )),
    }),
  );

  const idleP50 = median(idle);
  console.log(
    `priority: ${probeCount} email.check_quota probes on email/high, floods of ${floodSize} tasks`,
  );
  console.log(
    ['  latency, send to finishedAt'.padEnd(44), 'p50'.padStart(9), 'p95'.padStart(9)]
      .concat(['max'.padStart(9), 'p50/idle'.padStart(9)])
      .join('  '),
  );
  console.log(row('  idle', idle, idleP50));
  console.log(row(`  during an email/low flood (${sameSent})`, same, idleP50));
  console.log(row(`  during a diagnostics/normal flood (${otherSent})`, other, idleP50));
  if (!celery.value) {
    console.log(`Celery + Redis: skipped (${celery.skipped})`);
  } else {
    const { version, floodLeft } = celery.value;
    const [cIdle, cDuring] = [celery.value.idle, celery.value.during].map((xs) =>
      xs.map((s) => s * 1000),
    ) as [number[], number[]];
    const cIdleP50 = median(cIdle);
    console.log(`${version}, prefork x2, one worker -Q high,low: no-op probes on high`);
    console.log(row('  idle', cIdle, cIdleP50));
    console.log(row(`  during a low flood (${floodSize})`, cDuring, cIdleP50));
    console.log(`  (${floodLeft} flood tasks were still unfinished when the last probe finished)`);
    console.log(
      `Lovage / Celery, p50: idle ${(idleP50 / cIdleP50).toFixed(1)} x, during a flood of the probe's own category ${(median(same) / median(cDuring)).toFixed(1)} x`,
    );
  }
}
