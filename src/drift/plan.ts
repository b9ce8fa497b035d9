/**
 * The pure half of `npm run local:reconcile`: given the synthesized template and what the
 * emulator reports, list every property checked and, where they differ, the API call that
 * makes the live resource match the template. No network here; scripts/reconcile.ts reads
 * the live state and runs the fixes.
 */

import { checkTable, TABLE_TYPES } from './dynamodb.js';
import { checkEventSourceMapping, checkFunction, functionName } from './lambda.js';
import { checkSchedule } from './scheduler.js';
import { checkQueue } from './sqs.js';
import { type CfnTemplate, type ResolveContext, resolveValue } from './template.js';
import type { Check, LiveStack } from './types.js';

export type {
  Check,
  FixAction,
  LiveSchedule,
  LiveStack,
  LiveTable,
  MappingSettings,
} from './types.js';

/**
 * Compares every checked property of the template's queues, tables, functions, event source
 * mappings and schedules with the live stack.
 *
 * @example
 * const fixes = planReconcile(template, live).filter((check) => check.status === 'drift');
 */
export function planReconcile(template: CfnTemplate, live: LiveStack): Check[] {
  const checks: Check[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type === 'AWS::SQS::Queue') checks.push(...checkQueue(logicalId, resource, live));
    if (TABLE_TYPES.has(resource.Type)) checks.push(...checkTable(logicalId, resource, live));
    if (resource.Type === 'AWS::Lambda::Function') {
      checks.push(...checkFunction(logicalId, resource, live));
    }
    if (resource.Type === 'AWS::Lambda::EventSourceMapping') {
      checks.push(...checkEventSourceMapping(logicalId, resource, live));
    }
    if (resource.Type === 'AWS::Scheduler::Schedule' && live.schedules) {
      checks.push(...checkSchedule(logicalId, resource, live));
    }
  }
  return checks;
}

/** The function names whose event source mappings {@link planReconcile} needs, resolved. */
export function eventSourceFunctionNames(template: CfnTemplate, ctx: ResolveContext): string[] {
  const names = new Set<string>();
  for (const resource of Object.values(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::Lambda::EventSourceMapping') continue;
    const name = resolveValue(resource.Properties?.FunctionName, ctx);
    if (name.ok && typeof name.value === 'string') names.add(functionName(name.value));
  }
  return [...names];
}

/** A drifted check as the reconcile log shows it: `Queue RedrivePolicy -> {...} (was missing)`. */
export function describeDrift(check: Check): string {
  return `${check.logicalId} ${check.property} -> ${check.expected} (was ${check.actual})`;
}
