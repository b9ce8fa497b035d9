import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { Tier } from '../../src/catalog/index.js';
import { TIER_TARGETS } from '../../src/protocol/tier-targets.js';
import type { CategoryWorker } from './category-worker.js';
import type { TierQueues } from './tier-queues.js';

export interface MonitoredCategory {
  readonly name: string;
  readonly queues: TierQueues;
  readonly worker: CategoryWorker;
  /** Task names of the category, one row of EMF widgets each. */
  readonly tasks: readonly string[];
}

/** When a tier's queue needs a human. */
export interface TierAlarmThresholds {
  /** Visible messages above which the backlog alarm fires. */
  readonly backlog: number;
  /** Age of the oldest message above which the latency alarm fires. */
  readonly oldestMessageAge: Duration;
}

/** Defaults (TIER_TARGETS, shared with the health check): the higher the tier, the sooner someone is told. */
export const DEFAULT_TIER_THRESHOLDS: Readonly<Record<Tier, TierAlarmThresholds>> =
  Object.fromEntries(
    Object.entries(TIER_TARGETS).map(([tier, t]) => [
      tier,
      { backlog: t.backlog, oldestMessageAge: Duration.seconds(t.oldestMessageAgeSeconds) },
    ]),
  ) as Record<Tier, TierAlarmThresholds>;

export interface OperationsProps {
  readonly categories: readonly MonitoredCategory[];
  /** Extra DLQ depth metrics to alarm on (the beat's and the triggers' undeliverable events), by label. */
  readonly extraDeadLetterMetrics?: Readonly<Record<string, cloudwatch.IMetric>>;
  /**
   * Address subscribed to the alert topic.
   * @default - no subscription; subscribe to the topic yourself
   */
  readonly alertEmail?: string;
  /** @default DEFAULT_TIER_THRESHOLDS */
  readonly tierThresholds?: Partial<Record<Tier, TierAlarmThresholds>>;
  /**
   * Error rate (percent of invocations over 5 minutes) above which a category alarms.
   * @default 5
   */
  readonly errorRatePercent?: number;
  /** @default 'Lovage' */
  readonly dashboardName?: string;
  /**
   * The function behind the per-task duration widgets (a CloudWatch custom
   * widget): p50/p95/p99 from the task stream's statistics, the numbers
   * `GET /stats` and `lovage stats` show.
   * @default - p95 of the runtime's EMF TaskDuration metric
   */
  readonly durationWidgetFunction?: lambda.IFunction;
}

/**
 * What an operator watches: one CloudWatch dashboard (per tier: depth, age of
 * oldest message, DLQ depth; per category: invocations, errors, throttles,
 * concurrency, duration percentiles; per task: succeeded, failed, retried,
 * duration), alarms (any DLQ non-empty, backlog, oldest message, error rate)
 * and an SNS alert topic. Every widget and alarm is built from the
 * constructs' metric helpers.
 */
export class Operations extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly alertTopic: sns.Topic;
  readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    this.alertTopic = new sns.Topic(this, 'Alerts', { enforceSSL: true });
    if (props.alertEmail) {
      this.alertTopic.addSubscription(new subscriptions.EmailSubscription(props.alertEmail));
    }
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
    });

    const alarms: cloudwatch.Alarm[] = [];
    const alarm = (
      id: string,
      description: string,
      metric: cloudwatch.IMetric,
      threshold: number,
    ) => {
      const created = new cloudwatch.Alarm(this, id, {
        alarmDescription: `Lovage: ${description}`,
        metric,
        threshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(new actions.SnsAction(this.alertTopic));
      alarms.push(created);
    };
    const thresholds = (tier: Tier) =>
      props.tierThresholds?.[tier] ?? DEFAULT_TIER_THRESHOLDS[tier];

    for (const { name, queues, worker, tasks } of props.categories) {
      this.dashboard.addWidgets(
        new cloudwatch.TextWidget({ markdown: `## ${name}`, width: 24, height: 1 }),
      );
      for (const { tier } of queues.tiers) {
        const limit = thresholds(tier);
        this.dashboard.addWidgets(
          new cloudwatch.GraphWidget({
            title: `${name}/${tier}: queue depth`,
            left: [queues.metricDepth(tier), queues.metricInFlight(tier)],
            leftAnnotations: [{ value: limit.backlog, label: 'backlog alarm' }],
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: `${name}/${tier}: age of oldest message (s)`,
            left: [queues.metricOldestMessageAge(tier)],
            leftAnnotations: [{ value: limit.oldestMessageAge.toSeconds(), label: 'target' }],
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: `${name}/${tier}: DLQ depth`,
            left: [queues.metricDeadLetterDepth(tier)],
            width: 8,
          }),
        );
        const label = `${name}/${tier}`;
        alarm(
          `${name}-${tier}DlqNotEmpty`,
          `messages in the ${label} dead-letter queue`,
          queues.metricDeadLetterDepth(tier),
          0,
        );
        alarm(
          `${name}-${tier}Backlog`,
          `${label} has more than ${limit.backlog} messages waiting`,
          queues.metricDepth(tier),
          limit.backlog,
        );
        alarm(
          `${name}-${tier}OldestMessage`,
          `the oldest ${label} message waited longer than ${limit.oldestMessageAge.toSeconds()} s`,
          queues.metricOldestMessageAge(tier),
          limit.oldestMessageAge.toSeconds(),
        );
      }
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: `${name}: invocations, errors, throttles`,
          left: [worker.metricInvocations(), worker.metricErrors(), worker.metricThrottles()],
          width: 8,
        }),
        new cloudwatch.GraphWidget({
          title: `${name}: concurrency`,
          left: [worker.metricConcurrency()],
          width: 8,
        }),
        new cloudwatch.GraphWidget({
          title: `${name}: duration p50 / p95 / p99`,
          left: ['p50', 'p95', 'p99'].map((p) => worker.metricDuration(p, { label: p })),
          width: 8,
        }),
      );
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: `${name}: tasks succeeded / failed / retried`,
          left: tasks.flatMap((t) =>
            (['TaskSucceeded', 'TaskFailed', 'TaskRetried'] as const).map((m) =>
              worker.metricTask(t, m, { label: `${t} ${m.slice(4).toLowerCase()}` }),
            ),
          ),
          width: 12,
        }),
        props.durationWidgetFunction
          ? new cloudwatch.CustomWidget({
              title: `${name}: task duration p50 / p95 / p99`,
              functionArn: props.durationWidgetFunction.functionArn,
              params: { tasks },
              updateOnTimeRangeChange: true,
              width: 12,
            })
          : new cloudwatch.GraphWidget({
              title: `${name}: task duration p95 (ms)`,
              left: tasks.map((t) => worker.metricTask(t, 'TaskDuration', { label: t })),
              width: 12,
            }),
      );
      alarm(
        `${name}TaskFailureRate`,
        `more than ${props.errorRatePercent ?? 5}% of the ${name} tasks that finished failed for good`,
        worker.metricTaskFailureRate(),
        props.errorRatePercent ?? 5,
      );
      alarm(
        `${name}FunctionErrors`,
        `more than ${props.errorRatePercent ?? 5}% of ${name} invocations crashed, timed out or could not reach AWS`,
        worker.metricErrorRatio(),
        (props.errorRatePercent ?? 5) / 100,
      );
    }
    for (const [label, metric] of Object.entries(props.extraDeadLetterMetrics ?? {})) {
      alarm(`${label}DlqNotEmpty`, `messages in the ${label} dead-letter queue`, metric, 0);
    }
    this.alarms = alarms;
  }
}
