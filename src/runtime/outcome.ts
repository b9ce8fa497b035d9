import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSRecord } from 'aws-lambda';
import type { TaskDefinition } from '../catalog/types.js';
import type { Envelope } from '../protocol/envelope.js';
import { retryDelaySeconds } from './backoff.js';
import { decideRetry, toTaskError } from './classify.js';
import { sendToDeadLetter } from './dead-letter.js';
import type { Execution } from './execute.js';
import type { Runtime } from './runtime.js';

export interface RunScope {
  readonly record: SQSRecord;
  readonly envelope: Envelope;
  readonly definition: TaskDefinition;
  readonly tracked: boolean;
  readonly logger: Logger;
  readonly runtime: Runtime;
}

/**
 * Records what a run came to: SUCCESS (nothing with ignoreResult), RETRY with
 * the envelope re-sent as attempt + 1, or FAILURE and a dead letter. A write
 * refused because the task was revoked meanwhile leaves REVOKED in place.
 */
export async function recordOutcome(run: Execution, scope: RunScope): Promise<void> {
  const { envelope, definition, tracked, logger, runtime } = scope;
  const base = {
    id: envelope.id,
    task: envelope.task,
    tier: envelope.tier,
    attempt: envelope.attempt,
    durationMs: run.durationMs,
    ...(envelope.correlationId ? { correlationId: envelope.correlationId } : {}),
  };
  const ttlSeconds = definition.resultTtlSeconds;
  if (run.ok) {
    const written =
      definition.ignoreResult ||
      (await runtime.records.settle(envelope, 'SUCCESS', {
        tracked,
        ttlSeconds,
        // Stored as JSON would read it (a Date becomes its ISO string), as the contract says.
        set: {
          result: JSON.parse(JSON.stringify(run.result ?? null)) as unknown,
          durationMs: run.durationMs,
        },
      }));
    if (!written) return leaveAlone(scope, 'result discarded');
    logger.info('task succeeded', { durationMs: run.durationMs });
    await runtime.telemetry.record('succeeded', base, logger);
    return;
  }

  const error = toTaskError(run.error);
  if (error.type === 'TaskRevokedError') {
    await runtime.records.noteRevokedRun(envelope, error.message);
    logger.info('run stopped after a revoke', { durationMs: run.durationMs });
    return;
  }
  const decision = decideRetry(error, definition, envelope.attempt);
  if (decision.retry) {
    const delay = retryDelaySeconds(definition.backoff, envelope.attempt, runtime.random);
    const retryAt = new Date(Date.now() + delay * 1000).toISOString();
    const next = { ...envelope, attempt: envelope.attempt + 1 };
    // Recorded before re-sending: if the send fails the message is redelivered and the
    // RETRY record lets this attempt run again, so nothing is lost or doubled.
    const written = await runtime.records.settle(envelope, 'RETRY', {
      tracked,
      ttlSeconds,
      error,
      note: `retry ${envelope.attempt} of ${definition.maxRetries} in ${delay} s`,
      set: { eta: retryAt, durationMs: run.durationMs },
    });
    if (!written) return leaveAlone(scope, 'retry not sent');
    const sent = await runtime.redelivery.send(next, scope.record.eventSourceARN, delay);
    if (sent.scheduleName) await runtime.records.noteSchedule(envelope.id, sent.scheduleName);
    logger.warn('task failed; retry scheduled', {
      error: run.error as Error,
      retryInSeconds: delay,
      ...(sent.scheduleName ? { scheduleName: sent.scheduleName } : {}),
    });
    await runtime.telemetry.record('retried', { ...base, error, retryInSeconds: delay }, logger);
    return;
  }

  const written = await runtime.records.settle(envelope, 'FAILURE', {
    tracked,
    ttlSeconds,
    error,
    note: decision.reason,
    set: { durationMs: run.durationMs },
  });
  if (!written) return leaveAlone(scope, 'failure not recorded');
  logger.error('task failed for good', { error: run.error as Error, reason: decision.reason });
  await sendToDeadLetter(runtime.sqs, runtime.deadLetterUrl(scope.record.eventSourceARN), {
    body: scope.record.body,
    error,
    reason: decision.reason,
    taskId: envelope.id,
    taskName: envelope.task,
    attempts: envelope.attempt,
  });
  await runtime.telemetry.record('failed', { ...base, error, reason: decision.reason }, logger);
}

/** The record moved on while the task ran (revoked, most likely): it keeps its state. */
async function leaveAlone(scope: RunScope, what: string): Promise<void> {
  const state = (await scope.runtime.records.get(scope.envelope.id))?.state;
  scope.logger.warn(`the task's record changed while it ran; ${what}`, { state });
}
