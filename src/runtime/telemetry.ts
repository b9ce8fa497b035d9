import type { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { TaskError } from '../protocol/records.js';

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

/** Source and detail-types of the lifecycle events on the stack's bus. */
export const LIFECYCLE_EVENTS = {
  source: 'lovage',
  succeeded: 'task.succeeded',
  failed: 'task.failed',
  retried: 'task.retried',
} as const;

export type Outcome = 'succeeded' | 'failed' | 'retried';

/** What is known about a finished run; goes into the event detail (never args or result). */
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
 * Metrics and lifecycle events of each run. Publishing is best effort: a
 * failed PutEvents is logged and never fails the task.
 */
export class Telemetry {
  constructor(
    private readonly options: {
      readonly metrics?: MetricsSink;
      readonly events?: { readonly client: EventBridgeClient; readonly busName: string };
    } = {},
  ) {}

  async record(outcome: Outcome, run: RunOutcome, logger: Logger): Promise<void> {
    try {
      (this.options.metrics ?? powertoolsMetrics)(run.task, outcome, run.durationMs);
    } catch (error) {
      logger.warn('could not emit task metrics', { error: error as Error });
    }
    const events = this.options.events;
    if (!events) return;
    try {
      const out = await events.client.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: events.busName,
              Source: LIFECYCLE_EVENTS.source,
              DetailType: LIFECYCLE_EVENTS[outcome],
              Detail: JSON.stringify(run),
            },
          ],
        }),
      );
      if (out.FailedEntryCount) {
        const entry = out.Entries?.[0];
        logger.warn('lifecycle event not published', {
          event: LIFECYCLE_EVENTS[outcome],
          errorCode: entry?.ErrorCode,
          errorMessage: entry?.ErrorMessage,
        });
      }
    } catch (error) {
      logger.warn('lifecycle event not published', {
        event: LIFECYCLE_EVENTS[outcome],
        error: error as Error,
      });
    }
  }
}
