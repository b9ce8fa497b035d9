import type { Envelope } from '../protocol/envelope.js';
import { isoTime } from './clock.js';
import { ProgressError, TaskRevokedError } from './errors.js';
import type { TaskLogger } from './logging.js';
import type { TaskRecords } from './task-records.js';
import type { Condition } from './transitions.js';

/** Shortest gap between two progress writes of one run. */
export const PROGRESS_INTERVAL_MS = 1_000;

export interface ProgressOptions {
  readonly records: TaskRecords;
  readonly envelope: Envelope;
  readonly controller: AbortController;
  /** The fence of this run's writes (attempt n running here). */
  readonly condition: Condition;
  /** For an untracked run: the lease its first progress write takes. */
  readonly leaseUntil?: number;
  readonly ttlSeconds: number;
  readonly logger: TaskLogger;
  readonly intervalMs?: number;
  readonly clock?: () => number;
}

/**
 * `ctx.progress` of one run: throttled PROGRESS writes, each conditional on
 * the attempt still running here. A write refused because the task was
 * revoked aborts the run's signal with a {@link TaskRevokedError}; every call
 * first throws the signal's reason if it was aborted (revoke or soft time
 * limit), which is what makes progress calls checkpoints. A write that fails
 * for any other reason (throttling, a network error) is logged and skipped:
 * progress is advisory, and the next call writes again.
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
      at: isoTime(now),
      ...(message !== undefined ? { message: message.slice(0, 500) } : {}),
    };
    let write: Awaited<ReturnType<TaskRecords['progress']>>;
    try {
      write = await records.progress(
        envelope,
        meta,
        {
          condition: this.options.condition,
          first: this.writes === 0,
          ttlSeconds: this.options.ttlSeconds,
          ...(this.options.leaseUntil !== undefined ? { leaseUntil: this.options.leaseUntil } : {}),
        },
        now,
      );
    } catch (error) {
      logger.warn('progress not recorded; the task goes on', { error: error as Error });
      return;
    }
    if (write.written) {
      this.writes++;
      return;
    }
    if (write.current?.state === 'REVOKED') {
      logger.info('revoked while running; stopping at this progress checkpoint', {
        current,
        total,
      });
      controller.abort(new TaskRevokedError(envelope.id));
      controller.signal.throwIfAborted();
    }
    logger.warn('progress not recorded: this attempt is no longer running here', {
      state: write.current?.state,
      recordAttempt: write.current?.attempt,
    });
  };
}
