import { type CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetQueueAttributesCommand, PurgeQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { StackConfig } from '../client/index.js';
import { pairOf } from './dead-letters.js';

/** One tier queue as `lovage queues` shows it. */
export interface QueueStats {
  /** `<category>/<tier>` */
  readonly queue: string;
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
  /**
   * Age of the oldest message in seconds, from CloudWatch's ApproximateAgeOfOldestMessage
   * (SQS has no API for it). Undefined when CloudWatch has no recent datapoint, e.g. on an
   * emulator that emits no SQS metrics.
   */
  readonly oldestAgeSeconds: number | undefined;
  readonly deadLetters: number;
}

const queueName = (url: string) => url.slice(url.lastIndexOf('/') + 1);

/**
 * Depth of every tier queue and its DLQ, read straight from SQS (no message is received, so
 * receive counts and visibility are untouched).
 *
 * @example
 * for (const q of await queueStats(config, sqs, cloudwatch)) console.log(q.queue, q.visible);
 */
export async function queueStats(
  config: StackConfig,
  sqs: SQSClient,
  cloudwatch: CloudWatchClient,
): Promise<QueueStats[]> {
  const entries = Object.entries(config.queues).sort(([a], [b]) => a.localeCompare(b));
  const counts = async (url: string) => {
    const out = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    const a = out.Attributes ?? {};
    return {
      visible: Number(a.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
    };
  };
  const [ages, stats] = await Promise.all([
    oldestAges(
      cloudwatch,
      entries.map(([, q]) => queueName(q.url)),
    ),
    Promise.all(
      entries.map(async ([key, q]) => {
        const [source, dlq] = await Promise.all([counts(q.url), counts(q.dlq)]);
        return { key, source, dlq, name: queueName(q.url) };
      }),
    ),
  ]);
  return stats.map(({ key, source, dlq, name }) => ({
    queue: key,
    ...source,
    oldestAgeSeconds: ages.get(name),
    deadLetters: dlq.visible + dlq.inFlight + dlq.delayed,
  }));
}

/**
 * Deletes every message in one tier queue, as `celery purge` does for a broker queue: waiting,
 * delayed and in-flight messages alike (SQS takes up to a minute, and allows one purge per
 * queue a minute). The tasks in them never run; their records, where they have one (a task
 * waiting for its retry), stay as they are. Its DLQ is left alone (see `purgeDeadLetters`).
 *
 * @example
 * await purgeQueue(config, sqs, 'email/low');
 */
export async function purgeQueue(
  config: StackConfig,
  sqs: SQSClient,
  queue: string,
): Promise<void> {
  await sqs.send(new PurgeQueueCommand({ QueueUrl: pairOf(config, queue).url }));
}

async function oldestAges(
  cloudwatch: CloudWatchClient,
  names: string[],
): Promise<Map<string, number>> {
  const ages = new Map<string, number>();
  if (names.length === 0) return ages;
  const end = new Date();
  const start = new Date(end.getTime() - 15 * 60_000);
  try {
    const out = await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: start,
        EndTime: end,
        ScanBy: 'TimestampDescending',
        MetricDataQueries: names.map((name, i) => ({
          Id: `q${i}`,
          MetricStat: {
            Metric: {
              Namespace: 'AWS/SQS',
              MetricName: 'ApproximateAgeOfOldestMessage',
              Dimensions: [{ Name: 'QueueName', Value: name }],
            },
            Period: 60,
            Stat: 'Maximum',
          },
        })),
      }),
    );
    for (const result of out.MetricDataResults ?? []) {
      const index = Number(result.Id?.slice(1));
      const latest = result.Values?.[0];
      const name = names[index];
      if (name !== undefined && latest !== undefined) ages.set(name, latest);
    }
  } catch {
    // No metrics (or no permission to read them): the age column stays empty, depth still shows.
  }
  return ages;
}
