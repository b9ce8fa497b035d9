import {
  ConflictException,
  CreateScheduleCommand,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import {
  type MessageAttributeValue,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { LovageError } from '../errors.js';
import { delayedDeliveryRequest, MAX_SQS_DELAY_SECONDS } from '../protocol/delays.js';
import { type Envelope, MESSAGE_ATTRIBUTES } from '../protocol/envelope.js';

/** One of the category's tier queues, as the stack passes them in `LOVAGE_QUEUES`. */
export interface TierQueue {
  readonly tier: string;
  readonly arn: string;
  readonly url: string;
}

/** Where one-time schedules for delays over 900 s are created. */
export interface DelaySchedules {
  readonly scheduler: SchedulerClient;
  readonly groupName: string;
  readonly roleArn: string;
}

/** A delay that cannot be carried out with what the worker was given. */
export class DeliveryError extends LovageError {
  constructor(message: string) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/**
 * Re-sends an envelope to the queue it came from, later: with SQS
 * DelaySeconds up to 900 s, through a one-time Scheduler schedule beyond.
 * Retries, rate-limit deferrals, early ETAs and deferred duplicates all go
 * through here, so none of them counts toward the queue's maxReceiveCount.
 */
export class Redelivery {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queues: readonly TierQueue[],
    private readonly delays?: DelaySchedules,
  ) {}

  /** Tier of the queue `sourceArn` names, if it is one of this category's. */
  tierOf(sourceArn: string): string | undefined {
    return this.queues.find((q) => q.arn === sourceArn)?.tier;
  }

  /** URL of the tier queue `sourceArn` names (the one a record came from). */
  queueUrl(sourceArn: string): string {
    return this.queueOf(sourceArn).url;
  }

  /** Resolves with the schedule's name when one was created. */
  async send(
    envelope: Envelope,
    sourceArn: string,
    delaySeconds: number,
    now = Date.now(),
  ): Promise<{ scheduleName?: string }> {
    const queue = this.queueOf(sourceArn);
    const seconds = Math.max(0, Math.ceil(delaySeconds));
    if (seconds <= MAX_SQS_DELAY_SECONDS) {
      await this.sqs.send(
        new SendMessageCommand({
          QueueUrl: queue.url,
          MessageBody: JSON.stringify(envelope),
          DelaySeconds: seconds,
          MessageAttributes: {
            [MESSAGE_ATTRIBUTES.taskName]: { DataType: 'String', StringValue: envelope.task },
            [MESSAGE_ATTRIBUTES.taskId]: { DataType: 'String', StringValue: envelope.id },
          },
        }),
      );
      return {};
    }
    if (!this.delays) {
      throw new DeliveryError(
        `a delay of ${seconds} s needs a one-time schedule, and this worker has no delay schedule group`,
      );
    }
    const request = delayedDeliveryRequest({
      envelope,
      runAt: new Date(now + seconds * 1000),
      queueArn: queue.arn,
      groupName: this.delays.groupName,
      roleArn: this.delays.roleArn,
    });
    try {
      await this.delays.scheduler.send(new CreateScheduleCommand(request));
    } catch (error) {
      // Same task id and attempt: an earlier try of this very delivery already created it.
      if (!(error instanceof ConflictException)) throw error;
    }
    return { scheduleName: request.Name ?? '' };
  }

  /**
   * Sends a received message back to its queue unchanged (body and Lovage
   * attributes), so it is delivered again without counting toward the
   * queue's maxReceiveCount.
   */
  async resend(record: SQSRecord, delaySeconds: number): Promise<void> {
    const attributes: Record<string, MessageAttributeValue> = {};
    for (const name of [MESSAGE_ATTRIBUTES.taskName, MESSAGE_ATTRIBUTES.taskId]) {
      const value = record.messageAttributes?.[name]?.stringValue;
      if (value) attributes[name] = { DataType: 'String', StringValue: value };
    }
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl(record.eventSourceARN),
        MessageBody: record.body,
        DelaySeconds: Math.max(0, Math.min(MAX_SQS_DELAY_SECONDS, Math.ceil(delaySeconds))),
        ...(Object.keys(attributes).length > 0 ? { MessageAttributes: attributes } : {}),
      }),
    );
  }

  private queueOf(sourceArn: string): TierQueue {
    return this.queues.find((q) => q.arn === sourceArn) ?? fallbackQueue(sourceArn);
  }
}

/** arn:aws:sqs:<region>:<account>:<name> -> the queue URL the SDK resolves from the endpoint. */
function fallbackQueue(arn: string): TierQueue {
  const [, partition, , region, account, name] = arn.split(':');
  const endpoint = process.env.AWS_ENDPOINT_URL_SQS ?? process.env.AWS_ENDPOINT_URL;
  const suffix = partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  const base = endpoint ? endpoint.replace(/\/$/, '') : `https://sqs.${region}.${suffix}`;
  return { tier: 'unknown', arn, url: `${base}/${account}/${name}` };
}
