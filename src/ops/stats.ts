import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mapLimit } from '../client/concurrency.js';
import { LovageError } from '../errors.js';
import {
  COUNTED_STATES,
  type CountedState,
  minuteOf,
  STAT_ATTRIBUTES,
  statsKeys,
  UNKNOWN_TASK,
} from '../protocol/stats.js';
import { emptyHistogram, quantileMs } from './histogram.js';

/** Where statistics are read from. */
export interface StatsSource {
  readonly db: DynamoDBDocumentClient;
  /** The statistics table (stack output `StatsTableName`). */
  readonly statsTable: string;
}

/** Counters of one task, added up over minutes (or since the start, for totals). */
export interface StatCounters {
  /** tier -> state -> tasks that entered the state. */
  readonly byTier: Record<string, Partial<Record<CountedState, number>>>;
  /** Failed runs (RETRY and FAILURE) by error type. */
  readonly errors: Record<string, number>;
  /** Runs per duration bucket (DURATION_BUCKETS_SECONDS, then +Inf). */
  readonly histogram: number[];
  readonly durationSumMs: number;
  readonly durationCount: number;
}

/** One task over a window, as `GET /stats`, `lovage stats` and the dashboard show it. */
export interface TaskStats {
  readonly task: string;
  /** Tasks that finished in the window: succeeded + failed + revoked + expired. */
  readonly count: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly retried: number;
  readonly revoked: number;
  readonly expired: number;
  /** succeeded / (succeeded + failed); null when neither happened. */
  readonly successRate: number | null;
  /** Run durations (every finished run, retries included), ms; null without runs. */
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
  readonly meanMs: number | null;
  readonly runs: number;
  /** Finished tasks per minute over the window. */
  readonly throughputPerMinute: number;
  readonly errors: Readonly<Record<string, number>>;
  readonly byTier: Readonly<Record<string, Partial<Record<CountedState, number>>>>;
}

export interface StatsReport {
  readonly since: string;
  readonly until: string;
  readonly minutes: number;
  readonly tasks: readonly TaskStats[];
  /** Every minute of the window, all the read tasks together; only with `timeline: true`. */
  readonly timeline?: readonly TimelinePoint[];
}

/** What finished in one minute (UTC), over the tasks a report read. */
export interface TimelinePoint {
  /** `YYYY-MM-DDTHH:MM`, UTC. */
  readonly minute: string;
  readonly succeeded: number;
  readonly failed: number;
  readonly retried: number;
  readonly revoked: number;
  readonly expired: number;
  /** Runs that finished (retries included). */
  readonly runs: number;
}

export interface StatsOptions {
  /** @defaultValue an hour before `until` */
  readonly since?: Date;
  /** @defaultValue now */
  readonly until?: Date;
  /** Only these tasks. @defaultValue every catalog task (and "(unknown)") */
  readonly tasks?: readonly string[];
  /**
   * Also add the window up minute by minute (`timeline`), for charts over time. Costs no
   * extra read: the same items are grouped by minute.
   * @defaultValue false
   */
  readonly timeline?: boolean;
}

export class StatsOptionsError extends LovageError {
  constructor(message: string) {
    super(message);
    this.name = 'StatsOptionsError';
  }
}

/** Longest window one read covers (the per-minute statistics' longest retention). */
export const MAX_STATS_WINDOW_DAYS = 400;

/** Longest window a minute-by-minute timeline covers. */
export const MAX_TIMELINE_MINUTES = 24 * 60;

/** Parallel queries of one read: one per task. */
const READ_CONCURRENCY = 16;

/**
 * Per-task statistics over a window, from the per-minute items the task
 * stream observer keeps: one Query per task over at most (minutes x
 * STATS_SHARDS) small items, whatever the number of tasks that ran.
 *
 * @example
 * const report = await readStats({ db, statsTable }, taskNames, { since: new Date(Date.now() - 3_600_000) });
 * for (const t of report.tasks) console.log(t.task, t.count, t.p95Ms);
 */
export async function readStats(
  source: StatsSource,
  taskNames: readonly string[],
  options: StatsOptions = {},
): Promise<StatsReport> {
  const until = options.until ?? new Date();
  const since = options.since ?? new Date(until.getTime() - 3_600_000);
  for (const [name, value] of [
    ['since', since],
    ['until', until],
  ] as const) {
    if (Number.isNaN(value.getTime())) {
      throw new StatsOptionsError(`${name} must be a valid time (ISO-8601 or epoch ms)`);
    }
  }
  if (since.getTime() > until.getTime()) {
    throw new StatsOptionsError(
      `since (${since.toISOString()}) must not be after until (${until.toISOString()})`,
    );
  }
  if (until.getTime() - since.getTime() > MAX_STATS_WINDOW_DAYS * 86_400_000) {
    throw new StatsOptionsError(`the window must be at most ${MAX_STATS_WINDOW_DAYS} days`);
  }
  if (options.timeline && until.getTime() - since.getTime() > MAX_TIMELINE_MINUTES * 60_000) {
    throw new StatsOptionsError(
      `a minute-by-minute timeline covers at most ${MAX_TIMELINE_MINUTES / 60} hours`,
    );
  }
  const tasks = options.tasks ?? [...taskNames, UNKNOWN_TASK];
  const from = minuteOf(since.getTime());
  const to = minuteOf(until.getTime());
  const minutes = Math.max(1, Math.round((until.getTime() - since.getTime()) / 60_000));
  const counters = await mapLimit(tasks, READ_CONCURRENCY, async (task) => {
    const key = statsKeys.minute(task, from, 0);
    const items = await queryAll(source, {
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': key.pk, ':from': from, ':to': `${to}#~` },
    });
    return { task, counters: addUp(items), items: options.timeline ? items : [] };
  });
  return {
    since: since.toISOString(),
    until: until.toISOString(),
    minutes,
    tasks: counters
      .filter(({ task, counters: c }) => task !== UNKNOWN_TASK || !isEmpty(c))
      .map(({ task, counters: c }) => summarize(task, c, minutes)),
    ...(options.timeline
      ? {
          timeline: timelineOf(
            counters.flatMap((c) => c.items),
            since,
            until,
          ),
        }
      : {}),
  };
}

/** Minute items (any tasks, any shards) added up per minute, every minute of the window present. */
export function timelineOf(
  items: readonly Record<string, unknown>[],
  since: Date,
  until: Date,
): TimelinePoint[] {
  const byMinute = new Map<string, Record<string, unknown>[]>();
  for (const item of items) {
    const minute = String(item.sk).split('#')[0] ?? '';
    const group = byMinute.get(minute);
    if (group) group.push(item);
    else byMinute.set(minute, [item]);
  }
  const points: TimelinePoint[] = [];
  const last = minuteOf(until.getTime());
  for (let at = since.getTime() - (since.getTime() % 60_000); ; at += 60_000) {
    const minute = minuteOf(at);
    const c = addUp(byMinute.get(minute) ?? []);
    points.push({
      minute,
      succeeded: countOf(c, 'SUCCESS'),
      failed: countOf(c, 'FAILURE'),
      retried: countOf(c, 'RETRY'),
      revoked: countOf(c, 'REVOKED'),
      expired: countOf(c, 'EXPIRED'),
      runs: c.histogram.reduce((sum, n) => sum + n, 0),
    });
    if (minute >= last) return points;
  }
}

/**
 * Every task's counters since the stack began (never expiring, monotonic):
 * what `GET /metrics` exposes as Prometheus counters and histograms. One
 * Query per task over STATS_SHARDS items.
 */
export async function readTotals(
  source: StatsSource,
  taskNames: readonly string[],
): Promise<{ task: string; counters: StatCounters }[]> {
  const tasks = [...taskNames, UNKNOWN_TASK];
  const all = await mapLimit(tasks, READ_CONCURRENCY, async (task) => {
    const items = await queryAll(source, {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': statsKeys.total(task, 0).pk },
    });
    return { task, counters: addUp(items) };
  });
  return all.filter(({ task, counters }) => task !== UNKNOWN_TASK || !isEmpty(counters));
}

async function queryAll(
  source: StatsSource,
  input: {
    KeyConditionExpression: string;
    ExpressionAttributeValues: Record<string, unknown>;
  },
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await source.db.send(
      new QueryCommand({
        TableName: source.statsTable,
        ...input,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Adds up stat items (minute or total, any shards) attribute by attribute. */
export function addUp(items: readonly Record<string, unknown>[]): StatCounters {
  const byTier: Record<string, Partial<Record<CountedState, number>>> = {};
  const errors: Record<string, number> = {};
  const histogram = emptyHistogram();
  let durationSumMs = 0;
  let durationCount = 0;
  for (const item of items) {
    for (const [name, raw] of Object.entries(item)) {
      const value = Number(raw);
      if (!Number.isFinite(value)) continue;
      if (name === STAT_ATTRIBUTES.durationSum) durationSumMs += value;
      else if (name === STAT_ATTRIBUTES.durationCount) durationCount += value;
      else if (name.startsWith('h:')) {
        const index = Number(name.slice(2));
        if (index >= 0 && index < histogram.length)
          histogram[index] = (histogram[index] ?? 0) + value;
      } else if (name.startsWith('e:')) {
        const type = name.slice(2);
        errors[type] = (errors[type] ?? 0) + value;
      } else if (name.startsWith('c:')) {
        const cut = name.lastIndexOf(':');
        const tier = name.slice(2, cut);
        const state = name.slice(cut + 1) as CountedState;
        if (!COUNTED_STATES.includes(state)) continue;
        const row = byTier[tier] ?? {};
        row[state] = (row[state] ?? 0) + value;
        byTier[tier] = row;
      }
    }
  }
  return { byTier, errors, histogram, durationSumMs, durationCount };
}

/** Tasks that entered `state`, over every tier. */
export function countOf(counters: StatCounters, state: CountedState): number {
  return Object.values(counters.byTier).reduce((sum, row) => sum + (row[state] ?? 0), 0);
}

function isEmpty(counters: StatCounters): boolean {
  return Object.keys(counters.byTier).length === 0 && counters.durationCount === 0;
}

const round = (ms: number | undefined) => (ms === undefined ? null : Math.round(ms * 1000) / 1000);

/** One task's counters as the numbers every surface shows. */
export function summarize(task: string, counters: StatCounters, minutes: number): TaskStats {
  const succeeded = countOf(counters, 'SUCCESS');
  const failed = countOf(counters, 'FAILURE');
  const revoked = countOf(counters, 'REVOKED');
  const expired = countOf(counters, 'EXPIRED');
  const count = succeeded + failed + revoked + expired;
  const runs = counters.histogram.reduce((sum, n) => sum + n, 0);
  return {
    task,
    count,
    succeeded,
    failed,
    retried: countOf(counters, 'RETRY'),
    revoked,
    expired,
    successRate: succeeded + failed > 0 ? succeeded / (succeeded + failed) : null,
    p50Ms: round(quantileMs(counters.histogram, 0.5)),
    p95Ms: round(quantileMs(counters.histogram, 0.95)),
    p99Ms: round(quantileMs(counters.histogram, 0.99)),
    meanMs:
      counters.durationCount > 0 ? round(counters.durationSumMs / counters.durationCount) : null,
    runs,
    throughputPerMinute: Math.round((count / minutes) * 1000) / 1000,
    errors: counters.errors,
    byTier: counters.byTier,
  };
}
