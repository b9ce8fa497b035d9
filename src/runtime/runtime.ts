import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { ChildTasks } from './children.js';
import type { Redelivery } from './delivery.js';
import type { RateLimiter } from './rate-limit.js';
import type { TaskRecords } from './task-records.js';
import type { Telemetry } from './telemetry.js';

/** Everything a worker uses to process one record, resolved from its dependencies. */
export interface Runtime {
  readonly records: TaskRecords;
  readonly sqs: SQSClient;
  readonly logger: Logger;
  readonly redelivery: Redelivery;
  readonly telemetry: Telemetry;
  readonly rateLimiter: RateLimiter;
  readonly random: () => number;
  /** Sends what tasks queue with `ctx.send`. */
  readonly children: ChildTasks;
  /** The DLQ URL of the queue a record came from. */
  deadLetterUrl(sourceArn: string): string;
}
