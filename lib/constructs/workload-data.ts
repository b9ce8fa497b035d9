import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DATA_KEYS, LEDGER_KEYS } from '../../src/protocol/workload.js';

export interface WorkloadDataProps {
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Deletion protection on the domain and ledger tables (orders and money):
   * neither can be deleted until it is switched off.
   * @default true
   */
  readonly deletionProtection?: boolean;
}

/**
 * What the seed tasks work on: a data bucket (backups, archives, reports),
 * a domain table and a payments ledger. Encrypted, TLS-only, on-demand, PITR;
 * every grant is scoped to one category's key prefix.
 */
export class WorkloadData extends Construct {
  readonly bucket: s3.Bucket;
  /** Server access logs of {@link bucket}. */
  readonly accessLogs: s3.Bucket;
  readonly dataTable: dynamodb.Table;
  readonly ledgerTable: dynamodb.Table;

  constructor(scope: Construct, id: string, props: WorkloadDataProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const bucketDefaults = {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // autoDeleteObjects needs a custom resource; a dev stack with objects left is emptied by hand.
      removalPolicy,
    };
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      ...bucketDefaults,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
    });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...bucketDefaults,
      versioned: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'data/',
    });

    const s = dynamodb.AttributeType.STRING;
    const tableDefaults = {
      partitionKey: { name: 'pk', type: s },
      sortKey: { name: 'sk', type: s },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy,
      deletionProtection: props.deletionProtection ?? true,
    };
    this.dataTable = new dynamodb.Table(this, 'DataTable', {
      ...tableDefaults,
      timeToLiveAttribute: DATA_KEYS.ttl,
    });
    this.dataTable.addGlobalSecondaryIndex({
      indexName: DATA_KEYS.byKind.name,
      partitionKey: { name: DATA_KEYS.byKind.partitionKey, type: s },
      sortKey: { name: DATA_KEYS.byKind.sortKey, type: s },
    });
    this.ledgerTable = new dynamodb.Table(this, 'LedgerTable', tableDefaults);
    this.ledgerTable.addGlobalSecondaryIndex({
      indexName: LEDGER_KEYS.failed.name,
      partitionKey: { name: LEDGER_KEYS.failed.partitionKey, type: s },
      sortKey: { name: LEDGER_KEYS.failed.sortKey, type: s },
    });
  }

  /**
   * Lets `grantee` use the data bucket under `prefix` only:
   * s3:GetObject/PutObject (and s3:DeleteObject with `remove`), s3:ListBucket
   * limited to the prefix.
   */
  grantPrefix(grantee: iam.IGrantable, prefix: string, options: { remove?: boolean } = {}): void {
    const objects = this.bucket.arnForObjects(`${prefix}*`);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject', ...(options.remove ? ['s3:DeleteObject'] : [])],
        resources: [objects],
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
      }),
    );
  }

  /**
   * Lets `grantee` read and write items of the domain table whose partition
   * key starts with one of `prefixes` (dynamodb:LeadingKeys): GetItem,
   * BatchGetItem, PutItem, UpdateItem, DeleteItem, Query, BatchWriteItem,
   * ConditionCheckItem. With `byKind`, also Query on the byKind index under
   * the same condition: index keys (`kind`) start with their owner's prefix
   * (DATA_KINDS), so the category reads only its own kinds there too.
   */
  grantItems(
    grantee: iam.IGrantable,
    prefixes: readonly string[],
    options: { byKind?: boolean } = {},
  ): void {
    const leadingKeys = {
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': prefixes.map((p) => `${p}*`) },
    };
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'dynamodb:GetItem',
          'dynamodb:BatchGetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:Query',
          'dynamodb:BatchWriteItem',
          'dynamodb:ConditionCheckItem',
        ],
        resources: [this.dataTable.tableArn],
        conditions: leadingKeys,
      }),
    );
    if (!options.byKind) return;
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [`${this.dataTable.tableArn}/index/${DATA_KEYS.byKind.name}`],
        conditions: leadingKeys,
      }),
    );
  }

  /** Read-only access to a whole table and its indexes, for backup and archiving (Scan included). */
  grantReadAll(grantee: iam.IGrantable, table: dynamodb.ITable): iam.Grant {
    return table.grantReadData(grantee);
  }
}
