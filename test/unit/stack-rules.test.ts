import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { TaskSystemStack } from '../../lib/task-system-stack.js';
import { catalog } from '../../src/catalog/index.js';

let app: App;
let stack: TaskSystemStack;
let template: Template;

beforeAll(() => {
  app = new App();
  stack = new TaskSystemStack(app, 'Test', { catalog });
  template = Template.fromStack(stack);
});

interface PolicyStatement {
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
}

/** Every statement of the worker role of `category`, as the template has it. */
function statementsOf(category: string): PolicyStatement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.entries(policies)
    .filter(([id]) => id.startsWith(`${category}workerRoleDefaultPolicy`))
    .flatMap(
      ([, p]) =>
        (p as { Properties: { PolicyDocument: { Statement: PolicyStatement[] } } }).Properties
          .PolicyDocument.Statement,
    );
}
const actionsOf = (category: string) =>
  statementsOf(category).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
const refs = (value: unknown) => JSON.stringify(value);

describe('least-privilege IAM per category', () => {
  it('gives every worker its own role without managed policies', () => {
    const roles = template.findResources('AWS::IAM::Role', {
      Properties: {
        AssumeRolePolicyDocument: Match.objectLike({
          Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
        }),
      },
    });
    // ... and so do the task stream observer and the monitoring API.
    expect(Object.keys(roles)).toHaveLength(catalog.categories.length + 2);
    for (const role of Object.values(roles)) {
      expect(
        (role as { Properties: Record<string, unknown> }).Properties.ManagedPolicyArns,
      ).toBeUndefined();
    }
  });

  it('lets a worker consume and send only to its own queues', () => {
    const queueIds = (category: string) =>
      Object.keys(template.findResources('AWS::SQS::Queue')).filter((id) =>
        id.startsWith(`${category}queues`),
      );
    for (const category of catalog.categories.map((c) => c.name)) {
      const sqsStatements = statementsOf(category).filter((s) => refs(s.Action).includes('sqs:'));
      const touched = sqsStatements.flatMap((s) =>
        [
          ...refs(s.Resource).matchAll(/"([A-Za-z0-9]+)\.Arn"|"Fn::GetAtt":\["([A-Za-z0-9]+)"/g),
        ].map((m) => m[1] ?? m[2]),
      );
      expect(touched.length).toBeGreaterThan(0);
      for (const id of touched) expect(queueIds(category)).toContain(id);
    }
  });

  it('never grants Scan or DeleteItem on the task table to a category that does not back it up', () => {
    for (const category of ['email', 'payments', 'orders', 'monitoring', 'analytics']) {
      const onTaskTable = statementsOf(category).filter((s) =>
        refs(s.Resource).includes('StoreTable'),
      );
      expect(refs(onTaskTable.map((s) => s.Action))).not.toMatch(/dynamodb:(Scan|DeleteItem)/);
    }
    expect(
      refs(
        statementsOf('sync')
          .filter((s) => refs(s.Resource).includes('StoreTable'))
          .map((s) => s.Action),
      ),
    ).toContain('dynamodb:Scan');
  });

  it("limits domain-table items to the category's key prefixes (dynamodb:LeadingKeys)", () => {
    const leading = (category: string) =>
      statementsOf(category)
        .map(
          (s) => s.Condition?.['ForAllValues:StringLike'] as Record<string, string[]> | undefined,
        )
        .flatMap((c) => c?.['dynamodb:LeadingKeys'] ?? []);
    expect(leading('orders')).toEqual(['ORDER#*', 'BOOK#*']);
    expect(leading('monitoring')).toEqual(['APP#*', 'HEALTH#*']);
    expect(leading('email')).toEqual(['SUPPRESS#*']);
    expect(leading('payments')).toEqual([]);
  });

  it("limits S3 to the category's own prefix, and only sync may delete", () => {
    const s3Resources = (category: string) =>
      statementsOf(category)
        .filter((s) => refs(s.Action).includes('s3:'))
        .map((s) => refs(s.Resource) + refs(s.Condition ?? {}));
    expect(s3Resources('payments').join()).toContain('/payments/*');
    expect(s3Resources('payments').join()).not.toMatch(/\/(sync|analytics)\//);
    expect(s3Resources('analytics').join()).toContain('/analytics/*');
    expect(s3Resources('email')).toEqual([]);
    expect(actionsOf('sync')).toContain('s3:DeleteObject');
    expect(actionsOf('payments')).not.toContain('s3:DeleteObject');
  });

  it('gives only the senders SES and only the email category its quota', () => {
    expect(actionsOf('email')).toEqual(expect.arrayContaining(['ses:SendEmail', 'ses:GetAccount']));
    expect(actionsOf('orders')).toContain('ses:SendEmail');
    expect(actionsOf('orders')).not.toContain('ses:GetAccount');
    for (const c of ['payments', 'sync', 'analytics', 'monitoring']) {
      expect(actionsOf(c).some((a) => a.startsWith('ses:'))).toBe(false);
    }
  });

  it('lets workers create one-time schedules only in the delay group and publish only to the stack bus', () => {
    const scheduler = statementsOf('email').filter((s) => refs(s.Action).includes('scheduler:'));
    expect(refs(scheduler.map((s) => s.Resource))).toContain('schedule/');
    const events = statementsOf('orders').filter((s) =>
      refs(s.Action).includes('events:PutEvents'),
    );
    expect(refs(events.map((s) => s.Resource))).toContain('EventsBus');
    // Lifecycle events come from the task stream observer, not from the workers.
    for (const category of [
      'email',
      'payments',
      'sync',
      'analytics',
      'monitoring',
      'diagnostics',
    ]) {
      expect(
        statementsOf(category).filter((s) => refs(s.Action).includes('events:PutEvents')),
      ).toEqual([]);
    }
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged finding on the stack', () => {
    const report = new AwsSolutionsChecks(app).validateScope(stack);
    const findings = report.violations.map(
      (v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
  });

  it('reports no unacknowledged finding on a prod stack with a concrete account and region', () => {
    const prodApp = new App();
    const prod = new TaskSystemStack(prodApp, 'Prod', {
      catalog,
      stage: 'prod',
      alertEmail: 'oncall@example.com',
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    expect(new AwsSolutionsChecks(prodApp).validateScope(prod).violations).toEqual([]);
  });

  it('still reports a finding nobody acknowledged', () => {
    const other = new Stack(new App(), 'Bare');
    new sqs.Queue(other, 'NoDlq', { enforceSSL: true });
    const report = new AwsSolutionsChecks(other).validateScope(other);
    expect(report.violations.map((v) => v.ruleName)).toContain('AwsSolutions-SQS3');
  });
});
