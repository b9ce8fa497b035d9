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
  /** S3 bucket the seed tasks write backups, archives and reports to. */
  dataBucketName: 'DataBucketName',
  /** Domain table of the seed tasks (orders, monitored applications, ...). */
  dataTableName: 'DataTableName',
  /** Payments ledger table. */
  ledgerTableName: 'LedgerTableName',
  /** `dev` or `prod`. */
  stage: 'Stage',
  /** Table in the layout Celery's DynamoDB result backend reads; only when enabled. */
  celeryResultTable: 'CeleryResultTableName',
  /** Managed policy with what a Python Celery client needs (send; read results). */
  celeryClientPolicyArn: 'CeleryClientPolicyArn',
  /** Base URL of the monitoring HTTP API. */
  monitoringApiUrl: 'MonitoringApiUrl',
  /** Table of the task stream's statistics. */
  statsTableName: 'StatsTableName',
} as const;

/**
 * SSM parameter (String, JSON `{ <tier>: { url, dlq } }`) with the queues of
 * one category; the same data as the `TierQueues` output, split so that it
 * never outgrows CloudFormation's 4 KB output limit.
 */
export const queueDirectoryParameter = (stackName: string, category: string): string =>
  `/lovage/${stackName}/queues/${category}`;

/** Stack name used when none is given. */
export const DEFAULT_STACK_NAME = 'Lovage';
