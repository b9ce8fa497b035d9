/** Environment variables the stack sets on every category function; the runtime reads them. */
export const WORKER_ENV = {
  /** Name of the task table. */
  table: 'LOVAGE_TABLE',
  /** Category the function serves. */
  category: 'LOVAGE_CATEGORY',
  /** JSON array of `{ queue: <source queue ARN>, dlq: <its DLQ URL> }`. */
  deadLetterQueues: 'LOVAGE_DLQ_URLS',
} as const;
