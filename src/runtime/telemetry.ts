import type { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { TaskError } from '../protocol/records.js';

// Lifecycle events come from the task stream observer now (src/stream), published from
// committed records; the name stays exported here for existing importers.
export { LIFECYCLE_EVENTS } from '../protocol/lifecycle.js';

/** CloudWatch namespace and metric names; the stack's dashboard reads exactly these. */
export const TASK_METRICS = {
  namespace: 'Lovage',
  succeeded: 'TaskSucceeded',
  failed: 'TaskFailed',
  retried: 'TaskRetried',
  duration: 'TaskDuration',
  /**
   * 100 for each task that failed for good, 0 for each that succeeded: its
   * average over a period is the share of finished tasks that failed, in
   * percent (the stack alarms on it per category).
   */
  failureRate: 'TaskFailureRate',
  /** Every task metric is published by task name... */
  dimension: 'task',
  /** ...and by category (the part of the task name before the first dot). */
  categoryDimension: 'category',
} as const;

export type Outcome = 'succeeded' | 'failed' | 'retried';

/** What is known about a finished run (never args or result). */
export interface RunOutcome {
  readonly id: string;
  readonly task: string;
  readonly tier: string;
  readonly attempt: number;
  readonly durationMs: number;
  readonly correlationId?: string;
  readonly error?: TaskError;
  /** For `retried`: the delay before the next attempt. */
  readonly retryInSeconds?: number;
  /** For `failed`: why it is final. */
  readonly reason?: string;
}

/** Writes one EMF document; replaced in unit tests to look at what would be emitted. */
export type MetricsSink = (task: string, outcome: Outcome, durationMs: number) => void;

/**
 * Powertools Metrics (EMF on stdout), one document per run, published by
 * task and by category (two dimension sets, nothing else).
 */
export const powertoolsMetrics: MetricsSink = (task, outcome, durationMs) => {
  const metrics = new Metrics({ namespace: TASK_METRICS.namespace });
  // Without this Powertools adds a `service` dimension and the dashboard's {task} series stay empty.
  metrics.clearDefaultDimensions();
  metrics.addDimension(TASK_METRICS.dimension, task);
  metrics.addDimensions({ [TASK_METRICS.categoryDimension]: task.slice(0, task.indexOf('.')) });
  metrics.addMetric(TASK_METRICS[outcome], MetricUnit.Count, 1);
  metrics.addMetric(TASK_METRICS.duration, MetricUnit.Milliseconds, durationMs);
  if (outcome !== 'retried') {
    metrics.addMetric(TASK_METRICS.failureRate, MetricUnit.Percent, outcome === 'failed' ? 100 : 0);
  }
  metrics.publishStoredMetrics();
};

/**
 * Metrics of each run: one EMF document, best effort (a failure is logged and
 * never fails the task). Lifecycle events are not published from here: the
 * task stream observer publishes them, batched, from the committed records,
 * so a task's own path makes no EventBridge call.
 */
export class Telemetry {
  constructor(private readonly options: { readonly metrics?: MetricsSink } = {}) {}

  async record(outcome: Outcome, run: RunOutcome, logger: Logger): Promise<void> {
    try {
      (this.options.metrics ?? powertoolsMetrics)(run.task, outcome, run.durationMs);
    } catch (error) {
      logger.warn('could not emit task metrics', { error: error as Error });
    }
  }
}
