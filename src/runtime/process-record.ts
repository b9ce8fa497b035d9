import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSRecord } from 'aws-lambda';
import type { Catalog, TaskDefinition } from '../catalog/index.js';
import { readTaskMessage } from '../protocol/celery/index.js';
import { MAX_SQS_DELAY_SECONDS } from '../protocol/delays.js';
import { type Envelope, EnvelopeError } from '../protocol/envelope.js';
import { FINISHED_STATES } from '../protocol/records.js';
import { fanOutBeatTick } from './beat-fanout.js';
import { toTaskError } from './classify.js';
import { sendToDeadLetter } from './dead-letter.js';
import { WrongCategoryError } from './errors.js';
import { execute } from './execute.js';
import { recordOutcome } from './outcome.js';
import { redact } from './redact.js';
import type { Runtime } from './runtime.js';
import type { TaskHandler } from './types.js';

export interface RecordScope {
  readonly catalog: Catalog;
  readonly category: string;
  readonly table: Record<string, TaskHandler>;
  readonly runtime: Runtime;
  readonly context: Pick<Context, 'getRemainingTimeInMillis'>;
}

/** How long a record of a message that never became a task is kept. */
const REJECT_TTL_SECONDS = 7 * 86_400;
/** Extra lease beyond the invocation's remaining time, for clock skew. */
const LEASE_MARGIN_MS = 5_000;
/** An ETA this close is run now rather than re-delayed. */
const ETA_TOLERANCE_MS = 1_000;

/**
 * One SQS record, start to end: validate, honour expiry / ETA / rate limit,
 * claim, run, record the outcome. Resolves once the message may be deleted;
 * rejects (leaving it on the queue) only when AWS itself could not be reached.
 */
export async function processRecord(record: SQSRecord, scope: RecordScope): Promise<void> {
  const { catalog, category, runtime } = scope;
  let envelope: Envelope;
  let definition: TaskDefinition;
  let args: unknown;
  try {
    envelope = readTaskMessage(record);
    definition = catalog.task(envelope.task);
    if (definition.category !== category) throw new WrongCategoryError(envelope.task, category);
    args = catalog.parseArgs(envelope.task, envelope.args);
  } catch (error) {
    await rejectMessage(record, error as Error, runtime);
    return;
  }
  if (
    await fanOutBeatTick(catalog, envelope, record.eventSourceARN, runtime.sqs, (arn) =>
      runtime.redelivery.queueUrl(arn),
    )
  )
    return;

  const logger = runtime.logger.createChild({
    persistentKeys: {
      taskId: envelope.id,
      task: envelope.task,
      attempt: envelope.attempt,
      // Tasks sent without one are correlated by their own id, so every line has one.
      correlationId: envelope.correlationId ?? envelope.rootId ?? envelope.id,
    },
  });
  const now = Date.now();
  const ttlSeconds = definition.resultTtlSeconds;

  if (envelope.expires && Date.parse(envelope.expires) <= now) {
    const outcome = await runtime.records.enter(envelope, 'EXPIRED', { ttlSeconds, now });
    if (outcome.kind === 'running')
      return defer(record, envelope, outcome.leaseUntil, scope, logger);
    logger.info('task expired before it could run; not run', {
      expires: envelope.expires,
      ...(outcome.kind === 'finished' ? { state: outcome.state } : {}),
    });
    return;
  }

  if (envelope.eta && Date.parse(envelope.eta) - now > ETA_TOLERANCE_MS) {
    const current = await runtime.records.get(envelope.id);
    if (current && FINISHED_STATES.includes(current.state)) {
      logger.info('task finished before its ETA; not run', { state: current.state });
      return;
    }
    const delay = (Date.parse(envelope.eta) - now) / 1000;
    const sent = await runtime.redelivery.send(envelope, record.eventSourceARN, delay, now);
    if (sent.scheduleName) await runtime.records.noteSchedule(envelope.id, sent.scheduleName);
    logger.info('task arrived before its ETA; delayed again', { eta: envelope.eta });
    return;
  }

  if (definition.rateLimitWindow) {
    const rate = await runtime.rateLimiter.acquire(envelope.task, definition.rateLimitWindow, now);
    if (!rate.granted) {
      // Re-sent unchanged (same attempt), so a deferral never uses up a retry.
      await runtime.redelivery.send(envelope, record.eventSourceARN, rate.retryInSeconds, now);
      logger.info('rate limit reached; deferred', {
        rateLimit: definition.rateLimit,
        retryInSeconds: rate.retryInSeconds,
      });
      return;
    }
  }

  // ignoreResult writes nothing on success, so it cannot claim either.
  const tracked = definition.trackStarted && !definition.ignoreResult;
  if (tracked) {
    const leaseMs = scope.context.getRemainingTimeInMillis() + LEASE_MARGIN_MS;
    const claim = await runtime.records.enter(envelope, 'STARTED', { leaseMs, ttlSeconds, now });
    if (claim.kind === 'finished') {
      logger.info('duplicate delivery of a finished task acknowledged without running', {
        state: claim.state,
      });
      return;
    }
    if (claim.kind === 'running') return defer(record, envelope, claim.leaseUntil, scope, logger);
  } else {
    const current = await runtime.records.get(envelope.id);
    if (current && FINISHED_STATES.includes(current.state)) {
      logger.info('task already finished; not run', { state: current.state });
      return;
    }
  }

  const handler = scope.table[envelope.task];
  if (!handler) throw new Error(`no handler registered for '${envelope.task}'`);
  logger.debug('running task', { args: redact(args) });
  const run = await execute({
    handler,
    args,
    envelope,
    definition,
    records: runtime.records,
    tracked,
    logger,
  });
  await recordOutcome(run, { record, envelope, definition, tracked, logger, runtime });
}

/**
 * Another delivery holds the task's lease: the message comes back when the
 * lease ends (re-sent with a delay, not left on the queue, so waiting never
 * counts toward maxReceiveCount). If that run died, this copy takes over.
 */
async function defer(
  record: SQSRecord,
  envelope: Envelope,
  leaseUntil: number,
  scope: RecordScope,
  logger: Logger,
): Promise<void> {
  const wait = Math.min(
    MAX_SQS_DELAY_SECONDS,
    Math.max(1, Math.ceil((leaseUntil - Date.now()) / 1000) + 1),
  );
  logger.info('task is running in another delivery; deferred', { retryInSeconds: wait });
  await scope.runtime.redelivery.send(envelope, record.eventSourceARN, wait);
}

/** A message that can never run: record what is known, dead-letter it with the reason. */
async function rejectMessage(record: SQSRecord, caught: Error, runtime: Runtime): Promise<void> {
  const error = toTaskError(caught);
  const known =
    caught instanceof EnvelopeError
      ? { id: caught.taskId, task: caught.taskName }
      : peek(record.body);
  runtime.logger.error('message rejected before running', {
    messageId: record.messageId,
    taskId: known.id,
    error: caught,
  });
  if (known.id) {
    const now = new Date().toISOString();
    await runtime.records.rejectUnstarted(
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
  await sendToDeadLetter(runtime.sqs, runtime.deadLetterUrl(record.eventSourceARN), {
    body: record.body,
    error,
    reason: 'the message can never run, so it is not retried',
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
