import { createHash } from 'node:crypto';
import type { CreateScheduleCommandInput } from '@aws-sdk/client-scheduler';
import type { Envelope } from './envelope.js';

/** SQS's longest per-message delay; anything later goes through a one-time schedule. */
export const MAX_SQS_DELAY_SECONDS = 900;

/**
 * Name of the one-time schedule that delivers attempt `attempt` of task
 * `taskId`. Deterministic, so a retried send creates (or finds) the same
 * schedule and a revoke can delete it without looking anything up.
 */
export function delayScheduleName(taskId: string, attempt: number): string {
  const digest = createHash('sha256').update(taskId).digest('hex').slice(0, 40);
  return `lovage-${digest}-${attempt}`;
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
    Name: delayScheduleName(delivery.envelope.id, delivery.envelope.attempt),
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
