import { createHash } from 'node:crypto';
import type { CreateScheduleCommandInput } from '@aws-sdk/client-scheduler';
import type { Envelope } from './envelope.js';

/** SQS's longest per-message delay; anything later goes through a one-time schedule. */
export const MAX_SQS_DELAY_SECONDS = 900;

/** Scheduler's longest schedule name. */
const MAX_SCHEDULE_NAME = 64;

/**
 * The start of every one-time schedule name of `category`, e.g.
 * `lovage-email.`: each worker may create and delete only schedules under
 * its own category's prefix. The dot cannot occur in a category name, so no
 * category's prefix is the start of another's.
 */
export function delaySchedulePrefix(category: string): string {
  return `lovage-${category}.`;
}

/**
 * Name of the one-time schedule that delivers attempt `attempt` of task id
 * `taskId` of task `task` (its category is the part before the first dot):
 * `lovage-<category>.<sha-256 of the id, 20 to 40 hex digits>-<attempt>`.
 * Deterministic, so a retried send creates (or finds) the same schedule and
 * a revoke can delete it without looking anything up.
 */
export function delayScheduleName(taskId: string, attempt: number, task: string): string {
  const prefix = delaySchedulePrefix(task.slice(0, Math.max(0, task.indexOf('.'))) || 'task');
  const room = MAX_SCHEDULE_NAME - prefix.length - 1 - String(attempt).length;
  const digest = createHash('sha256').update(taskId).digest('hex').slice(0, Math.min(40, room));
  return `${prefix}${digest}-${attempt}`;
}

/** `at(...)` expression for Scheduler, in UTC, at whole seconds (rounded up so it is never early). */
export function atExpression(runAt: Date): string {
  const whole = new Date(Math.ceil(runAt.getTime() / 1000) * 1000);
  return `at(${whole.toISOString().slice(0, 19)})`;
}

export interface DelayedDelivery {
  readonly envelope: Envelope;
  readonly runAt: Date;
  /** ARN of the tier queue the envelope is delivered to. */
  readonly queueArn: string;
  readonly groupName: string;
  readonly roleArn: string;
  /** Where Scheduler puts the envelope if it cannot deliver it. */
  readonly deadLetterArn?: string;
}

/** The CreateSchedule request for a delivery later than SQS can delay; the schedule deletes itself after firing. */
export function delayedDeliveryRequest(delivery: DelayedDelivery): CreateScheduleCommandInput {
  return {
    Name: delayScheduleName(
      delivery.envelope.id,
      delivery.envelope.attempt,
      delivery.envelope.task,
    ),
    GroupName: delivery.groupName,
    ScheduleExpression: atExpression(delivery.runAt),
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    Description: `Lovage: ${delivery.envelope.task} ${delivery.envelope.id} attempt ${delivery.envelope.attempt}`,
    Target: {
      Arn: delivery.queueArn,
      RoleArn: delivery.roleArn,
      Input: JSON.stringify(delivery.envelope),
      RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 86_400 },
      ...(delivery.deadLetterArn ? { DeadLetterConfig: { Arn: delivery.deadLetterArn } } : {}),
    },
  };
}
