import type { TaskError } from '../protocol/records.js';
import { flushOnExit, type TaskLines, type TaskLogger } from './logging.js';

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

/** Takes each run's metrics; replaced in tests to look at what would be emitted. */
export type MetricsSink = (task: string, outcome: Outcome, durationMs: number) => void;

/** EMF allows at most 100 values per metric in one document. */
const MAX_VALUES = 100;

const UNITS = {
  TaskSucceeded: 'Count',
  TaskFailed: 'Count',
  TaskRetried: 'Count',
  TaskDuration: 'Milliseconds',
  TaskFailureRate: 'Percent',
} as const;
type MetricName = keyof typeof UNITS;
/** The order metrics appear in a document (stable, whatever order the runs ended in). */
const ORDER: readonly MetricName[] = [
  'TaskSucceeded',
  'TaskFailed',
  'TaskRetried',
  'TaskDuration',
  'TaskFailureRate',
];

/**
 * Task metrics in CloudWatch's Embedded Metric Format, gathered over an
 * invocation and written in one go by {@link flush}: one document per task
 * name, each metric an array with one value per run (so Sum, Average,
 * SampleCount and percentiles read exactly as if every run had its own
 * document), published by task and by category (two dimension sets,
 * nothing else). Written by hand rather than with Powertools Metrics, whose
 * per-document object, console and environment reads cost more than the
 * task's own work.
 */
export class EmfMetrics {
  private readonly byTask = new Map<string, Map<MetricName, number[]>>();

  constructor(
    /** Where the documents go: one string, newline-separated documents, once per flush. */
    private readonly write: (text: string) => void = (text) => void process.stdout.write(text),
  ) {}

  add(task: string, outcome: Outcome, durationMs: number): void {
    let metrics = this.byTask.get(task);
    if (!metrics) {
      metrics = new Map();
      this.byTask.set(task, metrics);
    }
    push(metrics, TASK_METRICS[outcome], 1);
    push(metrics, 'TaskDuration', durationMs);
    if (outcome !== 'retried') push(metrics, 'TaskFailureRate', outcome === 'failed' ? 100 : 0);
    if ((metrics.get('TaskDuration')?.length ?? 0) >= MAX_VALUES) this.flush();
  }

  /** Writes what was gathered since the last flush (nothing if nothing was). */
  flush(now = Date.now()): void {
    if (this.byTask.size === 0) return;
    let text = '';
    for (const [task, metrics] of this.byTask) text += `${emfDocument(task, metrics, now)}\n`;
    this.byTask.clear();
    this.write(text);
  }
}

function push(metrics: Map<MetricName, number[]>, name: MetricName, value: number): void {
  const values = metrics.get(name);
  if (values) values.push(value);
  else metrics.set(name, [value]);
}

function emfDocument(task: string, metrics: ReadonlyMap<MetricName, number[]>, now: number) {
  const names: { Name: MetricName; Unit: string }[] = [];
  const doc: Record<string, unknown> = {
    _aws: {
      Timestamp: now,
      CloudWatchMetrics: [
        {
          Namespace: TASK_METRICS.namespace,
          Dimensions: [[TASK_METRICS.dimension], [TASK_METRICS.categoryDimension]],
          Metrics: names,
        },
      ],
    },
    [TASK_METRICS.dimension]: task,
    [TASK_METRICS.categoryDimension]: task.slice(0, task.indexOf('.')),
  };
  for (const name of ORDER) {
    const values = metrics.get(name);
    if (!values) continue;
    names.push({ Name: name, Unit: UNITS[name] });
    doc[name] = values.length === 1 ? values[0] : values;
  }
  return JSON.stringify(doc);
}

/**
 * Metrics of each run, best effort (a failure is logged and never fails the
 * task): gathered per invocation and written as EMF when the worker calls
 * {@link flush} at the end of it (and when the hard-limit watch has recorded
 * the runs still going, and on `process.exit`), so a batch costs one write.
 * Lifecycle events are not published from here: the task stream observer
 * publishes them, batched, from the committed records, so a task's own path
 * makes no EventBridge call.
 */
export class Telemetry {
  private readonly emf: EmfMetrics | undefined;

  constructor(
    private readonly options: {
      readonly metrics?: MetricsSink;
      /** Each succeeded run's log line, written with the metrics; without it runs log through their logger. */
      readonly lines?: TaskLines;
    } = {},
  ) {
    if (!options.metrics) {
      this.emf = new EmfMetrics();
      flushOnExit(this.emf);
    }
  }

  record(outcome: Outcome, run: RunOutcome, logger: TaskLogger): void {
    try {
      if (this.emf) this.emf.add(run.task, outcome, run.durationMs);
      else this.options.metrics?.(run.task, outcome, run.durationMs);
    } catch (error) {
      logger.warn('could not emit task metrics', { error: error as Error });
    }
  }

  /** The lines of succeeded runs, if this telemetry writes them. */
  get lines(): TaskLines | undefined {
    return this.options.lines;
  }

  /** Writes the log lines and metrics gathered since the last flush. */
  flush(logger: TaskLogger): void {
    try {
      this.options.lines?.flush();
    } catch (error) {
      logger.warn('could not write the lines of succeeded tasks', { error: error as Error });
    }
    try {
      this.emf?.flush();
    } catch (error) {
      logger.warn('could not emit task metrics', { error: error as Error });
    }
  }
}
