import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { type RunScope, resolveHardLimit } from './outcome.js';

/** How long before the function timeout the watch records the runs still going. */
export function hardLimitMarginMs(remainingMs: number): number {
  return Math.min(2_000, Math.max(500, remainingMs / 10));
}

/**
 * The runs of one invocation, and a watch on its hard time limit. Shortly
 * before the function timeout, every run still going is recorded as failed
 * with a `TimeLimitExceededError` (retried or failed for good by its task's
 * policy), so a hang is retried after its backoff instead of after the queue's
 * visibility timeout; Lambda then stops the function, and with it the runs.
 * A handler that is stuck in synchronous code keeps timers from firing: its
 * run is found lost by the next delivery instead (`WorkerLostError`).
 */
export class Invocation {
  private readonly running = new Set<RunScope>();
  private timer: NodeJS.Timeout | undefined;
  private fired = false;
  /** Milliseconds the invocation had when it started. */
  startRemainingMs = 0;

  constructor(
    private readonly context: Pick<Context, 'getRemainingTimeInMillis'>,
    private readonly timeoutSeconds: number,
    private readonly logger: Logger,
    /** Called once the runs still going at the hard limit are recorded (the metrics are written). */
    private readonly onRecorded: () => void = () => {},
  ) {}

  /** Arms the watch; `stop` disarms it. */
  start(): void {
    const remaining = this.context.getRemainingTimeInMillis();
    this.startRemainingMs = remaining;
    const at = remaining - hardLimitMarginMs(remaining);
    if (at <= 0) return;
    this.timer = setTimeout(() => void this.onHardLimit(), at);
    this.timer.unref?.();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /** Runs `body` as one of this invocation's runs (watched until it settles). */
  async watch<T>(scope: RunScope, body: () => Promise<T>): Promise<T> {
    if (this.fired) {
      // Too late to start anything: leave it for its next delivery.
      throw new Error('the invocation is about to reach its function timeout');
    }
    this.running.add(scope);
    try {
      return await body();
    } finally {
      this.running.delete(scope);
    }
  }

  private async onHardLimit(): Promise<void> {
    this.fired = true;
    const runs = [...this.running];
    if (runs.length === 0) return;
    const remaining = this.context.getRemainingTimeInMillis();
    this.logger.error('function timeout is near; recording the runs still going', {
      runs: runs.map((r) => r.envelope.id),
      remainingMs: remaining,
    });
    await Promise.all(
      runs.map((scope) =>
        resolveHardLimit(scope, this.timeoutSeconds, remaining).catch((error: unknown) =>
          scope.logger.error('could not record the hard time limit', { error: error as Error }),
        ),
      ),
    );
    // Lambda stops the function at its timeout, before the invocation's own end is reached.
    this.onRecorded();
  }
}
