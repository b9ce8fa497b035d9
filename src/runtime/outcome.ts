import type { SQSRecord } from 'aws-lambda';
import type { TaskDefinition } from '../catalog/types.js';
import type { Envelope } from '../protocol/envelope.js';
import type { TaskError, TaskRecord } from '../protocol/records.js';
import { retryDelaySeconds } from './backoff.js';
import { decideRetry, toTaskError } from './classify.js';
import { sendToDeadLetter } from './dead-letter.js';
import { ResultNotStorableError, TimeLimitExceededError, WorkerLostError } from './errors.js';
import type { Execution } from './execute.js';
import type { RunLogger } from './logging.js';
import { decideRequestedRetry, RetryRequestedError } from './retry-request.js';
import type { Runtime } from './runtime.js';
import type { RunOutcome } from './telemetry.js';
import {
  type Condition,
  lostRunCondition,
  runningCondition,
  untrackedCondition,
} from './transitions.js';

/**
 * Largest result stored, as JSON: a task record is one DynamoDB item (at
 * most 400 KB) that also holds the task's history and error.
 */
export const MAX_RESULT_BYTES = 300_000;

/** One attempt of one task, as a delivery handles it. */
export interface RunScope {
  readonly record: SQSRecord;
  readonly envelope: Envelope;
  readonly definition: TaskDefinition;
  /** Whether the run claimed STARTED (`trackStarted` and not `ignoreResult`). */
  readonly tracked: boolean;
  readonly logger: RunLogger;
  readonly runtime: Runtime;
  /** Milliseconds this delivery's lease lasts: until its invocation has certainly ended. */
  readonly leaseMs: number;
}

/** The condition every write of this run is fenced by: attempt n is the one running here. */
export function fenceOf(scope: Pick<RunScope, 'envelope' | 'tracked'>): Condition {
  return scope.tracked
    ? runningCondition(scope.envelope.attempt)
    : untrackedCondition(scope.envelope.attempt);
}

/**
 * Records what a run came to: SUCCESS (nothing with ignoreResult unless the
 * task already had a record), RETRY with attempt n + 1 sent, or FAILURE and
 * a dead letter. A write refused because the record moved on (revoked, or
 * the invocation's hard limit was recorded first) leaves it as it is.
 */
export async function recordOutcome(
  run: Execution,
  scope: RunScope,
  options: { readonly hadRecord: boolean },
): Promise<void> {
  const { envelope, definition, logger, runtime } = scope;
  if (run.ok) {
    if (definition.ignoreResult && !options.hadRecord) {
      logger.succeeded(run.durationMs);
      runtime.telemetry.record('succeeded', outcomeOf(scope, run.durationMs), logger);
      return;
    }
    const stored = storable(definition.ignoreResult ? null : run.result);
    if (!stored.ok) {
      return failForGood(scope, stored.error, 'the result cannot be stored, so it is not retried', {
        condition: fenceOf(scope),
        durationMs: run.durationMs,
      });
    }
    let write: Awaited<ReturnType<typeof runtime.records.settle>>;
    try {
      write = await runtime.records.settle(envelope, 'SUCCESS', fenceOf(scope), {
        ttlSeconds: definition.resultTtlSeconds,
        set: { result: stored.value, durationMs: run.durationMs },
      });
    } catch (error) {
      if ((error as Error).name !== 'ValidationException') throw error;
      const cause = new ResultNotStorableError(
        `DynamoDB refused the task record with its result: ${(error as Error).message}`,
      );
      return failForGood(scope, toTaskError(cause), 'the result cannot be stored', {
        condition: fenceOf(scope),
        durationMs: run.durationMs,
      });
    }
    if (!write.written) return leaveAlone(scope, write.current, 'result discarded');
    logger.succeeded(run.durationMs);
    runtime.telemetry.record('succeeded', outcomeOf(scope, run.durationMs), logger);
    return;
  }

  const error = toTaskError(run.error);
  if (error.type === 'TaskRevokedError') {
    await runtime.records.noteRevokedRun(envelope, error.message);
    logger.info('run stopped after a revoke', { durationMs: run.durationMs });
    return;
  }
  if (run.error instanceof RetryRequestedError) {
    // ctx.retry: the task's own countdown, counted against maxRetries (retry-request.ts).
    const asked = decideRequestedRetry(run.error, definition, envelope.attempt);
    const fence = { condition: fenceOf(scope), durationMs: run.durationMs };
    return asked.retry
      ? retryLater(scope, error, { ...fence, delaySeconds: asked.delaySeconds, note: asked.note })
      : failForGood(scope, asked.error, asked.reason, fence);
  }
  const decision = decideRetry(error, definition, envelope.attempt);
  if (decision.retry) {
    return retryLater(scope, error, { condition: fenceOf(scope), durationMs: run.durationMs });
  }
  return failForGood(scope, error, decision.reason, {
    condition: fenceOf(scope),
    durationMs: run.durationMs,
  });
}

/**
 * Attempt n failed and will be retried: RETRY (with the error and when the
 * next attempt is due) under `condition`, then attempt n + 1 sent after the
 * task's backoff (at least `minDelaySeconds`). If this delivery dies between
 * the two, a redelivered copy of attempt n finds RETRY at n and sends
 * attempt n + 1 again ({@link resendNextAttempt}); copies of n + 1 are
 * fenced, so only one of them runs.
 */
export async function retryLater(
  scope: RunScope,
  error: TaskError,
  options: {
    readonly condition: Condition;
    readonly durationMs?: number;
    readonly minDelaySeconds?: number;
    /** The delay the task asked for (`ctx.retry`), instead of its backoff. */
    readonly delaySeconds?: number;
    readonly note?: string;
  },
): Promise<void> {
  const { envelope, definition, logger, runtime } = scope;
  const backoff =
    options.delaySeconds ?? retryDelaySeconds(definition.backoff, envelope.attempt, runtime.random);
  const delay = Math.max(backoff, options.minDelaySeconds ?? 0);
  const retryAt = new Date(Date.now() + delay * 1000).toISOString();
  const note = `retry ${envelope.attempt} of ${definition.maxRetries} in ${delay} s`;
  const write = await runtime.records.settle(envelope, 'RETRY', options.condition, {
    ttlSeconds: definition.resultTtlSeconds,
    error,
    note: options.note ? `${options.note}; ${note}` : note,
    set: {
      eta: retryAt,
      ...(options.durationMs !== undefined ? { durationMs: options.durationMs } : {}),
    },
  });
  if (!write.written) return leaveAlone(scope, write.current, 'retry not sent');
  const scheduleName = await sendAttempt(scope, envelope.attempt + 1, delay);
  logger.warn('task failed; retry scheduled', {
    error,
    retryInSeconds: delay,
    ...(scheduleName ? { scheduleName } : {}),
  });
  runtime.telemetry.record(
    'retried',
    { ...outcomeOf(scope, options.durationMs ?? 0), error, retryInSeconds: delay },
    logger,
  );
}

/**
 * Attempt n fails for good. The dead letter is sent before FAILURE is
 * written, so a task is never FAILURE without its letter: first the error
 * and reason are left on the running record (so that a delivery that takes
 * over after this one died sends the letter instead of retrying), then the
 * letter, then FAILURE. An untracked run has no running record to mark: its
 * letter goes first, and if it dies before FAILURE a redelivery runs the
 * attempt again.
 */
export async function failForGood(
  scope: RunScope,
  error: TaskError,
  reason: string,
  options: {
    readonly condition: Condition;
    readonly durationMs?: number;
    /** Renew the lease with the mark: this delivery takes the run over. */
    readonly takeOver?: boolean;
  },
): Promise<void> {
  const { envelope, definition, tracked, logger, runtime } = scope;
  const marked = tracked || options.takeOver;
  if (marked) {
    const lease = options.takeOver ? { leaseUntil: Date.now() + scope.leaseMs } : {};
    const mark = await runtime.records.markFailing(
      envelope.id,
      { error, reason },
      options.condition,
      lease,
    );
    if (!mark.written) return leaveAlone(scope, mark.current, 'failure not recorded');
  }
  await sendToDeadLetter(runtime.sqs, runtime.deadLetterUrl(scope.record.eventSourceARN), {
    body: scope.record.body,
    error,
    reason,
    taskId: envelope.id,
    taskName: envelope.task,
    attempts: envelope.attempt,
  });
  const write = await runtime.records.settle(
    envelope,
    'FAILURE',
    marked ? runningCondition(envelope.attempt) : options.condition,
    {
      ttlSeconds: definition.resultTtlSeconds,
      error,
      note: reason,
      ...(options.durationMs !== undefined ? { set: { durationMs: options.durationMs } } : {}),
    },
  );
  if (!write.written) {
    // Revoked between the letter and the write: the letter stays for an operator to see.
    return leaveAlone(scope, write.current, 'failure not recorded after its dead letter was sent');
  }
  logger.error('task failed for good', { error, reason });
  runtime.telemetry.record(
    'failed',
    { ...outcomeOf(scope, options.durationMs ?? 0), error, reason },
    logger,
  );
}

/**
 * This copy found attempt n still STARTED or PROGRESS with its lease passed:
 * the delivery that ran it died (crash, out of memory) or was stopped at the
 * function timeout. The run counts as a failed attempt, retried or failed
 * for good by the task's policy — never run again here, beside this copy's
 * batch neighbours. A run that was already failing for good gets its letter.
 */
export async function resolveLostRun(scope: RunScope, current: TaskRecord): Promise<void> {
  const { envelope, definition, logger } = scope;
  const now = Date.now();
  const condition = lostRunCondition(envelope.attempt, now);
  if (current.failing) {
    logger.warn('the delivery failing this task died before it finished; completing it');
    return failForGood(scope, current.failing.error, current.failing.reason, {
      condition,
      takeOver: true,
    });
  }
  const leaseEnd = new Date(Number(current.leaseUntil ?? 0)).toISOString();
  const error = {
    type: 'WorkerLostError',
    message: new WorkerLostError(
      `attempt ${envelope.attempt} started at ${current.startedAt ?? '?'} ended without an outcome: its worker crashed, ran out of memory or was stuck past the function timeout (lease ended ${leaseEnd})`,
    ).message,
  };
  logger.warn('the run of this attempt was lost', { error });
  const decision = decideRetry(error, definition, envelope.attempt);
  if (decision.retry) return retryLater(scope, error, { condition, note: 'run lost' });
  return failForGood(scope, error, decision.reason, { condition, takeOver: true });
}

/**
 * The invocation is about to reach the function timeout with this run still
 * going: record it as failed with a {@link TimeLimitExceededError} while
 * there is time to, and make sure its next attempt cannot start before
 * Lambda has stopped this one.
 */
export async function resolveHardLimit(
  scope: RunScope,
  timeoutSeconds: number,
  remainingMs: number,
): Promise<void> {
  const { envelope, definition } = scope;
  const error = toTaskError(new TimeLimitExceededError(envelope.task, timeoutSeconds));
  const decision = decideRetry(error, definition, envelope.attempt);
  if (decision.retry) {
    return retryLater(scope, error, {
      condition: fenceOf(scope),
      minDelaySeconds: Math.ceil((remainingMs + scope.leaseMs) / 1000),
    });
  }
  return failForGood(scope, error, decision.reason, { condition: fenceOf(scope) });
}

/**
 * A redelivered copy of attempt n found RETRY at n: the delivery that wrote
 * it may have died before attempt n + 1 was sent. Sending it again is safe
 * (copies of n + 1 are fenced) and completes a retry chain that would
 * otherwise stop.
 */
export async function resendNextAttempt(scope: RunScope, eta: string | undefined): Promise<void> {
  const delay = eta ? Math.max(0, (Date.parse(eta) - Date.now()) / 1000) : 0;
  await sendAttempt(scope, scope.envelope.attempt + 1, delay);
  scope.logger.info('redelivered copy of a retried attempt; its next attempt sent again', {
    retryInSeconds: Math.ceil(delay),
  });
}

/** Sends attempt `attempt` to the queue the record came from; returns a schedule's name. */
async function sendAttempt(
  scope: RunScope,
  attempt: number,
  delaySeconds: number,
): Promise<string | undefined> {
  const { envelope, runtime } = scope;
  const next = { ...envelope, attempt };
  const sent = await runtime.redelivery.send(next, scope.record.eventSourceARN, delaySeconds);
  if (sent.scheduleName) {
    await runtime.records.noteSchedule(envelope.id, attempt, sent.scheduleName);
  }
  return sent.scheduleName;
}

/** The record moved on while the task ran (revoked, most likely): it keeps its state. */
function leaveAlone(scope: RunScope, current: TaskRecord | undefined, what: string): void {
  scope.logger.warn(`the task's record changed while it ran; ${what}`, {
    state: current?.state,
    recordAttempt: current?.attempt,
  });
}

function outcomeOf(scope: RunScope, durationMs: number): RunOutcome {
  const { envelope } = scope;
  return {
    id: envelope.id,
    task: envelope.task,
    tier: envelope.tier,
    attempt: envelope.attempt,
    durationMs,
    ...(envelope.correlationId ? { correlationId: envelope.correlationId } : {}),
  };
}

export type Storable = { ok: true; value: unknown } | { ok: false; error: TaskError };

/** The result as JSON would read it back, or why it cannot be stored. */
export function storable(result: unknown): Storable {
  let json: string | undefined;
  try {
    json = JSON.stringify(result ?? null);
  } catch (error) {
    return {
      ok: false,
      error: toTaskError(
        new ResultNotStorableError(
          `the result is not JSON-serialisable: ${(error as Error).message}`,
        ),
      ),
    };
  }
  if (json === undefined) return { ok: true, value: null };
  const bytes = Buffer.byteLength(json);
  if (bytes > MAX_RESULT_BYTES) {
    return {
      ok: false,
      error: toTaskError(
        new ResultNotStorableError(
          `the result is ${bytes} bytes as JSON; a task record stores at most ${MAX_RESULT_BYTES} (put large results in S3 and return a reference)`,
        ),
      ),
    };
  }
  // Read back through JSON only when that would change it (a Date, a nested object, a
  // class instance...): a flat result of plain values is already what JSON reads back.
  return { ok: true, value: readsBackAsItself(result) ? result : (JSON.parse(json) as unknown) };
}

/**
 * Whether JSON would read `value` back as an equal value: null, a string, a
 * boolean, a finite number, or a plain object or array holding only those
 * (one level; anything deeper is read back through JSON).
 */
function readsBackAsItself(value: unknown): boolean {
  if (isJsonScalar(value)) return true;
  if (typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!isJsonScalar(value[i])) return false;
    return true;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  const object = value as Record<string, unknown>;
  for (const key in object) if (!isJsonScalar(object[key])) return false;
  return true;
}

function isJsonScalar(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      // JSON writes -0 as 0.
      return Number.isFinite(value) && !Object.is(value, -0);
    default:
      return value === null;
  }
}
