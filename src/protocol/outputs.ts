/**
 * CloudFormation outputs of the stack; the client and CLI configure
 * themselves from these, so a service needs only the stack name and region.
 */
export const STACK_OUTPUTS = {
  tableName: 'TaskTableName',
  /** JSON: `"<category>/<tier>"` -> `{ url, dlq }`. */
  queues: 'TierQueues',
  /** Scheduler group of the beat (catalog schedules). */
  scheduleGroup: 'ScheduleGroupName',
  /** Scheduler group of one-time schedules (delays over 900 s). */
  delayScheduleGroup: 'DelayScheduleGroupName',
  /** Role Scheduler assumes to deliver a delayed envelope to a tier queue. */
  delayRoleArn: 'DelayRoleArn',
  eventBusName: 'EventBusName',
  dashboardName: 'DashboardName',
  alertTopicArn: 'AlertTopicArn',
} as const;

/** Stack name used when none is given. */
export const DEFAULT_STACK_NAME = 'Lovage';
