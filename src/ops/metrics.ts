import { DURATION_BUCKETS_SECONDS } from '../protocol/stats.js';
import type { QueueStats } from './queues.js';
import type { StatCounters } from './stats.js';

/** The metric names `GET /metrics` exposes (Prometheus text format 0.0.4). */
export const METRIC_NAMES = {
  tasks: 'lovage_tasks_total',
  duration: 'lovage_task_duration_seconds',
  errors: 'lovage_task_errors_total',
  queueMessages: 'lovage_queue_messages',
  oldestAge: 'lovage_queue_oldest_message_age_seconds',
  deadLetters: 'lovage_dlq_messages',
} as const;

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const escapeLabel = (value: string) =>
  value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

const labels = (pairs: Readonly<Record<string, string>>) =>
  `{${Object.entries(pairs)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(',')}}`;

/** A number as Prometheus writes it (no exponent surprises for small bounds). */
const num = (value: number) =>
  Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(12)));

/**
 * Task totals and queue depths in the Prometheus text format. Counters and
 * histograms come from the task stream's running totals (monotonic since the
 * stack began); queue gauges are read from SQS at scrape time; the oldest
 * message's age only where CloudWatch has a recent datapoint.
 *
 * @example
 * const text = renderMetrics(await readTotals(source, names), await queueStats(config, sqs, cw));
 */
export function renderMetrics(
  totals: readonly { task: string; counters: StatCounters }[],
  queues: readonly QueueStats[],
): string {
  const lines: string[] = [];
  const family = (name: string, type: string, help: string) =>
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);

  family(
    METRIC_NAMES.tasks,
    'counter',
    'Tasks that entered a state (SUCCESS, FAILURE, RETRY, REVOKED, EXPIRED), by task and tier.',
  );
  for (const { task, counters } of totals) {
    for (const [tier, row] of Object.entries(counters.byTier).sort(([a], [b]) =>
      a.localeCompare(b),
    )) {
      for (const [state, n] of Object.entries(row)) {
        lines.push(`${METRIC_NAMES.tasks}${labels({ task, tier, state })} ${num(n ?? 0)}`);
      }
    }
  }

  family(
    METRIC_NAMES.duration,
    'histogram',
    'Duration of finished runs (succeeded, failed or retried), by task.',
  );
  for (const { task, counters } of totals) {
    if (counters.durationCount === 0) continue;
    let cumulative = 0;
    DURATION_BUCKETS_SECONDS.forEach((bound, i) => {
      cumulative += counters.histogram[i] ?? 0;
      lines.push(
        `${METRIC_NAMES.duration}_bucket${labels({ task, le: num(bound) })} ${num(cumulative)}`,
      );
    });
    cumulative += counters.histogram[DURATION_BUCKETS_SECONDS.length] ?? 0;
    lines.push(`${METRIC_NAMES.duration}_bucket${labels({ task, le: '+Inf' })} ${num(cumulative)}`);
    lines.push(
      `${METRIC_NAMES.duration}_sum${labels({ task })} ${num(counters.durationSumMs / 1000)}`,
    );
    lines.push(`${METRIC_NAMES.duration}_count${labels({ task })} ${num(cumulative)}`);
  }

  family(
    METRIC_NAMES.errors,
    'counter',
    'Failed runs (retried or failed for good), by task and error type.',
  );
  for (const { task, counters } of totals) {
    for (const [type, n] of Object.entries(counters.errors).sort(([a], [b]) =>
      a.localeCompare(b),
    )) {
      lines.push(`${METRIC_NAMES.errors}${labels({ task, error_type: type })} ${num(n)}`);
    }
  }

  family(
    METRIC_NAMES.queueMessages,
    'gauge',
    'Messages in a tier queue: visible, in flight or delayed.',
  );
  for (const q of queues) {
    for (const [kind, n] of [
      ['visible', q.visible],
      ['in_flight', q.inFlight],
      ['delayed', q.delayed],
    ] as const) {
      lines.push(`${METRIC_NAMES.queueMessages}${labels({ queue: q.queue, kind })} ${num(n)}`);
    }
  }
  family(
    METRIC_NAMES.oldestAge,
    'gauge',
    'Age of the oldest message in a tier queue (CloudWatch; absent without a recent datapoint).',
  );
  for (const q of queues) {
    if (q.oldestAgeSeconds === undefined) continue;
    lines.push(`${METRIC_NAMES.oldestAge}${labels({ queue: q.queue })} ${num(q.oldestAgeSeconds)}`);
  }
  family(METRIC_NAMES.deadLetters, 'gauge', "Messages in a tier queue's dead-letter queue.");
  for (const q of queues) {
    lines.push(`${METRIC_NAMES.deadLetters}${labels({ queue: q.queue })} ${num(q.deadLetters)}`);
  }
  return `${lines.join('\n')}\n`;
}
