import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { DeleteMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Catalog } from '../catalog/index.js';
import { WORKER_ENV } from '../protocol/env.js';
import { withoutSdkLogging } from '../sdk-logging.js';
import { ChildTasks } from './children.js';
import { Redelivery, type TierQueue } from './delivery.js';
import { Invocation } from './invocation.js';
import { TaskLines } from './logging.js';
import { processRecord, type RecordScope } from './process-record.js';
import { RateLimiter } from './rate-limit.js';
import { RecordReads } from './record-reads.js';
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
   * Metrics of each run (lifecycle events come from the task stream observer),
   * and each succeeded run's log line.
   * @default EMF metrics on stdout, and the "task succeeded" lines built by
   *   {@link TaskLines} in the format of `logger` with Powertools' default
   *   formatter (pass `new Telemetry()` to have those lines go through
   *   `logger` itself, e.g. with a custom log formatter)
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
  /**
   * Sends `ctx.send` children.
   * @default sends to no queue (every `ctx.send` fails with ChildSendError)
   */
  readonly children?: ChildTasks;
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
  const { timeoutSeconds } = catalog.category(category);
  let runtime: Runtime | undefined;
  const table = handlers as unknown as Record<string, TaskHandler>;

  return async (event, context) => {
    runtime ??= resolveRuntime(dependencies ?? dependenciesFromEnvironment());
    const resolved = runtime;
    const flush = () => resolved.telemetry.flush(resolved.logger);
    const invocation = new Invocation(context, timeoutSeconds, resolved.logger, flush);
    const scope: RecordScope = {
      catalog,
      category,
      table,
      runtime: resolved,
      context,
      invocation,
      reads: new RecordReads(resolved.records),
    };
    invocation.start();
    try {
      return await runBatch(event.Records, scope);
    } finally {
      invocation.stop();
      // One EMF write per invocation, for every run it finished.
      flush();
    }
  };
}

/**
 * Share of an invocation's time that must be left for a lone run: one whose
 * task's last run took its worker down gets (almost) a whole invocation.
 */
const LONE_RUN_TIME_SHARE = 0.8;

/**
 * Runs a batch: every record together; then at most one record whose task's
 * last run took its worker down (a crash, a hang), alone: the messages
 * already handled are deleted first, so if it takes the worker down again
 * only its own message comes back, never a neighbour's. It runs only while
 * most of the invocation's time is left; other such records are re-sent
 * (uncounted by maxReceiveCount) to run alone in another invocation.
 */
async function runBatch(records: readonly SQSRecord[], scope: RecordScope) {
  const failed: SQSRecord[] = [];
  const handled: SQSRecord[] = [];
  const alone: SQSRecord[] = [];
  const settled = await Promise.allSettled(records.map((r) => processRecord(r, scope)));
  settled.forEach((outcome, i) => {
    const record = records[i] as SQSRecord;
    if (outcome.status === 'rejected') {
      failed.push(record);
      logLeftOnQueue(scope, record, outcome.reason);
    } else if (outcome.value === 'alone') alone.push(record);
    else handled.push(record);
  });
  const timeLeft = scope.context.getRemainingTimeInMillis();
  const lone =
    timeLeft >= LONE_RUN_TIME_SHARE * scope.invocation.startRemainingMs ? alone.shift() : undefined;
  for (const record of alone) {
    try {
      await scope.runtime.redelivery.resend(record, 0);
      handled.push(record);
    } catch (error) {
      failed.push(record);
      logLeftOnQueue(scope, record, error);
    }
  }
  if (lone) {
    // The lone run may take the worker down: what its neighbours did is written first.
    scope.runtime.telemetry.flush(scope.runtime.logger);
    await deleteHandled(scope, handled.splice(0));
    try {
      await processRecord(lone, scope, { alone: true });
    } catch (error) {
      failed.push(lone);
      logLeftOnQueue(scope, lone, error);
    }
  }
  return { batchItemFailures: failed.map((r) => ({ itemIdentifier: r.messageId })) };
}

function logLeftOnQueue(scope: RecordScope, record: SQSRecord, error: unknown): void {
  scope.runtime.logger.error('record left on the queue for another delivery', {
    messageId: record.messageId,
    error: error as Error,
  });
}

/**
 * Deletes handled messages now rather than when the batch returns. If a
 * deletion fails the message comes back later and is acknowledged then as
 * the duplicate of a finished attempt; nothing runs twice.
 */
async function deleteHandled(scope: RecordScope, records: readonly SQSRecord[]): Promise<void> {
  const { runtime } = scope;
  const byQueue = new Map<string, SQSRecord[]>();
  for (const record of records) {
    const list = byQueue.get(record.eventSourceARN) ?? [];
    list.push(record);
    byQueue.set(record.eventSourceARN, list);
  }
  for (const [arn, list] of byQueue) {
    for (let i = 0; i < list.length; i += 10) {
      const entries = list.slice(i, i + 10).map((r, j) => ({
        Id: String(j),
        ReceiptHandle: r.receiptHandle,
      }));
      try {
        await runtime.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: runtime.redelivery.queueUrl(arn),
            Entries: entries,
          }),
        );
      } catch (error) {
        runtime.logger.warn('could not delete handled messages early', { error: error as Error });
      }
    }
  }
}

function resolveRuntime(deps: WorkerDependencies): Runtime {
  return {
    records: deps.records,
    sqs: deps.sqs,
    logger: deps.logger,
    redelivery: deps.redelivery ?? new Redelivery(deps.sqs, []),
    telemetry: deps.telemetry ?? new Telemetry({ lines: new TaskLines(deps.logger) }),
    rateLimiter: deps.rateLimiter ?? new RateLimiter(deps.records.db, deps.records.tableName),
    random: deps.random ?? Math.random,
    children: deps.children ?? new ChildTasks(deps.sqs, {}),
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
  const sqs = withoutSdkLogging(new SQSClient({ useQueueUrlAsEndpoint: false }));
  const logger = new Logger();
  return {
    records: new TaskRecords(
      DynamoDBDocumentClient.from(withoutSdkLogging(new DynamoDBClient({})), {
        marshallOptions: { removeUndefinedValues: true },
      }),
      tableName,
    ),
    sqs,
    logger,
    deadLetterQueues: new Map(pairs.map((p) => [p.queue, p.dlq])),
    redelivery: new Redelivery(sqs, queues, {
      scheduler: withoutSdkLogging(new SchedulerClient({})),
      groupName: requireEnv(WORKER_ENV.delayScheduleGroup),
      roleArn: requireEnv(WORKER_ENV.delayRoleArn),
    }),
    children: new ChildTasks(sqs, {
      ...(JSON.parse(process.env[WORKER_ENV.sendQueues] ?? '{}') as Record<string, string>),
      ...Object.fromEntries(
        queues.map((q) => [`${requireEnv(WORKER_ENV.category)}/${q.tier}`, q.url]),
      ),
    }),
  };
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(`environment variable ${name} is not set; the stack sets it on every worker`);
  return value;
}
