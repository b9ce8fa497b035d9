import type { Logger } from '@aws-lambda-powertools/logger';
import type { Envelope } from '../protocol/envelope.js';
import { ProgressError, TaskRevokedError } from './errors.js';
import type { TaskRecords } from './task-records.js';

/** Shortest gap between two progress writes of one run. */
export const PROGRESS_INTERVAL_MS = 1_000;

export interface ProgressOptions {
  readonly records: TaskRecords;
  readonly envelope: Envelope;
  readonly controller: AbortController;
  readonly tracked: boolean;
  readonly ttlSeconds: number;
  readonly logger: Logger;
  readonly intervalMs?: number;
  readonly clock?: () => number;
}

/**
 * `ctx.progress` of one run: throttled PROGRESS writes, each conditional on
 * the task still running. A write refused because the task was revoked aborts
 * the run's signal with a {@link TaskRevokedError}; every call first throws
 * the signal's reason if it was aborted (revoke or soft time limit), which is
 * what makes progress calls checkpoints.
 */
export class ProgressReporter {
  private lastWrite = Number.NEGATIVE_INFINITY;
  private writes = 0;

  constructor(private readonly options: ProgressOptions) {}

  readonly report = async (current: number, total: number, message?: string): Promise<void> => {
    const { controller, records, envelope, logger } = this.options;
    controller.signal.throwIfAborted();
    if (!Number.isFinite(current) || !Number.isFinite(total) || total <= 0 || current < 0) {
      throw new ProgressError(
        `progress(${current}, ${total}) needs finite numbers with total > 0 and current >= 0`,
      );
    }
    const now = (this.options.clock ?? Date.now)();
    const interval = this.options.intervalMs ?? PROGRESS_INTERVAL_MS;
    if (now - this.lastWrite < interval && current < total) return;
    this.lastWrite = now;
    const meta = {
      current,
      total,
      at: new Date(now).toISOString(),
      ...(message !== undefined ? { message: message.slice(0, 500) } : {}),
    };
    const written = await records.progress(
      envelope,
      meta,
      {
        tracked: this.options.tracked,
        first: this.writes === 0,
        ttlSeconds: this.options.ttlSeconds,
      },
      now,
    );
    this.writes++;
    if (written) return;
    const state = (await records.get(envelope.id))?.state;
    if (state === 'REVOKED') {
      logger.info('revoked while running; stopping at this progress checkpoint', {
        current,
        total,
      });
      controller.abort(new TaskRevokedError(envelope.id));
      controller.signal.throwIfAborted();
    }
    logger.warn('progress not recorded: the task is no longer running here', { state });
  };
}
