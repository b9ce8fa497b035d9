import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { OBSERVER_ENV } from '../../src/protocol/monitoring-env.js';
import { DEFAULT_STATS_RETENTION_DAYS, STATS_KEYS } from '../../src/protocol/stats.js';
import { StackValidationError } from '../validation.js';
import { LovageFunction } from './lovage-function.js';
import type { TaskEvents } from './task-events.js';
import type { TaskStore } from './task-store.js';

export interface TaskStreamProps {
  /** The task table; its stream must carry NEW_AND_OLD_IMAGES. */
  readonly store: TaskStore;
  /** Where lifecycle events are published. */
  readonly events: TaskEvents;
  /** Catalog task names: statistics of any other name are kept under "(unknown)". */
  readonly taskNames: readonly string[];
  /** The observer's source file (lambdas/task-stream/index.ts). */
  readonly entry: string;
  readonly depsLockFilePath: string;
  /**
   * Days per-minute statistics are kept (1 to 400); totals never expire.
   * @default DEFAULT_STATS_RETENTION_DAYS (14)
   */
  readonly statsRetentionDays?: number;
  /**
   * Publish `task.started` as well (one more event per task that records STARTED).
   * @default true
   */
  readonly publishStarted?: boolean;
  /**
   * How long the stream waits to fill a batch (0 to 300 s): longer batches
   * mean fewer calls per task, later events.
   * @default Duration.seconds(1)
   */
  readonly batchingWindow?: Duration;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** Stream records per invocation; the reactors batch their own calls within it. */
export const OBSERVER_BATCH_SIZE = 100;
/** Retries of a failing batch (bisected each time) before its records go to the DLQ. */
export const OBSERVER_RETRY_ATTEMPTS = 10;

/**
 * The task stream observer: the task table's DynamoDB stream feeds one
 * function (lambdas/task-stream) that publishes lifecycle events and keeps
 * statistics in its own table, so nothing of either runs in a task's path.
 * Only task items reach it (an event filter drops rate-limit counters and
 * TTL deletions). A failing batch is retried from its first unhandled
 * record (partial batch responses), bisected on errors, and after
 * OBSERVER_RETRY_ATTEMPTS its description goes to the dead-letter queue.
 */
export class TaskStream extends Construct {
  readonly statsTable: dynamodb.Table;
  readonly observer: LovageFunction;
  /** Where the stream puts batches that kept failing (shard, sequence numbers, the error). */
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: TaskStreamProps) {
    super(scope, id);
    const retentionDays = props.statsRetentionDays ?? DEFAULT_STATS_RETENTION_DAYS;
    validateTaskStream(retentionDays, props.batchingWindow);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const s = dynamodb.AttributeType.STRING;
    this.statsTable = new dynamodb.Table(this, 'Stats', {
      partitionKey: { name: STATS_KEYS.partitionKey, type: s },
      sortKey: { name: STATS_KEYS.sortKey, type: s },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: STATS_KEYS.ttl,
      removalPolicy,
    });
    this.deadLetterQueue = new sqs.Queue(this, 'Dlq', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });
    this.observer = new LovageFunction(this, 'Observer', {
      entry: props.entry,
      depsLockFilePath: props.depsLockFilePath,
      description: 'Lovage task stream observer: lifecycle events and statistics',
      timeout: Duration.seconds(60),
      serviceName: 'lovage-task-stream',
      logRetention: props.logRetention,
      removalPolicy,
      environment: {
        [OBSERVER_ENV.eventBus]: props.events.bus.eventBusName,
        [OBSERVER_ENV.statsTable]: this.statsTable.tableName,
        [OBSERVER_ENV.taskNames]: JSON.stringify(props.taskNames),
        [OBSERVER_ENV.statsRetentionDays]: String(retentionDays),
        [OBSERVER_ENV.publishStarted]: String(props.publishStarted ?? true),
      },
    });
    const fn = this.observer.function;
    fn.addEventSource(
      new DynamoEventSource(props.store.table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: OBSERVER_BATCH_SIZE,
        maxBatchingWindow: props.batchingWindow ?? Duration.seconds(1),
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts: OBSERVER_RETRY_ATTEMPTS,
        maxRecordAge: Duration.days(1),
        onFailure: new SqsDlq(this.deadLetterQueue),
        filters: [TASK_CHANGES_FILTER],
      }),
    );
    // Counters and markers only: PutItem and UpdateItem (what TransactWriteItems needs), no reads.
    this.statsTable.grant(fn, 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    props.events.grantPublish(fn);
  }

  /** Lets `grantee` read statistics: dynamodb:GetItem, BatchGetItem and Query. */
  grantReadStatistics(grantee: iam.IGrantable): iam.Grant {
    return this.statsTable.grant(
      grantee,
      'dynamodb:GetItem',
      'dynamodb:BatchGetItem',
      'dynamodb:Query',
    );
  }

  /** Batches the stream gave up on (alarm: any at all). */
  metricDeadLetterDepth(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(1),
      statistic: 'Maximum',
      ...props,
    });
  }
}

/**
 * Only changes of task items (`TASK#<id>` / `TASK`) that insert or modify
 * them: rate-limit counters and TTL deletions never invoke the observer.
 * A reactor that needs REMOVE records adds `REMOVE` here.
 */
export const TASK_CHANGES_FILTER = lambda.FilterCriteria.filter({
  eventName: lambda.FilterRule.or('INSERT', 'MODIFY'),
  dynamodb: {
    Keys: {
      pk: { S: lambda.FilterRule.beginsWith('TASK#') },
      sk: { S: lambda.FilterRule.isEqual('TASK') },
    },
  },
});

function validateTaskStream(retentionDays: number, batchingWindow?: Duration): void {
  if (!Number.isInteger(retentionDays) || retentionDays < 1 || retentionDays > 400) {
    throw new StackValidationError(
      'statsRetentionDays',
      `(${retentionDays}) must be a whole number of days from 1 to 400`,
    );
  }
  const window = batchingWindow?.toSeconds();
  if (window !== undefined && (window < 0 || window > 300)) {
    throw new StackValidationError('batchingWindow', `(${window} s) must be 0 to 300 s`);
  }
}
