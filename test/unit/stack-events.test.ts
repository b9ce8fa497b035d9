import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TaskSystemStack } from '../../lib/task-system-stack.js';
import { catalog } from '../../src/catalog/index.js';
import { templateApp } from '../helpers/app.js';

let template: Template;
let prod: Template;
let devStack: TaskSystemStack;
let prodStack: TaskSystemStack;

beforeAll(() => {
  devStack = new TaskSystemStack(templateApp(), 'Test', { catalog });
  template = Template.fromStack(devStack);
  prodStack = new TaskSystemStack(templateApp(), 'Prod', {
    catalog,
    stage: 'prod',
    alertEmail: 'oncall@example.com',
    monitoringAllowNetworks: ['10.1.0.0/16'],
  });
  prod = Template.fromStack(prodStack);
});

type Schedule = {
  Properties: {
    Name?: string;
    ScheduleExpression: string;
    ScheduleExpressionTimezone?: string;
    FlexibleTimeWindow: { Mode: string };
    Target: { Input: string; RetryPolicy: unknown; DeadLetterConfig: unknown };
  };
};
const schedules = () =>
  Object.values(template.findResources('AWS::Scheduler::Schedule')) as Schedule[];
const scheduleOf = (name: string) => {
  const found = schedules().find(
    (s) => JSON.parse(s.Properties.Target.Input).source === `beat:${name}`,
  );
  if (!found) throw new Error(`no schedule ${name}`);
  return found.Properties;
};

describe('beat', () => {
  it('creates one schedule per catalog entry, flexible window off, with retries and a DLQ', () => {
    expect(schedules()).toHaveLength(catalog.schedules.length);
    for (const s of schedules()) {
      expect(s.Properties).toMatchObject({
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
          DeadLetterConfig: { Arn: expect.anything() },
        },
      });
    }
  });

  it('mirrors the Celery seeds: 30 s, 2, 5, 15, 30 min, hourly, 6 h, daily 02:00 and weekly Sunday 08:00 in a time zone', () => {
    const expressions = schedules().map((s) => s.Properties.ScheduleExpression);
    for (const e of [
      'rate(2 minutes)',
      'rate(5 minutes)',
      'rate(15 minutes)',
      'rate(30 minutes)',
      'rate(1 hour)',
      'rate(6 hours)',
    ]) {
      expect(expressions).toContain(e);
    }
    expect(scheduleOf('daily-report')).toMatchObject({
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/London',
    });
    expect(scheduleOf('weekly-report')).toMatchObject({
      ScheduleExpression: 'cron(0 8 ? * SUN *)',
      ScheduleExpressionTimezone: 'America/New_York',
    });
  });

  it('deploys the 30-second schedule as a one-minute tick that the runtime fans out', () => {
    expect(scheduleOf('app-health-checks').ScheduleExpression).toBe('rate(1 minute)');
    expect(catalog.schedules.find((s) => s.name === 'app-health-checks')).toMatchObject({
      fanOut: 2,
      fanOutIntervalSeconds: 30,
    });
  });

  it('derives each tick id from the scheduled time so a retried tick runs once', () => {
    const input = JSON.parse(scheduleOf('email-quota-check').Target.Input);
    expect(input).toMatchObject({
      v: 1,
      id: 'beat:email-quota-check:<aws.scheduler.scheduled-time>',
      task: 'email.check_quota',
      tier: 'low',
      args: { warnAtPercent: 80 },
      source: 'beat:email-quota-check',
    });
  });
});

describe('event triggers', () => {
  it('turns order.created events on the stack bus into orders.match envelopes on the high queue', () => {
    const rules = template.findResources('AWS::Events::Rule', {
      Properties: { EventPattern: { source: ['shop.orders'], 'detail-type': ['order.created'] } },
    });
    expect(Object.keys(rules)).toHaveLength(1);
    const rule = Object.values(rules)[0] as {
      Properties: {
        EventBusName: unknown;
        Targets: {
          Arn: unknown;
          InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: string };
          RetryPolicy: unknown;
          DeadLetterConfig: unknown;
        }[];
      };
    };
    expect(JSON.stringify(rule.Properties.EventBusName)).toContain('EventsBus');
    const [target] = rule.Properties.Targets;
    expect(JSON.stringify(target?.Arn)).toContain('ordersqueueshigh');
    expect(target?.RetryPolicy).toMatchObject({ MaximumRetryAttempts: 8 });
    expect(target?.DeadLetterConfig).toMatchObject({ Arn: expect.anything() });
    expect(Object.values(target?.InputTransformer.InputPathsMap ?? {})).toEqual(
      expect.arrayContaining(['$.id', '$.detail', '$.time']),
    );
    const template_ = target?.InputTransformer.InputTemplate ?? '';
    expect(template_).toContain('"task":"orders.match"');
    expect(template_).toContain('"tier":"high"');
    expect(template_).toMatch(/"id":"event:order-created:<[a-z-]+>"/);
    expect(template_).toMatch(/"args":<detail>/);
  });

  it('lets EventBridge send only to the queue of its rule (queue policy scoped by rule ARN)', () => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['sqs:SendMessage']),
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });
});

describe('dashboard and alarms', () => {
  const tierCount = catalog.categories.reduce((n, c) => n + catalog.tiersOf(c.name).length, 0);

  it('alarms on every DLQ, backlog and oldest message per tier, error rate per category, and the beat, trigger and task stream DLQs', () => {
    template.resourceCountIs(
      'AWS::CloudWatch::Alarm',
      3 * tierCount + 2 * catalog.categories.length + 3,
    );
    template.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 0 },
      tierCount + 3,
    );
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Threshold: 60,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 100,
    });
    template.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { MetricName: 'Errors', Statistic: 'Average', Threshold: 0.1 },
      catalog.categories.length,
    );
    template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { Threshold: 0.05 }, 0);
    prod.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { MetricName: 'Errors', Threshold: 0.05 },
      catalog.categories.length,
    );
  });

  it('alarms per category on the share of tasks that fail for good, from the runtime metrics', () => {
    for (const category of catalog.categories) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'Lovage',
        MetricName: 'TaskFailureRate',
        Dimensions: [{ Name: 'category', Value: category.name }],
        Statistic: 'Average',
        Period: 300,
        Threshold: 10,
        ComparisonOperator: 'GreaterThanThreshold',
      });
      prod.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'TaskFailureRate',
        Dimensions: [{ Name: 'category', Value: category.name }],
        Threshold: 5,
      });
    }
  });

  it('sends every alarm to the SNS topic, which e-mails the address from config', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as {
      Properties: { AlarmActions: unknown[] };
    }[];
    for (const a of alarms)
      expect(JSON.stringify(a.Properties.AlarmActions)).toContain('OperationsAlerts');
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    prod.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
  });

  it('charts every task from the runtime EMF metrics (namespace Lovage, dimension task) and its durations from the task stream', () => {
    const dashboard = Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0] as {
      Properties: { DashboardBody: unknown };
    };
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const metric of ['TaskSucceeded', 'TaskFailed', 'TaskRetried']) {
      expect(body).toContain(metric);
    }
    // p50/p95/p99 per task: custom widgets drawn by the monitoring function from the statistics.
    expect(body).toContain('\\"type\\":\\"custom\\"');
    expect(body).toContain('MonitoringHandlerFunction');
    expect(body).toContain('diagnostics.ping');
    for (const name of catalog.tasks.keys()) {
      expect(body).toContain(`\\"Lovage\\",\\"TaskSucceeded\\",\\"task\\",\\"${name}\\"`);
    }
    for (const metric of [
      'ApproximateAgeOfOldestMessage',
      'ConcurrentExecutions',
      'Throttles',
      'p99',
    ]) {
      expect(body).toContain(metric);
    }
  });
});

describe('stages', () => {
  it('retains tables, queues and the bucket in prod and deletes them in dev', () => {
    for (const type of ['AWS::DynamoDB::Table', 'AWS::SQS::Queue', 'AWS::S3::Bucket']) {
      for (const r of Object.values(prod.findResources(type)) as { DeletionPolicy?: string }[]) {
        expect(r.DeletionPolicy).toBe('Retain');
      }
      for (const r of Object.values(template.findResources(type)) as {
        DeletionPolicy?: string;
      }[]) {
        expect(r.DeletionPolicy).toBe('Delete');
      }
    }
    prod.hasOutput('Stage', { Value: 'prod' });
  });

  it('protects the ledger and domain tables from deletion in prod, and says at synth which dev tables a delete destroys', () => {
    const protectedTables = (t: Template) =>
      Object.entries(t.findResources('AWS::DynamoDB::Table'))
        .filter(
          ([, r]) =>
            (r as { Properties: Record<string, unknown> }).Properties.DeletionProtectionEnabled ===
            true,
        )
        .map(([id]) => id.replace(/[A-F0-9]{8}$/, ''));
    expect(protectedTables(prod).sort()).toEqual(['DataDataTable', 'DataLedgerTable']);
    expect(protectedTables(template)).toEqual([]);

    const warnings = (stack: TaskSystemStack) =>
      Annotations.fromStack(stack)
        .findWarning('*', Match.stringLikeRegexp('is DELETED with all its items'))
        .map((w) => String(w.entry.data));
    const dev = warnings(devStack);
    // The statistics table, and the Celery result table the catalog turns on, go too.
    expect(dev).toHaveLength(5);
    for (const table of [
      'Test/Stream/Stats',
      'Test/Data/DataTable',
      'Test/Data/LedgerTable',
      'Test/Store/Table',
      'Test/Celery/Results',
    ]) {
      expect(dev.some((w) => w.startsWith(`${table} is DELETED with all its items`))).toBe(true);
    }
    expect(dev[0]).toContain('-c stage=prod');
    expect(warnings(prodStack)).toEqual([]);
  });

  it('passes the monitoring allow-list to the monitoring function only, and says so at synth', () => {
    const env = (t: Template, category: string) => {
      const fn = Object.entries(t.findResources('AWS::Lambda::Function')).find(([id]) =>
        id.startsWith(`${category}workerFunction`),
      );
      if (!fn) throw new Error(`no ${category} function`);
      return (fn[1] as { Properties: { Environment: { Variables: Record<string, unknown> } } })
        .Properties.Environment.Variables;
    };
    expect(env(prod, 'monitoring').LOVAGE_MONITORING_ALLOW_NETWORKS).toBe('10.1.0.0/16');
    expect(env(prod, 'orders').LOVAGE_MONITORING_ALLOW_NETWORKS).toBeUndefined();
    expect(env(template, 'monitoring').LOVAGE_MONITORING_ALLOW_NETWORKS).toBeUndefined();
    Annotations.fromStack(prodStack).hasWarning(
      '/Prod/monitoring-worker',
      Match.stringLikeRegexp('monitoring may fetch 10.1.0.0/16'),
    );
  });
});
