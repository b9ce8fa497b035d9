import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Tier } from '../../src/catalog/index.js';

/** The SQS limit on a queue's retention, and its DLQ's (14 days). */
const MAX_RETENTION = Duration.days(14);

export interface TierQueuesProps {
  /** Category the queues belong to; part of every queue name. */
  readonly category: string;
  /** Tiers the category's tasks use; one queue + DLQ each. */
  readonly tiers: readonly Tier[];
  /**
   * Visibility timeout of each tier queue. Must be at least 6 x the consuming
   * function's timeout (checked by the worker).
   */
  readonly visibilityTimeout: Duration;
  /**
   * Deliveries before the redrive policy moves a message to the DLQ (crashes
   * and timeouts only; task retries are the runtime's).
   * @default 3
   */
  readonly maxReceiveCount?: number;
  /**
   * How long an unconsumed message is kept, at most 14 days.
   * @default Duration.days(4)
   */
  readonly retentionPeriod?: Duration;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** One tier's source queue and its dead-letter queue. */
export interface TierQueue {
  readonly tier: Tier;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
}

/**
 * A queue and a DLQ per (category, tier): SSE on, TLS-only queue policies,
 * DLQ retention 14 days.
 */
export class TierQueues extends Construct {
  readonly tiers: readonly TierQueue[];

  constructor(scope: Construct, id: string, props: TierQueuesProps) {
    super(scope, id);
    const retentionPeriod = props.retentionPeriod ?? Duration.days(4);
    const maxReceiveCount = props.maxReceiveCount ?? 3;
    validateTierQueuesProps(props, retentionPeriod, maxReceiveCount);

    this.tiers = props.tiers.map((tier) => {
      const deadLetterQueue = new sqs.Queue(this, `${tier}-dlq`, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: MAX_RETENTION,
        removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      });
      const queue = new sqs.Queue(this, tier, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        visibilityTimeout: props.visibilityTimeout,
        retentionPeriod,
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount },
        removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      });
      return { tier, queue, deadLetterQueue };
    });
  }

  /** The queue pair of `tier`; throws if the category does not use that tier. */
  tier(tier: Tier): TierQueue {
    const found = this.tiers.find((t) => t.tier === tier);
    if (!found) throw new Error(`category has no '${tier}' queue`);
    return found;
  }

  /** Messages waiting in the DLQ of `tier`. */
  metricDeadLetterDepth(tier: Tier, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.tier(tier).deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(1),
      statistic: 'Maximum',
      ...props,
    });
  }

  /** Messages waiting in the tier queue. */
  metricDepth(tier: Tier, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.tier(tier).queue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(1),
      statistic: 'Maximum',
      ...props,
    });
  }

  /** Age of the oldest message in the tier queue. */
  metricOldestMessageAge(tier: Tier, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.tier(tier).queue.metricApproximateAgeOfOldestMessage({
      period: Duration.minutes(1),
      statistic: 'Maximum',
      ...props,
    });
  }
}

function validateTierQueuesProps(
  props: TierQueuesProps,
  retentionPeriod: Duration,
  maxReceiveCount: number,
): void {
  if (props.tiers.length === 0) {
    throw new Error(`TierQueues '${props.category}': tiers must name at least one tier`);
  }
  if (
    !Token.isUnresolved(retentionPeriod.toSeconds()) &&
    retentionPeriod.toSeconds() > MAX_RETENTION.toSeconds()
  ) {
    throw new Error(
      `retentionPeriod (${retentionPeriod.toSeconds()} s) must be at most the DLQ's retention (${MAX_RETENTION.toSeconds()} s), or redriven messages could expire first`,
    );
  }
  if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000) {
    throw new Error(`maxReceiveCount (${maxReceiveCount}) must be a whole number from 1 to 1000`);
  }
}
