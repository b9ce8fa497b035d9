import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Catalog } from '../catalog/index.js';
import { WORKER_ENV } from '../protocol/env.js';
import { Redelivery, type TierQueue } from './delivery.js';
import { processRecord } from './process-record.js';
import { RateLimiter } from './rate-limit.js';
import type { Runtime } from './runtime.js';
import { TaskRecords } from './task-records.js';
import { Telemetry } from './telemetry.js';
import type { TaskHandler, TaskHandlers } from './types.js';

/** What a worker talks to; built from the environment unless a test passes its own. */
export interface WorkerDependencies {
  readonly records: TaskRecords;
  readonly sqs: SQSClient;
  readonly logger: Logger;
  /** Source queue ARN -> DLQ URL. */
  readonly deadLetterQueues: ReadonlyMap<string, string>;
  /**
   * Re-sends retries, deferrals and early ETAs.
   * @default re-sends through `sqs` to the queue a message came from; no delays over 900 s
   */
  readonly redelivery?: Redelivery;
  /**
   * Metrics of each run (lifecycle events come from the task stream observer).
   * @default Powertools EMF metrics on stdout
   */
  readonly telemetry?: Telemetry;
  /**
   * Rate-limit counters.
   * @default counters in the records' table
   */
  readonly rateLimiter?: RateLimiter;
  /**
   * Source of randomness for backoff jitter.
   * @default Math.random
   */
  readonly random?: () => number;
}

export type WorkerHandler = (
  event: SQSEvent,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
) => Promise<SQSBatchResponse>;

/**
 * Builds the Lambda handler of one category: validates each message, runs its
 * task once per task id with the catalog's retry, time-limit, rate-limit and
 * result options, records every transition, and returns a partial batch
 * response so one bad record never fails its neighbours.
 *
 * @example
 * export const handler = createWorker(catalog, 'email', {
 *   'email.send': sendEmail,
 *   'email.check_quota': checkQuota,
 * });
 */
export function createWorker<
  K extends Catalog,
  Cat extends keyof NonNullable<K['__categories']> & string,
>(
  catalog: K,
  category: Cat,
  handlers: TaskHandlers<K, Cat>,
  dependencies?: WorkerDependencies,
): WorkerHandler {
  catalog.category(category);
  let runtime: Runtime | undefined;
  const table = handlers as unknown as Record<string, TaskHandler>;

  return async (event, context) => {
    runtime ??= resolveRuntime(dependencies ?? dependenciesFromEnvironment());
    const resolved = runtime;
    const settled = await Promise.allSettled(
      event.Records.map((record) =>
        processRecord(record, { catalog, category, table, runtime: resolved, context }),
      ),
    );
    const batchItemFailures = settled.flatMap((outcome, i) => {
      if (outcome.status === 'fulfilled') return [];
      const record = event.Records[i] as SQSRecord;
      resolved.logger.error('record left on the queue for another delivery', {
        messageId: record.messageId,
        error: outcome.reason as Error,
      });
      return [{ itemIdentifier: record.messageId }];
    });
    return { batchItemFailures };
  };
}

function resolveRuntime(deps: WorkerDependencies): Runtime {
  return {
    records: deps.records,
    sqs: deps.sqs,
    logger: deps.logger,
    redelivery: deps.redelivery ?? new Redelivery(deps.sqs, []),
    telemetry: deps.telemetry ?? new Telemetry(),
    rateLimiter: deps.rateLimiter ?? new RateLimiter(deps.records.db, deps.records.tableName),
    random: deps.random ?? Math.random,
    deadLetterUrl(sourceArn) {
      const url = deps.deadLetterQueues.get(sourceArn);
      if (!url) throw new Error(`no DLQ configured for ${sourceArn}`);
      return url;
    },
  };
}

function dependenciesFromEnvironment(): WorkerDependencies {
  const tableName = requireEnv(WORKER_ENV.table);
  const pairs = JSON.parse(requireEnv(WORKER_ENV.deadLetterQueues)) as {
    queue: string;
    dlq: string;
  }[];
  const queues = JSON.parse(requireEnv(WORKER_ENV.queues)) as TierQueue[];
  // Queue URLs come from the stack; the endpoint (real or emulated) decides where calls go.
  const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
  const logger = new Logger();
  return {
    records: new TaskRecords(
      DynamoDBDocumentClient.from(new DynamoDBClient({}), {
        marshallOptions: { removeUndefinedValues: true },
      }),
      tableName,
    ),
    sqs,
    logger,
    deadLetterQueues: new Map(pairs.map((p) => [p.queue, p.dlq])),
    redelivery: new Redelivery(sqs, queues, {
      scheduler: new SchedulerClient({}),
      groupName: requireEnv(WORKER_ENV.delayScheduleGroup),
      roleArn: requireEnv(WORKER_ENV.delayRoleArn),
    }),
  };
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(`environment variable ${name} is not set; the stack sets it on every worker`);
  return value;
}
