import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TABLE_KEYS } from '../../src/protocol/records.js';

export interface TaskStoreProps {
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The task table: state, results and history. On-demand, point-in-time
 * recovery, encrypted, items expire through TTL. Key layout in
 * src/protocol/records.ts; both GSIs are write-sharded.
 */
export class TaskStore extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: TaskStoreProps = {}) {
    super(scope, id);
    const s = dynamodb.AttributeType.STRING;
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: s },
      sortKey: { name: TABLE_KEYS.sortKey, type: s },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: TABLE_KEYS.ttl,
      // Feeds the task stream observer (lib/constructs/task-stream.ts).
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    for (const index of [TABLE_KEYS.byName, TABLE_KEYS.byState]) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: s },
        sortKey: { name: index.sortKey, type: s },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
  }

  /**
   * Lets `grantee` read and write task records: dynamodb:GetItem,
   * BatchGetItem (a worker reads a batch's untracked records at once),
   * PutItem, UpdateItem and Query. No Scan, no DeleteItem (records leave
   * through TTL).
   */
  grantWriteRecords(grantee: iam.IGrantable): iam.Grant {
    return this.table.grant(
      grantee,
      'dynamodb:GetItem',
      'dynamodb:BatchGetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:Query',
    );
  }

  /**
   * Lets `grantee` read task records and query the indexes without scanning:
   * dynamodb:GetItem, BatchGetItem and Query (reports, health checks).
   */
  grantQueryRecords(grantee: iam.IGrantable): iam.Grant {
    return this.table.grant(grantee, 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query');
  }

  /** Lets `grantee` read task records and query the indexes. */
  grantReadRecords(grantee: iam.IGrantable): iam.Grant {
    return this.table.grantReadData(grantee);
  }
}
