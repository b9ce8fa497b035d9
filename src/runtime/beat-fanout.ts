import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Catalog } from '../catalog/index.js';
import { type Envelope, MESSAGE_ATTRIBUTES } from '../protocol/envelope.js';

/**
 * Beat schedules faster than a minute. EventBridge Scheduler fires at most
 * once a minute, so a catalog rate of N seconds is deployed as
 * `rate(1 minute)`; its tick arrives here as an ordinary beat envelope
 * (source `beat:<schedule>`, no parent) and is re-sent as 60/N envelopes
 * with SQS DelaySeconds 0, N, 2N, ... Each child's id is
 * `<tick id>+<offset>s`, so a tick delivered or fanned out twice still runs
 * each slot once (the task table claims by id), and each child carries the
 * tick id as parent and root, so it is never fanned out again.
 */

/** Id of the delivery `offsetSeconds` into the minute of tick `tickId`. */
export const fanOutChildId = (tickId: string, offsetSeconds: number) =>
  `${tickId}+${offsetSeconds}s`;

/** The envelopes a sub-minute tick becomes, with their delays; empty if `envelope` is not such a tick. */
export function fanOutPlan(
  catalog: Pick<Catalog, 'schedules'>,
  envelope: Envelope,
): { envelope: Envelope; delaySeconds: number }[] {
  if (!envelope.source.startsWith('beat:') || envelope.parentId) return [];
  const name = envelope.source.slice('beat:'.length);
  const schedule = catalog.schedules.find((s) => s.name === name);
  if (!schedule || schedule.fanOut <= 1 || schedule.task !== envelope.task) return [];
  return Array.from({ length: schedule.fanOut }, (_, i) => {
    const delaySeconds = i * schedule.fanOutIntervalSeconds;
    return {
      delaySeconds,
      envelope: {
        ...envelope,
        id: fanOutChildId(envelope.id, delaySeconds),
        parentId: envelope.id,
        rootId: envelope.id,
      },
    };
  });
}

/**
 * If `envelope` is the tick of a sub-minute schedule, sends its fan-out to
 * the queue it came from and returns true (the tick itself is then
 * acknowledged without a task record); otherwise returns false.
 */
export async function fanOutBeatTick(
  catalog: Pick<Catalog, 'schedules'>,
  envelope: Envelope,
  eventSourceArn: string,
  sqs: SQSClient,
  /** Tier queue URL by ARN; the worker's parsed LOVAGE_QUEUES (see Redelivery.queueUrl). */
  queueUrl: (arn: string) => string,
): Promise<boolean> {
  const plan = fanOutPlan(catalog, envelope);
  if (plan.length === 0) return false;
  const QueueUrl = queueUrl(eventSourceArn);
  for (let i = 0; i < plan.length; i += 10) {
    const entries = plan.slice(i, i + 10).map((p, j) => ({
      Id: `slot${i + j}`,
      MessageBody: JSON.stringify(p.envelope),
      DelaySeconds: p.delaySeconds,
      MessageAttributes: {
        [MESSAGE_ATTRIBUTES.taskName]: { DataType: 'String', StringValue: p.envelope.task },
        [MESSAGE_ATTRIBUTES.taskId]: { DataType: 'String', StringValue: p.envelope.id },
      },
    }));
    const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries }));
    if (out.Failed && out.Failed.length > 0) {
      // The tick stays on the queue and is fanned out again; slots already sent keep their ids.
      throw new Error(
        `fan-out of ${envelope.id}: SQS refused ${out.Failed.length} deliveries (${out.Failed[0]?.Message})`,
      );
    }
  }
  return true;
}
