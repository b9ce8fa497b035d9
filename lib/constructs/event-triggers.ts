import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ResolvedTrigger, Tier } from '../../src/catalog/index.js';
import { ENVELOPE_VERSION } from '../../src/protocol/envelope.js';

export interface EventTriggersProps {
  readonly bus: events.IEventBus;
  readonly triggers: readonly ResolvedTrigger[];
  /** The queue a task of `category` at `tier` is sent to. */
  readonly queueFor: (category: string, tier: Tier) => sqs.IQueue;
  /**
   * Delivery attempts EventBridge makes before it gives up on a target (0 to 185).
   * @default 8
   */
  readonly retryAttempts?: number;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Catalog triggers: one EventBridge rule per trigger on the stack's bus,
 * whose target turns the matched event into a task envelope (an input
 * transformer) on the task's tier queue. The task id is
 * `event:<trigger>:<event id>`, so an event EventBridge delivers twice runs
 * once; the payload is the event's `detail`.
 */
export class EventTriggers extends Construct {
  readonly rules: ReadonlyMap<string, events.Rule>;
  /** Where EventBridge puts events it could not deliver to a tier queue. */
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: EventTriggersProps) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, 'Dlq', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    const rules = new Map<string, events.Rule>();
    for (const trigger of props.triggers) {
      const rule = new events.Rule(this, trigger.name, {
        eventBus: props.bus,
        description: trigger.description ?? `Lovage trigger: ${trigger.task}`,
        eventPattern: {
          source: [...trigger.pattern.source],
          detailType: [...trigger.pattern.detailType],
          ...(trigger.pattern.detail ? { detail: { ...trigger.pattern.detail } } : {}),
        },
      });
      rule.addTarget(
        new targets.SqsQueue(props.queueFor(trigger.category, trigger.tier), {
          message: events.RuleTargetInput.fromObject(triggerEnvelope(trigger)),
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: props.retryAttempts ?? 8,
          maxEventAge: Duration.hours(1),
        }),
      );
      rules.set(trigger.name, rule);
    }
    this.rules = rules;
  }

  /** Events that could not be delivered to their tier queue (maximum over 1 minute). */
  metricDeadLetterDepth(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(1),
      statistic: 'Maximum',
      ...props,
    });
  }
}

/** The envelope a trigger's rule sends for each matched event (see the README's envelope section). */
export function triggerEnvelope(trigger: ResolvedTrigger): Record<string, unknown> {
  return {
    v: ENVELOPE_VERSION,
    id: `event:${trigger.name}:${events.EventField.eventId}`,
    task: trigger.task,
    args: events.EventField.fromPath('$.detail'),
    tier: trigger.tier,
    attempt: 1,
    createdAt: events.EventField.time,
    source: `event:${trigger.name}`,
    correlationId: events.EventField.eventId,
  };
}
