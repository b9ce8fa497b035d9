import { type App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CategoryWorker } from '../../lib/constructs/category-worker.js';
import { TaskSystemStack } from '../../lib/task-system-stack.js';
import { catalog } from '../../src/catalog/index.js';
import { WORKER_ENV } from '../../src/protocol/env.js';
import { templateApp } from '../helpers/app.js';

let app: App;
let stack: TaskSystemStack;
let template: Template;

beforeAll(() => {
  app = templateApp();
  stack = new TaskSystemStack(app, 'Test', { catalog });
  template = Template.fromStack(stack);
});

interface PolicyStatement {
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
}

type PolicyResource = {
  Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: PolicyStatement[] } };
};
const roleIdOf = (category: string) => {
  const id = Object.keys(template.findResources('AWS::IAM::Role')).find((r) =>
    r.startsWith(`${category}workerRole`),
  );
  if (!id) throw new Error(`no role for ${category}`);
  return id;
};
/** Every policy attached to the role with logical id `roleId`, by logical id. */
const policiesOfRole = (roleId: string) =>
  Object.entries(template.findResources('AWS::IAM::Policy') as Record<string, PolicyResource>)
    .filter(([, p]) => p.Properties.Roles.some((r) => r.Ref === roleId))
    .map(([id, p]) => ({ id, statements: p.Properties.PolicyDocument.Statement }));
/** Every statement of every policy on the worker role of `category`, as the template has it. */
const statementsOf = (category: string): PolicyStatement[] =>
  policiesOfRole(roleIdOf(category)).flatMap((p) => p.statements);
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);
/** Logical ids a value references (Ref or Fn::GetAtt). */
const referencedIds = (value: unknown) =>
  [...refs(value).matchAll(/"Ref":"([A-Za-z0-9]+)"|"Fn::GetAtt":\["([A-Za-z0-9]+)"/g)].map(
    (m) => m[1] ?? m[2],
  );
const categories = catalog.categories.map((c) => c.name);
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

  it("lets a worker consume and send only to its own queues and to those of the tasks its 'sends' lists", () => {
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
      const allowed = [
        ...queueIds(category),
        ...catalog
          .category(category)
          .sends.flatMap((task) => queueIds(catalog.task(task).category)),
      ];
      for (const id of touched) expect(allowed).toContain(id);
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
    const leading = (category: string) => [
      ...new Set(
        statementsOf(category)
          .map(
            (s) => s.Condition?.['ForAllValues:StringLike'] as Record<string, string[]> | undefined,
          )
          .flatMap((c) => c?.['dynamodb:LeadingKeys'] ?? []),
      ),
    ];
    expect(leading('orders')).toEqual(['ORDER#*', 'BOOK#*']);
    expect(leading('monitoring')).toEqual(['APP#*', 'HEALTH#*']);
    expect(leading('email')).toEqual(['SUPPRESS#*', 'BULK#*']);
    expect(leading('payments')).toEqual([]);
  });

  it('lets a category query the byKind index only for its own kinds, and only if it reads it', () => {
    const onIndex = (category: string) =>
      statementsOf(category).filter((s) => refs(s.Resource).includes('/index/byKind'));
    for (const category of ['orders', 'monitoring']) {
      const statements = onIndex(category);
      expect(statements.length).toBeGreaterThan(0);
      for (const statement of statements) {
        expect(asList(statement.Action)).toEqual(['dynamodb:Query']);
        // The same owner-prefix condition as the category's items: kinds are ORDER#..., APP#...
        expect(statement.Condition?.['ForAllValues:StringLike']).toEqual({
          'dynamodb:LeadingKeys':
            category === 'orders' ? ['ORDER#*', 'BOOK#*'] : ['APP#*', 'HEALTH#*'],
        });
      }
    }
    // email (suppressions), analytics and payments never read the index: orders stay out of reach.
    for (const category of ['email', 'analytics', 'payments']) {
      expect(onIndex(category)).toEqual([]);
      expect(
        statementsOf(category).filter(
          (s) => refs(s.Resource).includes('DataDataTable') && refs(s.Resource).includes('/index/'),
        ),
      ).toEqual([]);
    }
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

  it('lets a worker pass only its own delivery role, which can send only to its own queues', () => {
    const deliveryRoles = Object.keys(template.findResources('AWS::IAM::Role')).filter((id) =>
      id.startsWith('Delays'),
    );
    // One per category, plus the senders' role (the DelayRoleArn output).
    expect(deliveryRoles).toHaveLength(categories.length + 1);
    const functions = template.findResources('AWS::Lambda::Function') as Record<
      string,
      { Properties: { Environment: { Variables: Record<string, unknown> } } }
    >;
    for (const category of categories) {
      const passRole = statementsOf(category).filter((s) =>
        asList(s.Action).includes('iam:PassRole'),
      );
      expect(passRole).toHaveLength(1);
      const [own] = referencedIds(passRole[0]?.Resource);
      expect(own).toMatch(new RegExp(`^Delays${category}DeliveryRole`));
      expect(passRole[0]?.Condition).toEqual({
        StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' },
      });
      // The worker hands Scheduler that role, and nothing else, for its long delays.
      const fn = Object.entries(functions).find(([id]) =>
        id.startsWith(`${category}workerFunction`),
      );
      expect(
        referencedIds(fn?.[1].Properties.Environment.Variables[WORKER_ENV.delayRoleArn]),
      ).toEqual([own]);
      // And that role may send only to this category's queues.
      const sends = policiesOfRole(own as string).flatMap((p) => p.statements);
      const targets = sends.flatMap((s) => referencedIds(s.Resource));
      expect(targets.length).toBeGreaterThan(0);
      for (const id of targets) expect(id).toMatch(new RegExp(`^${category}queues`));
    }
    const senders = deliveryRoles.find((id) => /^DelaysDeliveryRole[A-F0-9]+$/.test(id));
    expect(senders).toBeDefined();
    for (const category of categories) {
      expect(refs(statementsOf(category))).not.toContain(`"${senders}"`);
    }
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [
          Match.objectLike({
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: {
              StringEquals: Match.objectLike({ 'aws:SourceArn': Match.anyValue() }),
            },
          }),
        ],
      }),
    });
  });

  it('grants "*" nowhere but ses:GetAccount, in a policy of its own on the email role', () => {
    const wildcard = (s: PolicyStatement) => asList(s.Resource).includes('*');
    for (const category of categories) {
      for (const policy of policiesOfRole(roleIdOf(category))) {
        const open = policy.statements.filter(wildcard);
        if (category === 'email' && policy.id.startsWith('emailworkerSesQuotaPolicy')) {
          expect(policy.statements).toEqual([
            expect.objectContaining({ Action: 'ses:GetAccount', Resource: '*' }),
          ]);
        } else {
          expect(open).toEqual([]);
        }
      }
    }
  });

  it('lets workers create one-time schedules only in the delay group and publish only to the stack bus', () => {
    for (const category of categories) {
      const scheduler = statementsOf(category).filter((s) => refs(s.Action).includes('scheduler:'));
      expect(scheduler).toHaveLength(1);
      // Only its own category's schedules: no worker can delete or block another's delayed task.
      expect(refs(scheduler[0]?.Resource)).toContain(`/lovage-${category}.*`);
      expect(refs(scheduler[0]?.Resource)).not.toMatch(/\/\*"/);
    }
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
    const prodApp = templateApp();
    const prod = new TaskSystemStack(prodApp, 'Prod', {
      catalog,
      stage: 'prod',
      alertEmail: 'oncall@example.com',
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    expect(new AwsSolutionsChecks(prodApp).validateScope(prod).violations).toEqual([]);
  });

  it('fails if a later grant on "*" lands on the email role: the acknowledgement covers one policy only', () => {
    const otherApp = templateApp();
    const other = new TaskSystemStack(otherApp, 'Later', { catalog });
    const email = other.node.findChild('email-worker') as CategoryWorker;
    email.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['ses:DeleteEmailIdentity'], resources: ['*'] }),
    );
    const findings = new AwsSolutionsChecks(otherApp)
      .validateScope(other)
      .violations.flatMap((v) =>
        v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`),
      );
    expect(findings).toEqual([
      'AwsSolutions-IAM5[Resource::*] Later/email-worker/Role/DefaultPolicy/Resource',
    ]);
  }, 300_000); // a second stack to synthesize and check: slow on a busy machine

  it('still reports a finding nobody acknowledged', () => {
    const other = new Stack(templateApp(), 'Bare');
    new sqs.Queue(other, 'NoDlq', { enforceSSL: true });
    const report = new AwsSolutionsChecks(other).validateScope(other);
    expect(report.violations.map((v) => v.ruleName)).toContain('AwsSolutions-SQS3');
  });
});
