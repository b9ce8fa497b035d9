import { Duration, RemovalPolicy, TimeZone } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Catalog, ResolvedSchedule, Tier } from '../../src/catalog/index.js';
import { ENVELOPE_VERSION, SCHEDULED_TIME_PLACEHOLDER } from '../../src/protocol/envelope.js';

export interface BeatProps {
  readonly catalog: Catalog;
  /** The queue a task of `category` at `tier` is sent to. */
  readonly queueFor: (category: string, tier: Tier) => sqs.IQueue;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The beat: one EventBridge Scheduler schedule per catalog schedule, in one
 * schedule group, each sending its task's envelope straight to the tier queue.
 * A tick's task id is `beat:<schedule>:<scheduled time>`, so a tick that
 * Scheduler retries keeps its id and runs once.
 *
 * Scheduler fires at most once a minute. A catalog rate in seconds (e.g. 30
 * seconds) becomes `rate(1 minute)`; the runtime sees that the tick's schedule
 * has `fanOut` > 1 and re-sends it as 60/N envelopes with SQS DelaySeconds
 * 0, N, 2N... each with its own id `<tick id>+<offset>s` (src/runtime/beat-fanout.ts).
 */
export class Beat extends Construct {
  readonly group: scheduler.ScheduleGroup;
  /** Where Scheduler puts ticks it could not deliver after its retries. */
  readonly deadLetterQueue: sqs.Queue;
  readonly schedules: ReadonlyMap<string, scheduler.Schedule>;

  constructor(scope: Construct, id: string, props: BeatProps) {
    super(scope, id);
    this.group = new scheduler.ScheduleGroup(this, 'Group', {
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.deadLetterQueue = new sqs.Queue(this, 'TickDlq', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    const schedules = new Map<string, scheduler.Schedule>();
    for (const entry of props.catalog.schedules) {
      const task = props.catalog.task(entry.task);
      const target = new targets.SqsSendMessage(props.queueFor(task.category, task.tier), {
        input: scheduler.ScheduleTargetInput.fromObject(beatEnvelope(entry, task.tier)),
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
      });
      schedules.set(
        entry.name,
        new scheduler.Schedule(this, entry.name, {
          scheduleGroup: this.group,
          schedule: scheduler.ScheduleExpression.expression(
            entry.expression,
            TimeZone.of(entry.timezone),
          ),
          target,
          description:
            (entry.description ?? `Lovage beat: ${entry.task}`) +
            (entry.fanOut > 1 ? ` (fanned out every ${entry.fanOutIntervalSeconds} s)` : ''),
          timeWindow: scheduler.TimeWindow.off(),
        }),
      );
    }
    this.schedules = schedules;
  }

  /** Ticks Scheduler could not deliver after its retries (maximum over 1 minute). */
  metricDeadLetterDepth(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(1),
      statistic: 'Maximum',
      ...props,
    });
  }
}

/** The envelope a schedule sends on each tick (see the README's envelope section). */
export function beatEnvelope(entry: ResolvedSchedule, tier: Tier): Record<string, unknown> {
  return {
    v: ENVELOPE_VERSION,
    id: `beat:${entry.name}:${SCHEDULED_TIME_PLACEHOLDER}`,
    task: entry.task,
    args: entry.args,
    tier,
    attempt: 1,
    createdAt: SCHEDULED_TIME_PLACEHOLDER,
    source: `beat:${entry.name}`,
  };
}
