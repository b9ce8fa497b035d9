import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import {
  type Check,
  describeDrift,
  eventSourceFunctionNames,
  type LiveStack,
  planReconcile,
} from '../../../src/drift/plan.js';
import type { CfnTemplate } from '../../../src/drift/template.js';

const ACCOUNT = '000000000000';
const QUEUE_URL = `http://localhost:4566/${ACCOUNT}/Lovage-Queue-1`;
const DLQ_URL = `http://localhost:4566/${ACCOUNT}/Lovage-Dlq-1`;
const QUEUE_ARN = `arn:aws:sqs:us-east-1:${ACCOUNT}:Lovage-Queue-1`;
const DLQ_ARN = `arn:aws:sqs:us-east-1:${ACCOUNT}:Lovage-Dlq-1`;

/** The shape CDK synthesizes for a tier queue, its DLQ, the task table and a worker mapping. */
const template: CfnTemplate = {
  Resources: {
    Dlq: {
      Type: 'AWS::SQS::Queue',
      Properties: { MessageRetentionPeriod: 1209600, SqsManagedSseEnabled: true },
    },
    Queue: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': ['Dlq', 'Arn'] },
          maxReceiveCount: 3,
        },
        VisibilityTimeout: 180,
        SqsManagedSseEnabled: true,
      },
    },
    Table: {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      },
    },
    Worker: { Type: 'AWS::Lambda::Function', Properties: {} },
    Mapping: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: {
        BatchSize: 10,
        EventSourceArn: { 'Fn::GetAtt': ['Queue', 'Arn'] },
        FunctionName: { Ref: 'Worker' },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 20 },
      },
    },
  },
};

const liveMapping: EventSourceMappingConfiguration = {
  UUID: 'mapping-1',
  EventSourceArn: QUEUE_ARN,
  BatchSize: 10,
  FunctionResponseTypes: ['ReportBatchItemFailures'],
  ScalingConfig: { MaximumConcurrency: 20 },
  State: 'Enabled',
};

/** A live stack that matches the template, with `changes` applied. */
function live(changes: Partial<LiveStack> = {}): LiveStack {
  return {
    region: 'us-east-1',
    accountId: ACCOUNT,
    partition: 'aws',
    stackName: 'Lovage',
    physicalIds: {
      Dlq: DLQ_URL,
      Queue: QUEUE_URL,
      Table: 'Lovage-Table-1',
      Worker: 'Lovage-Worker-1',
      Mapping: 'mapping-1',
    },
    types: Object.fromEntries(
      Object.entries(template.Resources ?? {}).map(([id, resource]) => [id, resource.Type]),
    ),
    queueAttributes: {
      Dlq: { QueueArn: DLQ_ARN, MessageRetentionPeriod: '1209600', SqsManagedSseEnabled: 'true' },
      Queue: {
        QueueArn: QUEUE_ARN,
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: DLQ_ARN, maxReceiveCount: 3 }),
        VisibilityTimeout: '180',
        SqsManagedSseEnabled: 'true',
      },
    },
    tables: {
      Table: {
        ttl: { status: 'ENABLED', attributeName: 'expiresAt' },
        pointInTimeRecovery: 'ENABLED',
        sseStatus: 'ENABLED',
      },
    },
    eventSourceMappings: { 'Lovage-Worker-1': [liveMapping] },
    ...changes,
  };
}

const drifts = (checks: Check[]) => checks.filter((check) => check.status === 'drift');

describe('planReconcile', () => {
  it('reports every declared property as ok when the live stack matches', () => {
    const checks = planReconcile(template, live());
    expect(drifts(checks)).toEqual([]);
    expect(checks.map((check) => `${check.logicalId}.${check.property}`)).toEqual([
      'Dlq.MessageRetentionPeriod',
      'Dlq.SqsManagedSseEnabled',
      'Queue.RedrivePolicy',
      'Queue.VisibilityTimeout',
      'Queue.SqsManagedSseEnabled',
      'Table.TimeToLive',
      'Table.PointInTimeRecovery',
      'Table.SSESpecification',
      'Mapping.BatchSize',
      'Mapping.FunctionResponseTypes',
      'Mapping.ScalingConfig',
    ]);
  });

  it('restores a dropped RedrivePolicy pointing at the live DLQ ARN', () => {
    const state = live();
    const { RedrivePolicy: _dropped, ...queue } = state.queueAttributes.Queue ?? {};
    const [drift, ...rest] = drifts(
      planReconcile(
        template,
        live({ queueAttributes: { ...state.queueAttributes, Queue: queue } }),
      ),
    );
    expect(rest).toEqual([]);
    expect(drift?.fix).toEqual({
      kind: 'sqs:SetQueueAttributes',
      queueUrl: QUEUE_URL,
      attributes: { RedrivePolicy: `{"deadLetterTargetArn":"${DLQ_ARN}","maxReceiveCount":3}` },
    });
    expect(drift && describeDrift(drift)).toBe(
      `Queue RedrivePolicy -> {"deadLetterTargetArn":"${DLQ_ARN}","maxReceiveCount":3} (was missing)`,
    );
  });

  it('fixes a RedrivePolicy with another maxReceiveCount, and accepts one stored as a string', () => {
    const state = live();
    const queue = (policy: object) => ({
      queueAttributes: {
        ...state.queueAttributes,
        Queue: { ...state.queueAttributes.Queue, RedrivePolicy: JSON.stringify(policy) },
      },
    });
    const wrongCount = planReconcile(
      template,
      live(queue({ deadLetterTargetArn: DLQ_ARN, maxReceiveCount: 10 })),
    );
    expect(drifts(wrongCount).map((check) => check.property)).toEqual(['RedrivePolicy']);
    const stringCount = planReconcile(
      template,
      live(queue({ deadLetterTargetArn: DLQ_ARN, maxReceiveCount: '3' })),
    );
    expect(drifts(stringCount)).toEqual([]);
  });

  it('sets numeric queue attributes as strings', () => {
    const state = live();
    const queue = { ...state.queueAttributes.Queue, VisibilityTimeout: '30' };
    const [drift] = drifts(
      planReconcile(
        template,
        live({ queueAttributes: { ...state.queueAttributes, Queue: queue } }),
      ),
    );
    expect(drift).toMatchObject({ property: 'VisibilityTimeout', expected: '180', actual: '30' });
    expect(drift?.fix).toMatchObject({ attributes: { VisibilityTimeout: '180' } });
  });

  it('treats a KMS key id and its ARN as the same key', () => {
    const kms: CfnTemplate = {
      Resources: {
        Key: { Type: 'AWS::KMS::Key' },
        Queue: {
          Type: 'AWS::SQS::Queue',
          Properties: { KmsMasterKeyId: { 'Fn::GetAtt': ['Key', 'Arn'] } },
        },
      },
    };
    const state = live({
      physicalIds: { Key: 'key-123', Queue: QUEUE_URL },
      types: { Key: 'AWS::KMS::Key', Queue: 'AWS::SQS::Queue' },
      queueAttributes: { Queue: { KmsMasterKeyId: 'key-123' } },
    });
    expect(planReconcile(kms, state)).toMatchObject([{ property: 'KmsMasterKeyId', status: 'ok' }]);
  });

  it('enables a dropped TTL on the declared attribute', () => {
    const [drift, ...rest] = drifts(
      planReconcile(
        template,
        live({ tables: { Table: { ...live().tables.Table, ttl: { status: 'DISABLED' } } } }),
      ),
    );
    expect(rest).toEqual([]);
    expect(drift).toMatchObject({
      property: 'TimeToLive',
      expected: 'ENABLED on expiresAt',
      actual: 'DISABLED',
    });
    expect(drift?.fix).toEqual({
      kind: 'dynamodb:UpdateTimeToLive',
      tableName: 'Lovage-Table-1',
      attributeName: 'expiresAt',
      enabled: true,
    });
  });

  it('disables TTL on the wrong attribute before enabling the declared one', () => {
    const tables = {
      Table: { ...live().tables.Table, ttl: { status: 'ENABLED', attributeName: 'ttl' } },
    };
    const [drift] = drifts(planReconcile(template, live({ tables })));
    expect(drift?.fix).toMatchObject({
      attributeName: 'expiresAt',
      enabled: true,
      disableFirst: 'ttl',
    });
  });

  it('enables dropped point-in-time recovery and encryption', () => {
    const tables = { Table: { ttl: { status: 'ENABLED', attributeName: 'expiresAt' } } };
    expect(drifts(planReconcile(template, live({ tables }))).map((check) => check.fix)).toEqual([
      { kind: 'dynamodb:UpdateContinuousBackups', tableName: 'Lovage-Table-1', enabled: true },
      {
        kind: 'dynamodb:UpdateTable',
        tableName: 'Lovage-Table-1',
        sse: { Enabled: true, SSEType: 'KMS' },
      },
    ]);
  });

  it("reads a global table's point-in-time recovery from the replica in the stack's region", () => {
    const global: CfnTemplate = {
      Resources: {
        Table: {
          Type: 'AWS::DynamoDB::GlobalTable',
          Properties: {
            Replicas: [
              {
                Region: 'eu-west-1',
                PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false },
              },
              {
                Region: { Ref: 'AWS::Region' },
                PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
              },
            ],
          },
        },
      },
    };
    const state = live({ tables: { Table: { pointInTimeRecovery: 'DISABLED' } } });
    expect(drifts(planReconcile(global, state))).toMatchObject([
      { property: 'PointInTimeRecovery', expected: 'ENABLED', actual: 'DISABLED' },
    ]);
  });

  it('restores dropped ReportBatchItemFailures and per-tier maximum concurrency', () => {
    const mapping = { ...liveMapping, FunctionResponseTypes: [], ScalingConfig: undefined };
    const fixes = drifts(
      planReconcile(template, live({ eventSourceMappings: { 'Lovage-Worker-1': [mapping] } })),
    ).map((check) => check.fix);
    expect(fixes).toEqual([
      {
        kind: 'lambda:UpdateEventSourceMapping',
        uuid: 'mapping-1',
        changes: { FunctionResponseTypes: ['ReportBatchItemFailures'] },
      },
      {
        kind: 'lambda:UpdateEventSourceMapping',
        uuid: 'mapping-1',
        changes: { ScalingConfig: { MaximumConcurrency: 20 } },
      },
    ]);
  });

  it('creates a mapping the emulator does not have, matched by queue ARN', () => {
    const other = { ...liveMapping, EventSourceArn: DLQ_ARN };
    const [drift] = drifts(
      planReconcile(template, live({ eventSourceMappings: { 'Lovage-Worker-1': [other] } })),
    );
    expect(drift?.fix).toEqual({
      kind: 'lambda:CreateEventSourceMapping',
      params: {
        FunctionName: 'Lovage-Worker-1',
        EventSourceArn: QUEUE_ARN,
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 20 },
      },
    });
  });

  it('reports a resource missing from the live stack as drift it cannot fix', () => {
    const { Queue: _gone, ...physicalIds } = live().physicalIds;
    const queue = planReconcile(template, live({ physicalIds })).filter(
      (check) => check.logicalId === 'Queue',
    );
    expect(queue).toEqual([
      expect.objectContaining({ property: 'Resource', status: 'drift', actual: 'missing' }),
    ]);
    expect(queue[0]?.fix).toBeUndefined();
  });

  it('reports a function the stack lists but Lambda no longer has, and its lost mapping', () => {
    const checks = planReconcile(
      template,
      live({ functions: { Worker: false }, eventSourceMappings: { 'Lovage-Worker-1': [] } }),
    );
    expect(drifts(checks)).toEqual([
      expect.objectContaining({
        logicalId: 'Worker',
        property: 'Resource',
        actual: 'function Lovage-Worker-1 does not exist',
      }),
      expect.objectContaining({ logicalId: 'Mapping', property: 'EventSourceMapping' }),
    ]);
    expect(checks.find((c) => c.logicalId === 'Worker')?.fix).toBeUndefined();
    expect(planReconcile(template, live({ functions: { Worker: true } }))).toContainEqual(
      expect.objectContaining({ logicalId: 'Worker', property: 'Resource', status: 'ok' }),
    );
  });

  it('reports a function and its mapping missing from the stack itself as drift, not as skipped', () => {
    const { Worker: _fn, Mapping: _mapping, ...physicalIds } = live().physicalIds;
    const checks = planReconcile(template, live({ physicalIds }));
    expect(checks.filter((c) => c.status === 'unresolved')).toEqual([]);
    expect(drifts(checks)).toEqual([
      expect.objectContaining({ logicalId: 'Worker', actual: 'not in the stack' }),
      expect.objectContaining({
        logicalId: 'Mapping',
        property: 'EventSourceMapping',
        actual: 'missing (Worker is not in the stack)',
      }),
    ]);
  });

  it('skips a value it cannot resolve instead of guessing', () => {
    const imported: CfnTemplate = {
      Resources: {
        Queue: {
          Type: 'AWS::SQS::Queue',
          Properties: { KmsMasterKeyId: { 'Fn::ImportValue': 'shared-key' } },
        },
      },
    };
    expect(planReconcile(imported, live())).toMatchObject([
      { property: 'KmsMasterKeyId', status: 'unresolved' },
    ]);
  });

  it('ignores properties and resources it does not check', () => {
    const other: CfnTemplate = {
      Resources: {
        Queue: { Type: 'AWS::SQS::Queue', Properties: { Tags: [{ Key: 'a', Value: 'b' }] } },
        Topic: { Type: 'AWS::SNS::Topic', Properties: { DisplayName: 'alerts' } },
      },
    };
    expect(planReconcile(other, live())).toEqual([]);
  });
});

describe('eventSourceFunctionNames', () => {
  it('resolves the functions whose mappings must be listed', () => {
    expect(eventSourceFunctionNames(template, live())).toEqual(['Lovage-Worker-1']);
  });
});
