/**
 * Reconcile checks for `AWS::Scheduler::Schedule`: expression, time zone and flexible window.
 * MiniStack's CloudFormation drops `ScheduleExpressionTimezone`, so a cron declared for
 * Europe/London would run in UTC there without this check. `State` is left out on purpose:
 * pausing a schedule is an operator's decision (`lovage schedules pause`), not drift to undo;
 * doctor reports a paused schedule as a warning instead.
 */
import type { CfnResource } from './template.js';
import { resolveValue } from './template.js';
import { type Check, isRecord, type LiveStack, missingResource } from './types.js';

const COMPARED = [
  ['ScheduleExpression', undefined],
  ['ScheduleExpressionTimezone', 'UTC'],
] as const;

export function checkSchedule(logicalId: string, resource: CfnResource, live: LiveStack): Check[] {
  const name = live.physicalIds[logicalId];
  const schedule = live.schedules?.[logicalId];
  if (name === undefined || schedule === undefined) return [missingResource(logicalId, resource)];
  const props = resource.Properties ?? {};
  const base = { logicalId, type: resource.Type };
  const checks: Check[] = [];
  for (const [property, fallback] of COMPARED) {
    const declared = resolveValue(props[property], live);
    if (!declared.ok) {
      checks.push({ ...base, property, status: 'unresolved', reason: declared.reason });
      continue;
    }
    const expected = String(declared.value ?? fallback ?? '');
    const actual = schedule[property] ?? (property === 'ScheduleExpression' ? 'missing' : 'UTC');
    const ok = expected === actual;
    checks.push({
      ...base,
      property,
      status: ok ? 'ok' : 'drift',
      expected,
      actual,
      ...(ok
        ? {}
        : {
            fix: {
              kind: 'scheduler:UpdateSchedule',
              name,
              groupName: schedule.GroupName,
              changes: { [property]: expected },
            },
          }),
    });
  }
  const window = resolveValue(props.FlexibleTimeWindow, live);
  if (window.ok && isRecord(window.value)) {
    const expected = String(window.value.Mode ?? 'OFF');
    const ok = schedule.FlexibleTimeWindowMode === expected;
    checks.push({
      ...base,
      property: 'FlexibleTimeWindow',
      status: ok ? 'ok' : 'drift',
      expected,
      actual: schedule.FlexibleTimeWindowMode ?? 'missing',
      ...(ok
        ? {}
        : {
            fix: {
              kind: 'scheduler:UpdateSchedule',
              name,
              groupName: schedule.GroupName,
              changes: { FlexibleTimeWindow: window.value as { Mode: 'OFF' | 'FLEXIBLE' } },
            },
          }),
    });
  }
  return checks;
}
