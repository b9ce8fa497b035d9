import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { CategoryDefinition, Tier } from '../../src/catalog/index.js';
import { WORKER_ENV } from '../../src/protocol/env.js';
import { validateConcurrency, validateQueueTimings } from '../validation.js';
import { LOVAGE_BUNDLING, runtimeNodeOptions } from './bundling.js';
import type { Delays } from './delays.js';
import type { TaskEvents } from './task-events.js';
import type { TaskStore } from './task-store.js';
import type { TierQueues } from './tier-queues.js';

/** Per-tier ceiling on concurrent invocations from that tier's queue. */
export const DEFAULT_TIER_CONCURRENCY: Readonly<Record<Tier, number>> = {
  critical: 50,
  high: 20,
  normal: 10,
  low: 5,
};

export interface CategoryWorkerProps {
  readonly category: CategoryDefinition;
  readonly queues: TierQueues;
  readonly store: TaskStore;
  /** Where retries and ETAs beyond 900 s are scheduled. */
  readonly delays: Delays;
  /** The stack's bus; its name is in the environment for task code that publishes domain events. */
  readonly events: TaskEvents;
  /** Handler source file (bundled with esbuild, AWS SDK included). */
  readonly entry: string;
  /** Lock file esbuild resolves dependencies against. */
  readonly depsLockFilePath: string;
  /**
   * MaximumConcurrency of each tier's event-source mapping (2 to 1000); the
   * catalog's `tierConcurrency` of the category wins over this.
   * @default DEFAULT_TIER_CONCURRENCY
   */
  readonly tierConcurrency?: Partial<Record<Tier, number>>;
  /**
   * Extra environment of the task code (e.g. the bucket it writes to).
   * @default - only the runtime's variables (WORKER_ENV)
   */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN (log group) */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The Lambda function of one category, fed by one SQS event-source mapping
 * per tier queue (partial batch responses, per-tier concurrency). Its role
 * starts empty: it may write its own log group, consume and re-send to its
 * own queues, send to its own DLQs, write task records and schedule delays;
 * the stack adds what its task code calls (publishing to the bus included).
 */
export class CategoryWorker extends Construct implements iam.IGrantable {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly categoryName: string;

  constructor(scope: Construct, id: string, props: CategoryWorkerProps) {
    super(scope, id);
    const { category, queues, store, delays, events } = props;
    this.categoryName = category.name;
    const timeout = Duration.seconds(category.timeoutSeconds);
    const concurrency = (tier: Tier) =>
      category.tierConcurrency[tier] ??
      props.tierConcurrency?.[tier] ??
      DEFAULT_TIER_CONCURRENCY[tier];
    for (const { tier } of queues.tiers) {
      const label = `${category.name}/${tier}`;
      validateQueueTimings({
        label,
        visibilityTimeoutSeconds: queues.visibilityTimeout.toSeconds(),
        functionTimeoutSeconds: category.timeoutSeconds,
        batchingWindowSeconds: category.batchingWindowSeconds,
        retentionSeconds: queues.retentionPeriod.toSeconds(),
        deadLetterRetentionSeconds: queues.deadLetterRetention.toSeconds(),
        deliveryDelaySeconds: queues.deliveryDelay.toSeconds(),
        maxReceiveCount: queues.maxReceiveCount,
      });
      validateConcurrency(label, concurrency(tier));
    }

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    // Our own role instead of the AWSLambdaBasicExecutionRole managed policy,
    // whose logs:* on every log group is more than one function needs.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Lovage worker of the '${category.name}' category`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry,
      depsLockFilePath: props.depsLockFilePath,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      timeout,
      memorySize: category.memoryMb,
      role: this.role,
      logGroup,
      description: `Lovage worker for the '${category.name}' category`,
      environment: {
        ...props.environment,
        [WORKER_ENV.table]: store.table.tableName,
        [WORKER_ENV.category]: category.name,
        [WORKER_ENV.deadLetterQueues]: Stack.of(this).toJsonString(
          queues.tiers.map((t) => ({ queue: t.queue.queueArn, dlq: t.deadLetterQueue.queueUrl })),
        ),
        [WORKER_ENV.queues]: Stack.of(this).toJsonString(
          queues.tiers.map((t) => ({ tier: t.tier, arn: t.queue.queueArn, url: t.queue.queueUrl })),
        ),
        [WORKER_ENV.eventBus]: events.bus.eventBusName,
        [WORKER_ENV.delayScheduleGroup]: delays.group.scheduleGroupName,
        [WORKER_ENV.delayRoleArn]: delays.categoryDeliveryRole(category.name).roleArn,
        POWERTOOLS_SERVICE_NAME: `lovage-${category.name}`,
        ...runtimeNodeOptions(this),
      },
      bundling: LOVAGE_BUNDLING,
    });

    for (const { tier, queue, deadLetterQueue } of queues.tiers) {
      this.function.addEventSource(
        new SqsEventSource(queue, {
          batchSize: category.batchSize,
          ...(category.batchingWindowSeconds > 0
            ? { maxBatchingWindow: Duration.seconds(category.batchingWindowSeconds) }
            : {}),
          reportBatchItemFailures: true,
          maxConcurrency: concurrency(tier),
        }),
      );
      // The runtime sends permanent failures to the DLQ itself, with the reason,
      // and re-sends retries (and beat fan-outs) to the tier queues of its own category.
      deadLetterQueue.grantSendMessages(this.function);
      queue.grantSendMessages(this.function);
      delays.allowCategoryDeliveryTo(category.name, queue);
    }
    store.grantWriteRecords(this.function);
    delays.grantScheduleDelays(this.function, category.name);
    // Lifecycle events come from the task stream observer: a worker publishes to the bus
    // only when its task code does (CATEGORY_PERMISSIONS grants that).
  }

  get grantPrincipal(): iam.IPrincipal {
    return this.function.grantPrincipal;
  }

  /** Adds what the category's task code calls to the function's role. */
  addToRolePolicy(statement: iam.PolicyStatement): void {
    this.function.addToRolePolicy(statement);
  }

  metricErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.function.metricErrors({ period: Duration.minutes(1), statistic: 'Sum', ...props });
  }

  metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.function.metricInvocations({
      period: Duration.minutes(1),
      statistic: 'Sum',
      ...props,
    });
  }

  metricThrottles(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.function.metricThrottles({
      period: Duration.minutes(1),
      statistic: 'Sum',
      ...props,
    });
  }

  /** Concurrent executions of the category's function (maximum over 1 minute). */
  metricConcurrency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.function.metric('ConcurrentExecutions', {
      period: Duration.minutes(1),
      statistic: 'Maximum',
      ...props,
    });
  }

  metricDuration(statistic: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.function.metricDuration({ period: Duration.minutes(1), statistic, ...props });
  }

  /**
   * A per-task EMF metric the runtime emits (namespace `Lovage`, dimension
   * `task`): `TaskSucceeded`, `TaskFailed`, `TaskRetried` (counts) or
   * `TaskDuration` (milliseconds).
   */
  metricTask(
    task: string,
    name: TaskMetricName,
    props?: cloudwatch.MetricOptions,
  ): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: TASK_METRICS.namespace,
      metricName: name,
      dimensionsMap: { [TASK_METRICS.dimension]: task },
      period: Duration.minutes(1),
      statistic: name === 'TaskDuration' ? 'p95' : 'Sum',
      ...props,
    });
  }

  /**
   * Share of the category's finished tasks that failed for good, in percent,
   * over 5 minutes: the runtime's `TaskFailureRate` (100 per FAILURE, 0 per
   * SUCCESS), averaged. Task failures never fail the invocation, so Lambda's
   * `Errors` cannot see them. No metric math, which the local emulator's
   * CloudFormation cannot deploy.
   */
  metricTaskFailureRate(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: TASK_METRICS.namespace,
      metricName: 'TaskFailureRate',
      dimensionsMap: { category: this.categoryName },
      period: Duration.minutes(5),
      statistic: 'Average',
      ...props,
    });
  }

  /**
   * Share of invocations that failed (0 to 1), over 5 minutes: the function
   * itself crashing, timing out or unable to reach AWS — never a task's own
   * failure. Lambda publishes `Errors` as 0 or 1 for every invocation, so its
   * Average is the ratio.
   */
  metricErrorRatio(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.function.metricErrors({
      period: Duration.minutes(5),
      statistic: 'Average',
      ...props,
    });
  }
}

/** Where the runtime puts its per-task EMF metrics; the dashboard reads the same names. */
export const TASK_METRICS = {
  namespace: 'Lovage',
  dimension: 'task',
  names: ['TaskSucceeded', 'TaskFailed', 'TaskRetried', 'TaskDuration'],
} as const;
export type TaskMetricName = (typeof TASK_METRICS.names)[number];
