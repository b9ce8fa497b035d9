import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { CeleryCompat, celeryResultsFrom } from '../../../lib/constructs/celery-compat.js';
import { TaskSystemStack } from '../../../lib/task-system-stack.js';
import { defineCatalog, PingArgs, task } from '../../../src/catalog/index.js';

function compat(resultTable: boolean) {
  const stack = new Stack(new App(), 'T');
  const queues = [new sqs.Queue(stack, 'A'), new sqs.Queue(stack, 'B')];
  const celery = new CeleryCompat(stack, 'Celery', { queues, resultTable });
  return { stack, queues, celery };
}

const ref = (stack: Stack, construct: { node: { defaultChild?: unknown } }) =>
  stack.resolve((construct.node.defaultChild as { ref: string }).ref);

describe('CeleryCompat', () => {
  it('creates the result table in the layout Celery reads: hash key id only, TTL on ttl', () => {
    const { stack } = compat(true);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it("gives a Python client exactly send + queue attributes and the table's describe + get", () => {
    const { stack, queues, celery } = compat(true);
    const arns = queues.map((q) => stack.resolve(q.queueArn));
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [
          {
            Sid: 'SendTasks',
            Effect: 'Allow',
            Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes'],
            Resource: arns,
          },
          {
            Sid: 'ReadResults',
            Effect: 'Allow',
            Action: ['dynamodb:DescribeTable', 'dynamodb:GetItem'],
            Resource: stack.resolve(celery.resultTable?.tableArn),
          },
        ],
      },
    });
  });

  it('creates no table, and a send-only policy, when results are off', () => {
    const { stack } = compat(false);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::DynamoDB::Table', 0);
    const [policy] = Object.values(template.findResources('AWS::IAM::ManagedPolicy'));
    expect(policy?.Properties.PolicyDocument.Statement).toHaveLength(1);
  });

  it('wires the mirror into an observer: PutItem on the table and the table name in its environment', () => {
    const { stack, celery } = compat(true);
    const observer = new lambda.Function(stack, 'Observer', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => {}'),
    });
    expect(celery.grantMirrorWrites(observer)).toBeDefined();
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          LOVAGE_CELERY_RESULT_TABLE: ref(stack, celery.resultTable as never),
        },
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: 'dynamodb:PutItem',
            Effect: 'Allow',
            Resource: Match.anyValue(),
          },
        ],
      },
      Roles: Match.anyValue(),
    });
    expect(compat(false).celery.grantMirrorWrites(observer)).toBeUndefined();
  });
});

describe('celeryResultsFrom (cdk context)', () => {
  it('reads true/false and leaves the choice to the catalog when unset', () => {
    expect(celeryResultsFrom('true')).toBe(true);
    expect(celeryResultsFrom(false)).toBe(false);
    expect(celeryResultsFrom(undefined)).toBeUndefined();
  });

  it('fails synth on anything else, naming the value', () => {
    expect(() => celeryResultsFrom('yes')).toThrow(/celeryResults.*'yes'.*true or false/);
  });
});

describe('TaskSystemStack with Celery results', () => {
  const diagnostics = (celery?: { resultTable: boolean }) =>
    defineCatalog({
      categories: { diagnostics: { tasks: { 'diagnostics.ping': task({ schema: PingArgs }) } } },
      ...(celery ? { celery } : {}),
    });

  it('outputs the result table and the client policy when the catalog turns results on, unless the context turns them off', () => {
    const on = Template.fromStack(
      new TaskSystemStack(new App(), 'On', { catalog: diagnostics({ resultTable: true }) }),
    );
    on.hasOutput('CeleryResultTableName', {});
    on.hasOutput('CeleryClientPolicyArn', {});
    const off = Template.fromStack(
      new TaskSystemStack(new App(), 'Off', {
        catalog: diagnostics({ resultTable: true }),
        celeryResults: false,
      }),
    );
    expect(Object.keys(off.findOutputs('CeleryResultTableName'))).toEqual([]);
    off.hasOutput('CeleryClientPolicyArn', {});
    const byDefault = new TaskSystemStack(new App(), 'Default', { catalog: diagnostics() });
    expect(byDefault.celery.resultTable).toBeUndefined();
  });
});
