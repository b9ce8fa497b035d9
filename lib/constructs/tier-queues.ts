import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Tier } from '../../src/catalog/index.js';
import { SQS_LIMITS, StackValidationError, validateQueueTimings } from '../validation.js';

/** Every DLQ keeps messages for the SQS maximum, so a redrive never races expiry. */
const DLQ_RETENTION = Duration.seconds(SQS_LIMITS.maxRetentionSeconds);

export interface TierQueuesProps {
  /** Category the queues belong to; named in every validation error. */
  readonly category: string;
  /** Tiers the category's tasks use; one queue + DLQ each. */
  readonly tiers: readonly Tier[];
  /**
   * Visibility timeout of each tier queue (at most 12 hours). Must be at
   * least 6 x the consuming function's timeout + its batching window (checked
   * by the worker, which knows both).
   */
  readonly visibilityTimeout: Duration;
  /**
   * Deliveries before the redrive policy moves a message to the DLQ (crashes
   * and timeouts only; task retries are the runtime's), 1 to 1000.
   * @default 3
   */
  readonly maxReceiveCount?: number;
  /**
   * How long an unconsumed message is kept, 60 s to 14 days (never longer
   * than the DLQ's 14 days).
   * @default Duration.days(4)
   */
  readonly retentionPeriod?: Duration;
  /**
   * Delay of every message sent to the queues, at most 900 s.
   * @default Duration.seconds(0)
   */
  readonly deliveryDelay?: Duration;
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
 * DLQ retention 14 days, redrive after `maxReceiveCount` deliveries.
 */
export class TierQueues extends Construct {
  readonly category: string;
  readonly tiers: readonly TierQueue[];
  readonly visibilityTimeout: Duration;
  readonly retentionPeriod: Duration;
  readonly deadLetterRetention: Duration = DLQ_RETENTION;
  readonly deliveryDelay: Duration;
  readonly maxReceiveCount: number;

  constructor(scope: Construct, id: string, props: TierQueuesProps) {
    super(scope, id);
    this.category = props.category;
    this.visibilityTimeout = props.visibilityTimeout;
    this.retentionPeriod = props.retentionPeriod ?? Duration.days(4);
    this.deliveryDelay = props.deliveryDelay ?? Duration.seconds(0);
    this.maxReceiveCount = props.maxReceiveCount ?? 3;
    if (props.tiers.length === 0) {
      throw new StackValidationError(
        `${props.category}: tiers`,
        '([]) must name at least one tier',
      );
    }
    for (const tier of props.tiers) {
      validateQueueTimings({
        label: `${props.category}/${tier}`,
        visibilityTimeoutSeconds: this.visibilityTimeout.toSeconds(),
        // The consumer's side of the rule is checked by the worker.
        functionTimeoutSeconds: 0,
        batchingWindowSeconds: 0,
        retentionSeconds: this.retentionPeriod.toSeconds(),
        deadLetterRetentionSeconds: DLQ_RETENTION.toSeconds(),
        deliveryDelaySeconds: this.deliveryDelay.toSeconds(),
        maxReceiveCount: this.maxReceiveCount,
      });
    }

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.tiers = props.tiers.map((tier) => {
      const deadLetterQueue = new sqs.Queue(this, `${tier}-dlq`, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: DLQ_RETENTION,
        removalPolicy,
      });
      const queue = new sqs.Queue(this, tier, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        visibilityTimeout: this.visibilityTimeout,
        retentionPeriod: this.retentionPeriod,
        deliveryDelay: this.deliveryDelay,
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: this.maxReceiveCount },
        removalPolicy,
      });
      return { tier, queue, deadLetterQueue };
    });
  }

  /** The queue pair of `tier`; throws if the category does not use that tier. */
  tier(tier: Tier): TierQueue {
    const found = this.tiers.find((t) => t.tier === tier);
    if (!found) {
      throw new StackValidationError(
        `${this.category}: tier`,
        `('${tier}') is not used by any task of the category; it has ${this.tiers.map((t) => t.tier).join(', ')}`,
      );
    }
    return found;
  }

  /** Messages waiting in the DLQ of `tier` (maximum over 1 minute). */
  metricDeadLetterDepth(tier: Tier, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.tier(tier).deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(1),
      statistic: 'Maximum',
      ...props,
    });
  }

  /** Messages waiting in the tier queue (maximum over 1 minute). */
  metricDepth(tier: Tier, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.tier(tier).queue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(1),
      statistic: 'Maximum',
      ...props,
    });
  }

  /** Messages being processed right now (received, not yet deleted). */
  metricInFlight(tier: Tier, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.tier(tier).queue.metricApproximateNumberOfMessagesNotVisible({
      period: Duration.minutes(1),
      statistic: 'Maximum',
      ...props,
    });
  }

  /** Age of the oldest message in the tier queue, in seconds (maximum over 1 minute). */
  metricOldestMessageAge(tier: Tier, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.tier(tier).queue.metricApproximateAgeOfOldestMessage({
      period: Duration.minutes(1),
      statistic: 'Maximum',
      ...props,
    });
  }
}
