import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TaskSystemStack } from '../../lib/task-system-stack.js';
import { catalog, TIERS } from '../../src/catalog/index.js';
import { templateApp } from '../helpers/app.js';

let stack: TaskSystemStack;
let template: Template;

beforeAll(() => {
  stack = new TaskSystemStack(templateApp(), 'Test', { catalog });
  template = Template.fromStack(stack);
});

const tierPairs = catalog.categories.flatMap((c) =>
  catalog.tiersOf(c.name).map((t) => [c.name, t]),
);

describe('queues per (category, tier)', () => {
  it('creates a queue and a DLQ for every (category, tier) the catalog uses, plus the beat, trigger and task stream DLQs', () => {
    expect(tierPairs.length).toBeGreaterThanOrEqual(10);
    template.resourceCountIs('AWS::SQS::Queue', 2 * tierPairs.length + 3);
    template.resourcePropertiesCountIs(
      'AWS::SQS::Queue',
      { MessageRetentionPeriod: 1_209_600, SqsManagedSseEnabled: true },
      tierPairs.length + 3,
    );
  });

  it('derives visibility timeout (6 x timeout + batching window), retention and maxReceiveCount from the catalog', () => {
    const expected = new Map<string, number>();
    for (const c of catalog.categories) {
      const key = JSON.stringify([
        6 * c.timeoutSeconds + c.batchingWindowSeconds,
        c.retentionSeconds,
        c.maxReceiveCount,
      ]);
      expected.set(key, (expected.get(key) ?? 0) + catalog.tiersOf(c.name).length);
    }
    for (const [key, count] of expected) {
      const [vt, retention, receives] = JSON.parse(key) as number[];
      template.resourcePropertiesCountIs(
        'AWS::SQS::Queue',
        {
          VisibilityTimeout: vt,
          MessageRetentionPeriod: retention,
          RedrivePolicy: { maxReceiveCount: receives, deadLetterTargetArn: Match.anyValue() },
        },
        count,
      );
    }
    // sync: 300 s timeout -> 1800 s.
    template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 1800 });
  });

  it('denies non-TLS access on every queue', () => {
    template.resourcePropertiesCountIs(
      'AWS::SQS::QueuePolicy',
      {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      },
      2 * tierPairs.length + 3,
    );
  });
});

describe('workers', () => {
  it('runs one function per category on nodejs22.x arm64 with the catalog memory and timeout', () => {
    // ... plus the task stream observer and the monitoring API.
    template.resourceCountIs('AWS::Lambda::Function', catalog.categories.length + 2);
    for (const c of catalog.categories) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Timeout: c.timeoutSeconds,
        MemorySize: c.memoryMb,
        Environment: {
          Variables: Match.objectLike({
            LOVAGE_CATEGORY: c.name,
            LOVAGE_DATA_BUCKET: Match.anyValue(),
            LOVAGE_DATA_TABLE: Match.anyValue(),
            LOVAGE_LEDGER_TABLE: Match.anyValue(),
          }),
        },
      });
    }
  });

  it('feeds each function from each tier queue with partial batch responses and per-tier concurrency', () => {
    // One per tier queue, and the task table's stream into the observer.
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', tierPairs.length + 1);
    for (const [tier, max] of [
      ['high', 20],
      ['normal', 10],
      ['low', 5],
    ] as const) {
      expect(TIERS).toContain(tier);
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: max },
      });
    }
    // payments raises its critical tier in the catalog.
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 100 },
    });
  });
});

describe('stores', () => {
  it('stores tasks in an on-demand, encrypted table with PITR, TTL and sharded indexes', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      GlobalSecondaryIndexes: [
        Match.objectLike({ IndexName: 'byName' }),
        Match.objectLike({ IndexName: 'byState' }),
      ],
    });
  });

  it('encrypts every table and keeps point-in-time recovery on (task, statistics, domain, ledger and Celery result tables)', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 5);
    template.resourcePropertiesCountIs(
      'AWS::DynamoDB::Table',
      {
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
      5,
    );
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'failed' })],
    });
  });

  it('keeps the data bucket private, encrypted, versioned, TLS-only and access-logged', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: Match.objectLike({}),
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'data/' }),
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    template.resourcePropertiesCountIs(
      'AWS::S3::BucketPolicy',
      {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      },
      2,
    );
  });
});

describe('outputs', () => {
  it('exports what the client and CLI read, and a queue directory per category in SSM', () => {
    for (const output of [
      'TaskTableName',
      'TierQueues',
      'ScheduleGroupName',
      'DelayScheduleGroupName',
      'DelayRoleArn',
      'EventBusName',
      'DashboardName',
      'AlertTopicArn',
      'DataBucketName',
      'DataTableName',
      'LedgerTableName',
      'Stage',
    ]) {
      template.hasOutput(output, {});
    }
    template.resourceCountIs('AWS::SSM::Parameter', catalog.categories.length);
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/lovage/Test/queues/payments',
      Type: 'String',
    });
  });

  it("keeps the TierQueues output under CloudFormation's 4096-character limit in the worst case", () => {
    expect(stack.queuesOutputLength).toBeGreaterThan(1000);
    expect(stack.queuesOutputLength).toBeLessThanOrEqual(4096);
  });
});
