/** Environment variables the stack sets on every category function; the runtime reads them. */
export const WORKER_ENV = {
  /** Name of the task table. */
  table: 'LOVAGE_TABLE',
  /** Category the function serves. */
  category: 'LOVAGE_CATEGORY',
  /** JSON array of `{ queue: <source queue ARN>, dlq: <its DLQ URL> }`. */
  deadLetterQueues: 'LOVAGE_DLQ_URLS',
  /** JSON array of `{ tier, arn, url }`: this category's tier queues (retries are re-sent there). */
  queues: 'LOVAGE_QUEUES',
  /** Name of the stack's EventBridge bus (lifecycle events are published there). */
  eventBus: 'LOVAGE_EVENT_BUS',
  /** Scheduler group for one-time schedules (delays over 900 s: retries and ETAs). */
  delayScheduleGroup: 'LOVAGE_DELAY_GROUP',
  /** Role EventBridge Scheduler assumes to send a delayed envelope to a tier queue. */
  delayRoleArn: 'LOVAGE_DELAY_ROLE_ARN',
  /**
   * JSON object `{ "<category>/<tier>": <queue URL> }`: the other categories' queues the task
   * code may send to with `ctx.send` (the catalog's `sends`); its own come from `queues`.
   */
  sendQueues: 'LOVAGE_SEND_QUEUES',
} as const;

/** Environment of the function that runs the Celery result mirror (the task stream observer). */
export const CELERY_ENV = {
  /** Name of the Celery result table; when unset, the mirror is off. */
  resultTable: 'LOVAGE_CELERY_RESULT_TABLE',
} as const;
