import type { Logger } from '@aws-lambda-powertools/logger';
import type { TaskDefinition } from '../catalog/types.js';
import type { Envelope } from '../protocol/envelope.js';
import { SoftTimeLimitExceededError } from './errors.js';
import { ProgressReporter } from './progress.js';
import type { TaskRecords } from './task-records.js';
import type { TaskHandler } from './types.js';

export type Execution =
  | { readonly ok: true; readonly result: unknown; readonly durationMs: number }
  | { readonly ok: false; readonly error: unknown; readonly durationMs: number };

export interface ExecuteOptions {
  readonly handler: TaskHandler;
  readonly args: unknown;
  readonly envelope: Envelope;
  readonly definition: TaskDefinition;
  readonly records: TaskRecords;
  readonly tracked: boolean;
  readonly logger: Logger;
}

/**
 * Runs one task handler with its context. The soft time limit aborts
 * `ctx.signal`; from then on the run counts as failed with the signal's
 * reason even if the handler ignores the signal (its late result is
 * discarded; the function timeout remains the hard limit). A revoke seen at a
 * progress checkpoint ends the run the same way.
 */
export async function execute(options: ExecuteOptions): Promise<Execution> {
  const { envelope, definition, logger } = options;
  const controller = new AbortController();
  const started = Date.now();
  const soft = definition.softTimeLimitSeconds;
  const timer =
    soft === undefined
      ? undefined
      : setTimeout(
          () => controller.abort(new SoftTimeLimitExceededError(envelope.task, soft)),
          soft * 1000,
        );
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), {
      once: true,
    });
  });
  // Settles only if aborted; without a handler a late abort would be an unhandled rejection.
  aborted.catch(() => undefined);
  const progress = new ProgressReporter({
    records: options.records,
    envelope,
    controller,
    tracked: options.tracked,
    ttlSeconds: definition.resultTtlSeconds,
    logger,
  });
  try {
    const result = await Promise.race([
      options.handler(options.args, {
        id: envelope.id,
        task: envelope.task,
        attempt: envelope.attempt,
        correlationId: envelope.correlationId,
        signal: controller.signal,
        logger,
        progress: progress.report,
      }),
      aborted,
    ]);
    return { ok: true, result, durationMs: Date.now() - started };
  } catch (error) {
    // A handler that stops on the signal may throw its own AbortError; the reason says why.
    const cause = controller.signal.aborted ? controller.signal.reason : error;
    return { ok: false, error: cause, durationMs: Date.now() - started };
  } finally {
    clearTimeout(timer);
  }
}
