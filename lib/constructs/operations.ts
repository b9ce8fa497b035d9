import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { CategoryWorker } from './category-worker.js';
import type { TierQueues } from './tier-queues.js';

export interface MonitoredCategory {
  readonly name: string;
  readonly queues: TierQueues;
  readonly worker: CategoryWorker;
}

export interface OperationsProps {
  readonly categories: readonly MonitoredCategory[];
  /** Extra DLQs to alarm on (e.g. the beat's undeliverable ticks), by label. */
  readonly extraDeadLetterQueues?: Readonly<Record<string, sqs.IQueue>>;
  /**
   * Address subscribed to the alert topic.
   * @default - no subscription; subscribe to the topic yourself
   */
  readonly alertEmail?: string;
  /** @default 'Lovage' */
  readonly dashboardName?: string;
}

/**
 * What an operator watches: one CloudWatch dashboard (per tier: depth, age of
 * oldest message, DLQ depth; per category: invocations, errors, throttles,
 * duration percentiles), an alarm on every DLQ, and an SNS alert topic.
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
    const alarmOnDlq = (label: string, metric: cloudwatch.IMetric) => {
      const alarm = new cloudwatch.Alarm(this, `${label}DlqNotEmpty`, {
        alarmDescription: `Lovage: messages in the ${label} dead-letter queue`,
        metric,
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(new actions.SnsAction(this.alertTopic));
      alarms.push(alarm);
    };

    for (const { name, queues, worker } of props.categories) {
      this.dashboard.addWidgets(
        new cloudwatch.TextWidget({ markdown: `## ${name}`, width: 24, height: 1 }),
      );
      for (const { tier } of queues.tiers) {
        this.dashboard.addWidgets(
          new cloudwatch.GraphWidget({
            title: `${name}/${tier}: queue depth`,
            left: [queues.metricDepth(tier)],
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: `${name}/${tier}: age of oldest message`,
            left: [queues.metricOldestMessageAge(tier)],
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: `${name}/${tier}: DLQ depth`,
            left: [queues.metricDeadLetterDepth(tier)],
            width: 8,
          }),
        );
        alarmOnDlq(`${name}-${tier}`, queues.metricDeadLetterDepth(tier));
      }
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: `${name}: invocations, errors, throttles`,
          left: [worker.metricInvocations(), worker.metricErrors(), worker.metricThrottles()],
          width: 12,
        }),
        new cloudwatch.GraphWidget({
          title: `${name}: duration p50 / p95 / p99`,
          left: ['p50', 'p95', 'p99'].map((p) => worker.metricDuration(p, { label: p })),
          width: 12,
        }),
      );
    }
    for (const [label, queue] of Object.entries(props.extraDeadLetterQueues ?? {})) {
      alarmOnDlq(
        label,
        queue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
      );
    }
    this.alarms = alarms;
  }
}
