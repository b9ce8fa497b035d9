import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { CategoryDefinition, Tier } from '../../src/catalog/index.js';
import { WORKER_ENV } from '../../src/protocol/env.js';
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
  /** Where lifecycle events are published. */
  readonly events: TaskEvents;
  /** Handler source file (bundled with esbuild, AWS SDK included). */
  readonly entry: string;
  /** Lock file esbuild resolves dependencies against. */
  readonly depsLockFilePath: string;
  /**
   * MaximumConcurrency of each tier's event-source mapping (2 to 1000).
   * @default DEFAULT_TIER_CONCURRENCY
   */
  readonly tierConcurrency?: Partial<Record<Tier, number>>;
  /** @default RemovalPolicy.RETAIN (log group) */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The Lambda function of one category, fed by one SQS event-source mapping
 * per tier queue (partial batch responses, per-tier concurrency).
 */
export class CategoryWorker extends Construct {
  readonly function: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string, props: CategoryWorkerProps) {
    super(scope, id);
    const { category, queues, store, delays, events } = props;
    const timeout = Duration.seconds(category.timeoutSeconds);
    validateCategoryWorkerProps(props, timeout);

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry,
      depsLockFilePath: props.depsLockFilePath,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      timeout,
      memorySize: category.memoryMb,
      logGroup,
      description: `Lovage worker for the '${category.name}' category`,
      environment: {
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
        [WORKER_ENV.delayRoleArn]: delays.deliveryRole.roleArn,
        POWERTOOLS_SERVICE_NAME: `lovage-${category.name}`,
        POWERTOOLS_METRICS_NAMESPACE: 'Lovage',
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        externalModules: [],
        minify: true,
        sourceMap: true,
        target: 'node22',
        format: nodejs.OutputFormat.CJS,
      },
    });

    for (const { tier, queue, deadLetterQueue } of queues.tiers) {
      this.function.addEventSource(
        new SqsEventSource(queue, {
          batchSize: category.batchSize,
          reportBatchItemFailures: true,
          maxConcurrency: props.tierConcurrency?.[tier] ?? DEFAULT_TIER_CONCURRENCY[tier],
        }),
      );
      // The runtime sends permanent failures to the DLQ itself, with the reason,
      // and re-sends retries to the tier queues of its own category.
      deadLetterQueue.grantSendMessages(this.function);
      queue.grantSendMessages(this.function);
      delays.allowDeliveryTo(queue);
    }
    store.grantWriteRecords(this.function);
    delays.grantScheduleDelays(this.function);
    events.grantPublish(this.function);
  }

  metricErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.function.metricErrors({ period: Duration.minutes(1), ...props });
  }

  metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.function.metricInvocations({ period: Duration.minutes(1), ...props });
  }

  metricThrottles(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.function.metricThrottles({ period: Duration.minutes(1), ...props });
  }

  metricDuration(statistic: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.function.metricDuration({ period: Duration.minutes(1), statistic, ...props });
  }
}

function validateCategoryWorkerProps(props: CategoryWorkerProps, timeout: Duration): void {
  for (const { tier, queue } of props.queues.tiers) {
    const vt = queue.node.defaultChild as { visibilityTimeout?: number } | undefined;
    const seconds = vt?.visibilityTimeout;
    if (
      seconds !== undefined &&
      !Token.isUnresolved(seconds) &&
      seconds < 6 * timeout.toSeconds()
    ) {
      throw new Error(
        `${props.category.name}/${tier}: visibilityTimeout (${seconds} s) must be at least 6 x function timeout (${timeout.toSeconds()} s)`,
      );
    }
    const concurrency = props.tierConcurrency?.[tier] ?? DEFAULT_TIER_CONCURRENCY[tier];
    if (!Number.isInteger(concurrency) || concurrency < 2 || concurrency > 1000) {
      throw new Error(
        `${props.category.name}/${tier}: tierConcurrency (${concurrency}) must be a whole number from 2 to 1000`,
      );
    }
  }
}
