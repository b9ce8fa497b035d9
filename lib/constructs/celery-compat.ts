import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CELERY_ENV } from '../../src/protocol/env.js';
import { StackValidationError } from '../validation.js';

export interface CeleryCompatProps {
  /** The tier queues Celery clients send to (every tier queue of the stack). */
  readonly queues: readonly sqs.IQueue[];
  /**
   * Create the Celery result table, so that `AsyncResult(id).get()` in Python
   * reads Lovage's results through Celery's stock DynamoDB backend.
   * @default false - Celery clients can send, but read no results
   */
  readonly resultTable?: boolean;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * What an unchanged Python Celery app needs to use Lovage: a managed policy
 * to attach to the app's role, and, when enabled, the result table in the
 * layout Celery's DynamoDB backend reads (hash key `id`, no sort key: a sort
 * key breaks Celery's reader). The table is written only by the task stream
 * observer's Celery mirror ({@link grantMirrorWrites}).
 */
export class CeleryCompat extends Construct {
  /** The Celery result table; undefined when `resultTable` is off. */
  readonly resultTable: dynamodb.Table | undefined;
  /**
   * Exactly what a Python Celery client needs: sqs:SendMessage and
   * sqs:GetQueueAttributes (kombu's passive queue declare) on the tier
   * queues; dynamodb:DescribeTable and dynamodb:GetItem on the result table.
   * No CreateTable or UpdateTimeToLive: Lovage owns the table and its TTL.
   */
  readonly clientPolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: CeleryCompatProps) {
    super(scope, id);
    if (props.resultTable) {
      this.resultTable = new dynamodb.Table(this, 'Results', {
        partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: dynamodb.TableEncryption.AWS_MANAGED,
        timeToLiveAttribute: 'ttl',
        removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      });
    }
    this.clientPolicy = new iam.ManagedPolicy(this, 'ClientPolicy', {
      description: 'Lovage: what a Python Celery client needs to send tasks and read results',
      statements: [
        new iam.PolicyStatement({
          sid: 'SendTasks',
          actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes'],
          resources: props.queues.map((q) => q.queueArn),
        }),
        ...(this.resultTable
          ? [
              new iam.PolicyStatement({
                sid: 'ReadResults',
                actions: ['dynamodb:DescribeTable', 'dynamodb:GetItem'],
                resources: [this.resultTable.tableArn],
              }),
            ]
          : []),
      ],
    });
  }

  /**
   * Wires the Celery result mirror into `observer` (the task stream
   * observer's function): dynamodb:PutItem on the result table and the
   * `LOVAGE_CELERY_RESULT_TABLE` variable that
   * `CeleryResultMirror.fromEnvironment` reads. Returns undefined, doing
   * nothing, when the stack has no result table.
   */
  grantMirrorWrites(observer: lambda.Function): iam.Grant | undefined {
    if (!this.resultTable) return undefined;
    observer.addEnvironment(CELERY_ENV.resultTable, this.resultTable.tableName);
    return this.resultTable.grant(observer, 'dynamodb:PutItem');
  }
}

/**
 * The `celeryResults` cdk context (`-c celeryResults=true|false`), which
 * overrides the catalog's `celery.resultTable`; anything else fails synth.
 */
export function celeryResultsFrom(value: unknown): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new StackValidationError('celeryResults', `('${String(value)}') must be true or false`);
}
