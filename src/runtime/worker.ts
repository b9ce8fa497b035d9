import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Catalog, TaskDefinition } from '../catalog/index.js';
import { WORKER_ENV } from '../protocol/env.js';
import { type Envelope, EnvelopeError, parseEnvelope } from '../protocol/envelope.js';
import type { TaskError } from '../protocol/records.js';
import { fanOutBeatTick } from './beat-fanout.js';
import { sendToDeadLetter } from './dead-letter.js';
import { WrongCategoryError } from './errors.js';
import { TaskRecords } from './task-records.js';
import type { TaskHandler, TaskHandlers } from './types.js';

/** What a worker talks to; built from the environment unless a test passes its own. */
export interface WorkerDependencies {
  readonly records: TaskRecords;
  readonly sqs: SQSClient;
  readonly logger: Logger;
  /** Source queue ARN -> DLQ URL. */
  readonly deadLetterQueues: ReadonlyMap<string, string>;
}

export type WorkerHandler = (
  event: SQSEvent,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
) => Promise<SQSBatchResponse>;

/** How long a record of a message that never became a task is kept. */
const REJECT_TTL_SECONDS = 7 * 86_400;
/** Extra lease beyond the invocation's remaining time, for clock skew. */
const LEASE_MARGIN_MS = 5_000;

/**
 * Builds the Lambda handler of one category: validates each message, runs its
 * task once per task id, records the outcome, and returns a partial batch
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
  let deps = dependencies;
  const table = handlers as unknown as Record<string, TaskHandler>;

  return async (event, context) => {
    deps ??= dependenciesFromEnvironment();
    const resolved = deps;
    const settled = await Promise.allSettled(
      event.Records.map((record) =>
        processRecord(record, { catalog, category, table, deps: resolved, context }),
      ),
    );
    const batchItemFailures = settled.flatMap((outcome, i) => {
      const record = event.Records[i] as SQSRecord;
      if (outcome.status === 'fulfilled')
        return outcome.value === 'retry' ? [{ itemIdentifier: record.messageId }] : [];
      resolved.logger.error('record left on the queue for another delivery', {
        messageId: record.messageId,
        error: outcome.reason as Error,
      });
      return [{ itemIdentifier: record.messageId }];
    });
    return { batchItemFailures };
  };
}

interface RecordScope {
  readonly catalog: Catalog;
  readonly category: string;
  readonly table: Record<string, TaskHandler>;
  readonly deps: WorkerDependencies;
  readonly context: Pick<Context, 'getRemainingTimeInMillis'>;
}

/** 'done' acknowledges the message; 'retry' leaves it on the queue. */
async function processRecord(record: SQSRecord, scope: RecordScope): Promise<'done' | 'retry'> {
  const { catalog, category, deps } = scope;
  let envelope: Envelope;
  let definition: TaskDefinition;
  let args: unknown;
  try {
    envelope = parseEnvelope(record.body, record.messageId);
    definition = catalog.task(envelope.task);
    if (definition.category !== category) throw new WrongCategoryError(envelope.task, category);
    args = catalog.parseArgs(envelope.task, envelope.args);
  } catch (error) {
    await rejectMessage(record, error as Error, scope);
    return 'done';
  }

  if (await fanOutBeatTick(catalog, envelope, record.eventSourceARN, deps.sqs)) return 'done';

  const logger = deps.logger.createChild({
    persistentKeys: {
      taskId: envelope.id,
      task: envelope.task,
      attempt: envelope.attempt,
      ...(envelope.correlationId ? { correlationId: envelope.correlationId } : {}),
    },
  });
  const leaseMs = scope.context.getRemainingTimeInMillis() + LEASE_MARGIN_MS;
  const claim = await deps.records.claim(envelope, leaseMs, definition.resultTtlSeconds);
  if (claim.kind === 'finished') {
    logger.info('duplicate delivery of a finished task acknowledged without running', {
      state: claim.state,
    });
    return 'done';
  }
  if (claim.kind === 'running') {
    const waitSeconds = Math.min(
      43_200,
      Math.max(1, Math.ceil((claim.leaseUntil - Date.now()) / 1000)),
    );
    logger.info('task is running in another delivery; deferred', { retryInSeconds: waitSeconds });
    await deps.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrlOf(record.eventSourceARN),
        ReceiptHandle: record.receiptHandle,
        VisibilityTimeout: waitSeconds,
      }),
    );
    return 'retry';
  }

  const handler = scope.table[envelope.task];
  if (!handler) throw new Error(`no handler registered for '${envelope.task}'`);
  const started = Date.now();
  let result: unknown;
  try {
    result = await handler(args, {
      id: envelope.id,
      task: envelope.task,
      attempt: envelope.attempt,
      correlationId: envelope.correlationId,
      signal: new AbortController().signal,
      logger,
    });
  } catch (caught) {
    const error = toTaskError(caught);
    logger.error('task failed', { error: caught as Error, durationMs: Date.now() - started });
    await deps.records.fail(envelope.id, error, definition.resultTtlSeconds);
    await sendToDeadLetter(deps.sqs, deadLetterUrl(record, deps), {
      body: record.body,
      error,
      taskId: envelope.id,
      taskName: envelope.task,
      attempts: envelope.attempt,
    });
    return 'done';
  }
  await deps.records.succeed(envelope.id, result, definition.resultTtlSeconds);
  logger.info('task succeeded', { durationMs: Date.now() - started });
  return 'done';
}

/** A message that can never run: record what is known, dead-letter it with the reason. */
async function rejectMessage(record: SQSRecord, caught: Error, scope: RecordScope): Promise<void> {
  const { deps } = scope;
  const error = toTaskError(caught);
  const known =
    caught instanceof EnvelopeError
      ? { id: caught.taskId, task: caught.taskName }
      : peek(record.body);
  deps.logger.error('message rejected before running', {
    messageId: record.messageId,
    taskId: known.id,
    error: caught,
  });
  if (known.id) {
    const now = new Date().toISOString();
    await deps.records.rejectUnstarted(
      {
        id: known.id,
        task: known.task ?? 'unknown',
        tier: 'unknown',
        createdAt: now,
        source: 'unknown',
      },
      error,
      REJECT_TTL_SECONDS,
    );
  }
  await sendToDeadLetter(deps.sqs, deadLetterUrl(record, deps), {
    body: record.body,
    error,
    ...(known.id ? { taskId: known.id } : {}),
    ...(known.task ? { taskName: known.task } : {}),
  });
}

/** Id and task name of a body that parsed as an envelope but failed later checks. */
function peek(body: string): { id?: string; task?: string } {
  try {
    const parsed = JSON.parse(body) as { id?: unknown; task?: unknown };
    return {
      ...(typeof parsed.id === 'string' ? { id: parsed.id } : {}),
      ...(typeof parsed.task === 'string' ? { task: parsed.task } : {}),
    };
  } catch {
    return {};
  }
}

function toTaskError(caught: unknown): TaskError {
  if (caught instanceof Error) return { type: caught.name || 'Error', message: caught.message };
  return { type: 'NonErrorThrown', message: String(caught) };
}

function deadLetterUrl(record: SQSRecord, deps: WorkerDependencies): string {
  const url = deps.deadLetterQueues.get(record.eventSourceARN);
  if (!url) throw new Error(`no DLQ configured for ${record.eventSourceARN}`);
  return url;
}

/** arn:aws:sqs:<region>:<account>:<name> -> the queue URL the SDK resolves from the endpoint. */
function queueUrlOf(arn: string): string {
  const [, partition, , region, account, name] = arn.split(':');
  const endpoint = process.env.AWS_ENDPOINT_URL_SQS ?? process.env.AWS_ENDPOINT_URL;
  if (endpoint) return `${endpoint.replace(/\/$/, '')}/${account}/${name}`;
  const suffix = partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://sqs.${region}.${suffix}/${account}/${name}`;
}

function dependenciesFromEnvironment(): WorkerDependencies {
  const tableName = requireEnv(WORKER_ENV.table);
  const pairs = JSON.parse(requireEnv(WORKER_ENV.deadLetterQueues)) as {
    queue: string;
    dlq: string;
  }[];
  return {
    records: new TaskRecords(DynamoDBDocumentClient.from(new DynamoDBClient({})), tableName),
    sqs: new SQSClient({ useQueueUrlAsEndpoint: false }),
    logger: new Logger(),
    deadLetterQueues: new Map(pairs.map((p) => [p.queue, p.dlq])),
  };
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(`environment variable ${name} is not set; the stack sets it on every worker`);
  return value;
}
