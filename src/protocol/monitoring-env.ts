/** Environment of the task stream observer; the stack sets it, lambdas/task-stream reads it. */
export const OBSERVER_ENV = {
  /** The stack's EventBridge bus (lifecycle events). */
  eventBus: 'LOVAGE_EVENT_BUS',
  /** The statistics table. */
  statsTable: 'LOVAGE_STATS_TABLE',
  /** JSON array of the catalog's task names. */
  taskNames: 'LOVAGE_TASK_NAMES',
  /** Days per-minute statistics are kept. */
  statsRetentionDays: 'LOVAGE_STATS_RETENTION_DAYS',
  /** `true` or `false`: publish task.started. */
  publishStarted: 'LOVAGE_PUBLISH_STARTED',
  /** The task table: the workflow engine reads and advances workflows there. */
  taskTable: 'LOVAGE_TASK_TABLE',
  /** JSON object `{ "<category>/<tier>": <queue URL> }`: where the engine sends due steps. */
  workflowQueues: 'LOVAGE_WORKFLOW_QUEUES',
} as const;

/** Environment of the monitoring API function. */
export const MONITORING_ENV = {
  /** Name of the stack whose outputs configure the API (like the CLI). */
  stackName: 'LOVAGE_STACK_NAME',
  /** The statistics table. */
  statsTable: 'LOVAGE_STATS_TABLE',
  /** The stage's error-rate alarm threshold, percent. */
  errorRatePercent: 'LOVAGE_ERROR_RATE_PERCENT',
} as const;
