import { describe, expect, it } from 'vitest';
import { planReconcile } from '../../../src/drift/plan.js';
import type { CfnTemplate } from '../../../src/drift/template.js';
import type { LiveStack } from '../../../src/drift/types.js';

const template: CfnTemplate = {
  Resources: {
    Daily: {
      Type: 'AWS::Scheduler::Schedule',
      Properties: {
        GroupName: 'beat',
        ScheduleExpression: 'cron(0 2 * * ? *)',
        ScheduleExpressionTimezone: 'Europe/London',
        State: 'ENABLED',
        FlexibleTimeWindow: { Mode: 'OFF' },
      },
    },
  },
};

const live = (schedule: Record<string, string> | undefined): LiveStack => ({
  partition: 'aws',
  region: 'us-east-1',
  accountId: '000000000000',
  stackName: 'Lovage',
  physicalIds: { Daily: 'Daily-abc' },
  types: { Daily: 'AWS::Scheduler::Schedule' },
  queueAttributes: {},
  tables: {},
  eventSourceMappings: {},
  schedules: schedule ? { Daily: { GroupName: 'beat', ...schedule } } : {},
});

describe('schedule drift', () => {
  it('restores a time zone the emulator dropped, keeping the rest of the schedule', () => {
    const checks = planReconcile(
      template,
      live({
        ScheduleExpression: 'cron(0 2 * * ? *)',
        State: 'ENABLED',
        FlexibleTimeWindowMode: 'OFF',
      }),
    );
    const drift = checks.filter((c) => c.status === 'drift');
    expect(drift).toHaveLength(1);
    expect(drift[0]).toMatchObject({
      property: 'ScheduleExpressionTimezone',
      expected: 'Europe/London',
      actual: 'UTC',
      fix: {
        kind: 'scheduler:UpdateSchedule',
        name: 'Daily-abc',
        groupName: 'beat',
        changes: { ScheduleExpressionTimezone: 'Europe/London' },
      },
    });
  });

  it('leaves a paused schedule alone: pausing is not drift', () => {
    const checks = planReconcile(
      template,
      live({
        ScheduleExpression: 'cron(0 2 * * ? *)',
        ScheduleExpressionTimezone: 'Europe/London',
        State: 'DISABLED',
        FlexibleTimeWindowMode: 'OFF',
      }),
    );
    expect(checks.map((c) => c.property)).not.toContain('State');
    expect(checks.every((c) => c.status === 'ok')).toBe(true);
  });

  it('reports nothing when the live schedule matches, and a missing schedule as missing', () => {
    const matching = planReconcile(
      template,
      live({
        ScheduleExpression: 'cron(0 2 * * ? *)',
        ScheduleExpressionTimezone: 'Europe/London',
        State: 'ENABLED',
        FlexibleTimeWindowMode: 'OFF',
      }),
    );
    expect(matching.every((c) => c.status === 'ok')).toBe(true);
    expect(planReconcile(template, live(undefined))).toMatchObject([
      { property: 'Resource', actual: 'missing' },
    ]);
  });
});
