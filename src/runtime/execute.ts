import type { TaskDefinition } from '../catalog/types.js';
import type { Envelope } from '../protocol/envelope.js';
import type { SendChild } from './children.js';
import { SoftTimeLimitExceededError } from './errors.js';
import type { TaskLogger } from './logging.js';
import { ProgressReporter } from './progress.js';
import { requestRetry } from './retry-request.js';
import type { TaskRecords } from './task-records.js';
import type { Condition } from './transitions.js';
import type { TaskContext, TaskHandler } from './types.js';

export type Execution =
  | { readonly ok: true; readonly result: unknown; readonly durationMs: number }
  | { readonly ok: false; readonly error: unknown; readonly durationMs: number };

export interface ExecuteOptions {
  readonly handler: TaskHandler;
  readonly args: unknown;
  readonly envelope: Envelope;
  readonly definition: TaskDefinition;
  readonly records: TaskRecords;
  /** The fence of this run's progress writes. */
  readonly condition: Condition;
  /** For an untracked run: the lease its first progress write takes. */
  readonly leaseUntil?: number;
  readonly logger: TaskLogger;
  /** `ctx.send` of this run (see children.ts). */
  readonly send: SendChild;
}

/**
 * Runs one task handler with its context, and waits for it to end. The soft
 * time limit aborts `ctx.signal` (a revoke seen at a progress checkpoint
 * does too); a handler that stops on it fails with the signal's reason. The
 * run is never abandoned while the handler may still be going: its claim
 * holds until it returns or the function timeout (the hard limit) ends it,
 * so a retry can never overlap it. A handler that ignores the signal and
 * returns a result succeeds, as in Celery.
 */
export async function execute(options: ExecuteOptions): Promise<Execution> {
  const { envelope, definition, logger } = options;
  const controller = new AbortController();
  const started = Date.now();
  const soft = definition.softTimeLimitSeconds;
  const timer =
    soft === undefined
      ? undefined
      : setTimeout(() => {
          logger.warn('soft time limit reached; signalling the task to stop', {
            softTimeLimitSeconds: soft,
          });
          controller.abort(new SoftTimeLimitExceededError(envelope.task, soft));
        }, soft * 1000);
  const progress = new ProgressReporter({
    records: options.records,
    envelope,
    controller,
    condition: options.condition,
    ...(options.leaseUntil !== undefined ? { leaseUntil: options.leaseUntil } : {}),
    ttlSeconds: definition.resultTtlSeconds,
    logger,
  });
  try {
    const result = await options.handler(options.args, {
      id: envelope.id,
      task: envelope.task,
      attempt: envelope.attempt,
      correlationId: envelope.correlationId,
      signal: controller.signal,
      logger,
      progress: progress.report,
      send: options.send as TaskContext['send'],
      retry: requestRetry,
    });
    return { ok: true, result, durationMs: Date.now() - started };
  } catch (error) {
    // A handler that stops on the signal may throw its own AbortError; the reason says why.
    const cause = controller.signal.aborted ? controller.signal.reason : error;
    return { ok: false, error: cause, durationMs: Date.now() - started };
  } finally {
    clearTimeout(timer);
  }
}
