import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CategoryWorker } from '../../lib/constructs/category-worker.js';
import { Delays } from '../../lib/constructs/delays.js';
import { TaskEvents } from '../../lib/constructs/task-events.js';
import { TaskStore } from '../../lib/constructs/task-store.js';
import { TierQueues } from '../../lib/constructs/tier-queues.js';
import { TaskSystemStack } from '../../lib/task-system-stack.js';
import { catalog, defineCatalog, task } from '../../src/catalog/index.js';

let template: Template;

beforeAll(() => {
  const app = new App();
  template = Template.fromStack(new TaskSystemStack(app, 'Test', { catalog }));
});

describe('TaskSystemStack', () => {
  it('creates a queue and a DLQ for every (category, tier) the catalog uses, plus the beat DLQ', () => {
    // email/high, email/low, diagnostics/normal: 3 queues + 3 DLQs; 1 beat tick DLQ.
    template.resourceCountIs('AWS::SQS::Queue', 7);
    template.resourcePropertiesCountIs(
      'AWS::SQS::Queue',
      {
        VisibilityTimeout: 180,
        RedrivePolicy: { maxReceiveCount: 3, deadLetterTargetArn: Match.anyValue() },
        SqsManagedSseEnabled: true,
      },
      3,
    );
    template.resourcePropertiesCountIs('AWS::SQS::Queue', { MessageRetentionPeriod: 1_209_600 }, 4);
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
      7,
    );
  });

  it('runs the category on nodejs22.x arm64 with the SDK bundled', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Timeout: 30,
      MemorySize: 256,
      Environment: { Variables: Match.objectLike({ LOVAGE_CATEGORY: 'email' }) },
    });
  });

  it('feeds the function from each tier queue with partial batch responses and per-tier concurrency', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 3);
    for (const max of [20, 10, 5]) {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: max },
      });
    }
  });

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

  it('schedules each beat entry to send its envelope to the tier queue, flexible window off', () => {
    const schedules = template.findResources('AWS::Scheduler::Schedule');
    expect(Object.keys(schedules)).toHaveLength(1);
    const schedule = Object.values(schedules)[0] as { Properties: { Target: { Input: string } } };
    expect(schedule.Properties).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        RetryPolicy: { MaximumRetryAttempts: 3 },
        DeadLetterConfig: { Arn: expect.anything() },
      },
    });
    const input = JSON.parse(schedule.Properties.Target.Input);
    expect(input).toMatchObject({
      v: 1,
      id: 'beat:email-quota-check:<aws.scheduler.scheduled-time>',
      task: 'email.check_quota',
      tier: 'low',
      args: { warnAtPercent: 80 },
    });
  });

  it('alarms on every DLQ and exports what the client reads', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    for (const output of ['TaskTableName', 'TierQueues', 'ScheduleGroupName', 'DashboardName']) {
      template.hasOutput(output, {});
    }
  });

  it("grants the worker only the table's record actions, no Scan or DeleteItem", () => {
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).toContain('dynamodb:UpdateItem');
    expect(policies).not.toContain('dynamodb:Scan');
    expect(policies).not.toContain('dynamodb:DeleteItem');
  });
});

describe('synth-time validation', () => {
  const small = defineCatalog({
    categories: {
      math: { timeoutSeconds: 60, tasks: { 'math.add': task({ schema: z.object({}) }) } },
    },
  });

  const build = (visibilityTimeout: Duration, tierConcurrency?: Record<string, number>) => () => {
    const stack = new Stack(new App(), 'V');
    const queues = new TierQueues(stack, 'Q', {
      category: 'math',
      tiers: ['normal'],
      visibilityTimeout,
    });
    new CategoryWorker(stack, 'W', {
      category: small.category('math'),
      queues,
      store: new TaskStore(stack, 'S'),
      delays: new Delays(stack, 'D'),
      events: new TaskEvents(stack, 'E'),
      entry: 'lambdas/email/index.ts',
      depsLockFilePath: 'package-lock.json',
      ...(tierConcurrency ? { tierConcurrency } : {}),
    });
  };

  it('fails if the visibility timeout is under 6 x the function timeout', () => {
    expect(build(Duration.seconds(300))).toThrow(
      'math/normal: visibilityTimeout (300 s) must be at least 6 x function timeout (60 s)',
    );
  });

  it('fails if a tier concurrency is outside 2..1000', () => {
    expect(build(Duration.seconds(360), { normal: 1 })).toThrow(
      'math/normal: tierConcurrency (1) must be a whole number from 2 to 1000',
    );
  });

  it('fails if retention exceeds the DLQ retention', () => {
    const stack = new Stack(new App(), 'R');
    expect(
      () =>
        new TierQueues(stack, 'Q', {
          category: 'math',
          tiers: ['normal'],
          visibilityTimeout: Duration.seconds(360),
          retentionPeriod: Duration.days(15),
        }),
    ).toThrow(/retentionPeriod \(1296000 s\) must be at most the DLQ's retention \(1209600 s\)/);
  });
});
