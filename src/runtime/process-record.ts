import type { Context, SQSRecord } from 'aws-lambda';
import type { Catalog, TaskDefinition, Tier } from '../catalog/index.js';
import { readTaskMessage } from '../protocol/celery/index.js';
import { MAX_SQS_DELAY_SECONDS } from '../protocol/delays.js';
import { type Envelope, EnvelopeError, isTaskId } from '../protocol/envelope.js';
import { fanOutBeatTick } from './beat-fanout.js';
import { toTaskError } from './classify.js';
import { sendToDeadLetter } from './dead-letter.js';
import { WrongCategoryError } from './errors.js';
import { execute } from './execute.js';
import type { Invocation } from './invocation.js';
import { RunLogger } from './logging.js';
import {
  fenceOf,
  type RunScope,
  recordOutcome,
  resendNextAttempt,
  resolveLostRun,
} from './outcome.js';
import type { RecordReads } from './record-reads.js';
import { redact } from './redact.js';
import type { Runtime } from './runtime.js';
import { judge, runsAlone, type Verdict } from './transitions.js';
import type { TaskHandler } from './types.js';

export interface RecordScope {
  readonly catalog: Catalog;
  readonly category: string;
  readonly table: Record<string, TaskHandler>;
  readonly runtime: Runtime;
  readonly context: Pick<Context, 'getRemainingTimeInMillis'>;
  readonly invocation: Invocation;
  /** Record reads of this invocation, batched into one BatchGetItem. */
  readonly reads: RecordReads;
}

/**
 * What became of a record: `done` once its message may be deleted; `alone`
 * when its task's last run took its worker down, so it must run after its
 * batch neighbours are done and their messages deleted.
 */
export type RecordOutcome = 'done' | 'alone';

/** How long a record of a message that never became a task is kept. */
const REJECT_TTL_SECONDS = 7 * 86_400;
/** Extra lease beyond the invocation's remaining time, for clock skew. */
export const LEASE_MARGIN_MS = 5_000;
/** An ETA this close is run now rather than re-delayed. */
const ETA_TOLERANCE_MS = 1_000;

/**
 * One SQS record, start to end: validate, honour expiry / ETA / rate limit,
 * claim attempt n, run, record the outcome. Resolves once the message may be
 * deleted (or with `alone`, see {@link RecordOutcome}); rejects, leaving the
 * message on the queue, only when AWS itself could not be reached.
 */
export async function processRecord(
  record: SQSRecord,
  scope: RecordScope,
  mode: { readonly alone: boolean } = { alone: false },
): Promise<RecordOutcome> {
  const { catalog, category, runtime } = scope;
  let envelope: Envelope | undefined;
  let definition: TaskDefinition;
  let args: unknown;
  try {
    envelope = readTaskMessage(record, {
      tierOf: (arn) => runtime.redelivery.tierOf(arn) as Tier | undefined,
    });
    // A task's category is its name's prefix (the catalog enforces it), so a task of another
    // category is known as such even by a function that was given only its own category.
    if (!envelope.task.startsWith(`${category}.`)) {
      throw new WrongCategoryError(envelope.task, category);
    }
    definition = catalog.task(envelope.task);
    const tier = runtime.redelivery.tierOf(record.eventSourceARN);
    if (tier && envelope.tier !== tier) {
      throw new EnvelopeError(
        `tier '${envelope.tier}' does not match the queue the message arrived on ('${tier}'); send it to that tier's queue`,
        { taskId: envelope.id, taskName: envelope.task },
      );
    }
    args = catalog.parseArgs(envelope.task, envelope.args);
  } catch (error) {
    await rejectMessage(record, error as Error, scope, envelope);
    return 'done';
  }
  if (
    await fanOutBeatTick(catalog, envelope, record.eventSourceARN, runtime.sqs, (arn) =>
      runtime.redelivery.queueUrl(arn),
    )
  )
    return 'done';

  const logger = new RunLogger(
    runtime.logger,
    {
      taskId: envelope.id,
      task: envelope.task,
      attempt: envelope.attempt,
      // Tasks sent without one are correlated by their own id, so every line has one.
      correlationId: envelope.correlationId ?? envelope.rootId ?? envelope.id,
    },
    runtime.telemetry.lines,
  );
  const now = Date.now();
  const tracked = definition.trackStarted && !definition.ignoreResult;
  const leaseMs = scope.context.getRemainingTimeInMillis() + LEASE_MARGIN_MS;
  const run: RunScope = { record, envelope, definition, tracked, logger, runtime, leaseMs };
  const ttlSeconds = definition.resultTtlSeconds;

  if (envelope.expires && Date.parse(envelope.expires) <= now) {
    const claim = await runtime.records.enter(envelope, 'EXPIRED', { ttlSeconds, now });
    if (!claim.claimed) return refused(run, claim.verdict, claim.record);
    logger.info('task expired before it could run; not run', { expires: envelope.expires });
    return 'done';
  }

  if (envelope.eta && Date.parse(envelope.eta) - now > ETA_TOLERANCE_MS) {
    const current = await scope.reads.get(envelope.id);
    const verdict = judge(current, envelope.attempt, now);
    if (verdict.kind !== 'run') return refused(run, verdict, current);
    const delay = (Date.parse(envelope.eta) - now) / 1000;
    const sent = await runtime.redelivery.send(envelope, record.eventSourceARN, delay, now);
    if (sent.scheduleName) {
      const noted =
        (!current &&
          (await runtime.records.notePending(envelope, sent.scheduleName, ttlSeconds, now))) ||
        (await runtime.records.noteSchedule(envelope.id, envelope.attempt, sent.scheduleName));
      if (!noted) logger.warn('schedule not noted: the record moved on', { state: current?.state });
    }
    logger.info('task arrived before its ETA; delayed again', { eta: envelope.eta });
    return 'done';
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
      return 'done';
    }
  }

  // Untracked tasks write no STARTED; a read (batched with the batch's other reads) tells
  // whether this attempt is due.
  let hadRecord = true;
  if (tracked) {
    const claim = await runtime.records.enter(envelope, 'STARTED', {
      leaseMs,
      ttlSeconds,
      now,
      together: !mode.alone,
    });
    if (!claim.claimed) {
      if (claim.verdict.kind === 'run' && runsAlone(claim.record)) return 'alone';
      return refused(run, claim.verdict, claim.record);
    }
  } else {
    const current = await scope.reads.get(envelope.id);
    const verdict = judge(current, envelope.attempt, now);
    if (verdict.kind !== 'run') return refused(run, verdict, current);
    if (!mode.alone && runsAlone(current)) return 'alone';
    hadRecord = current !== undefined;
  }

  const handler = scope.table[envelope.task];
  if (!handler) throw new Error(`no handler registered for '${envelope.task}'`);
  if (logger.debugging) logger.debug('running task', { args: redact(args) });
  await scope.invocation.watch(run, async () => {
    const outcome = await execute({
      handler,
      args,
      envelope,
      definition,
      records: runtime.records,
      condition: fenceOf(run),
      ...(tracked ? {} : { leaseUntil: now + leaseMs }),
      logger,
      send: runtime.children.senderFor(catalog, category, envelope, logger),
    });
    await recordOutcome(outcome, run, { hadRecord });
  });
  return 'done';
}

/** This delivery may not run attempt n: do what the record says instead. */
async function refused(
  run: RunScope,
  verdict: Verdict,
  current: Parameters<typeof resolveLostRun>[1] | undefined,
): Promise<RecordOutcome> {
  const { logger, envelope } = run;
  switch (verdict.kind) {
    case 'finished':
      logger.info('duplicate delivery of a finished task acknowledged without running', {
        state: verdict.state,
      });
      return 'done';
    case 'stale':
      logger.info('copy of an earlier attempt acknowledged without running', {
        state: verdict.state,
        recordAttempt: verdict.attempt,
      });
      return 'done';
    case 'retried':
      // A first delivery is a duplicate; a redelivery may be the copy whose retry was never sent.
      if (receiveCount(run.record) > 1) await resendNextAttempt(run, verdict.eta);
      else logger.info('duplicate of an attempt that is already being retried; acknowledged');
      return 'done';
    case 'running':
      await defer(run, verdict.leaseUntil);
      return 'done';
    case 'lost':
      if (current) await resolveLostRun(run, current);
      return 'done';
    case 'run':
      // The record changed between the write and its refusal: look again shortly.
      await defer(run, Date.now());
      logger.info('the record changed under this delivery; deferred', {
        attempt: envelope.attempt,
      });
      return 'done';
  }
}

/**
 * Another delivery holds attempt n's lease: the message comes back when the
 * lease ends (re-sent with a delay, not left on the queue, so waiting never
 * counts toward maxReceiveCount). If that run died, this copy resolves it.
 */
async function defer(run: RunScope, leaseUntil: number): Promise<void> {
  const wait = Math.min(
    MAX_SQS_DELAY_SECONDS,
    Math.max(1, Math.ceil((leaseUntil - Date.now()) / 1000) + 1),
  );
  run.logger.info('task is running in another delivery; deferred', { retryInSeconds: wait });
  await run.runtime.redelivery.send(run.envelope, run.record.eventSourceARN, wait);
}

function receiveCount(record: SQSRecord): number {
  return Number(record.attributes?.ApproximateReceiveCount ?? 1);
}

/**
 * A message that can never run: dead-letter it with the reason, then record
 * the failure — but only under ids that pass the id rule and have no record
 * yet, so a stray bad copy never touches a live task. A failure to record
 * never keeps the message looping: the letter is what counts. A refused
 * Celery chain or chord also fails the ids its Python caller waits on.
 */
async function rejectMessage(
  record: SQSRecord,
  caught: Error,
  scope: RecordScope,
  parsed: Envelope | undefined,
): Promise<void> {
  const { runtime, catalog } = scope;
  const error = toTaskError(caught);
  // The parsed envelope first: a Celery body is base64, so peeking at it finds nothing.
  const known: { id?: string; task?: string; source?: string } = parsed
    ? parsed
    : caught instanceof EnvelopeError
      ? { id: caught.taskId, task: caught.taskName, source: caught.source }
      : peek(record.body);
  const id = known.id !== undefined && isTaskId(known.id) ? known.id : undefined;
  const task =
    known.task !== undefined &&
    (catalog.tasks.has(known.task) || caught instanceof WrongCategoryError)
      ? known.task
      : undefined;
  const related = caught instanceof EnvelopeError ? caught.relatedIds.filter(isTaskId) : [];
  runtime.logger.error('message rejected before running', {
    messageId: record.messageId,
    ...(id ? { taskId: id } : {}),
    error: caught,
  });
  await sendToDeadLetter(runtime.sqs, runtime.deadLetterUrl(record.eventSourceARN), {
    body: record.body,
    error,
    reason: 'the message can never run, so it is not retried',
    attempts: 0,
    ...(id ? { taskId: id } : {}),
    ...(task ? { taskName: task } : {}),
  });
  const now = new Date().toISOString();
  const tier = runtime.redelivery.tierOf(record.eventSourceARN) ?? 'unknown';
  for (const each of id ? [id, ...related] : related) {
    try {
      await runtime.records.rejectUnstarted(
        {
          id: each,
          task: each === id ? (task ?? 'unknown') : 'unknown',
          tier,
          createdAt: now,
          source: known.source ?? 'unknown',
          // A rejected workflow step still reports to its workflow (through the task stream).
          ...(each === id && parsed?.workflowId ? { workflowId: parsed.workflowId } : {}),
        },
        error,
        REJECT_TTL_SECONDS,
      );
    } catch (failure) {
      runtime.logger.warn('rejected message not recorded; its dead letter says why', {
        taskId: each,
        error: failure as Error,
      });
    }
  }
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
