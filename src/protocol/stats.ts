/**
 * Layout of the statistics table the task stream observer writes and the
 * ops layer (monitoring API, CLI, dashboard, UI) reads. Kept apart from the
 * task table so the observer never sees its own writes on the stream.
 *
 * - `MINUTE#<task>` / `<minute>#<shard>`: what finished in one minute (UTC,
 *   `YYYY-MM-DDTHH:MM`), expiring by TTL. A day of one task is one Query
 *   over at most 1,440 x STATS_SHARDS small items, however many tasks ran.
 * - `TOTAL#<task>` / `<shard>`: the same counters since the stack began,
 *   never expiring: monotonic, as Prometheus counters must be.
 * - `CHANGE#<stream event id>` / `CHANGE`: a marker written in the same
 *   transaction as the counters a change adds to, so a redelivered change is
 *   refused instead of counted twice. Expires after MARKER_TTL_SECONDS.
 * - `BEAT#<schedule>` / `LAST`: when a tick of the schedule was last seen.
 *
 * Each writer picks one shard per batch; readers add the shards up. Shards
 * spread concurrent observer invocations over separate items, so their
 * transactions rarely conflict on a busy task.
 */

export const STATS_KEYS = { partitionKey: 'pk', sortKey: 'sk', ttl: 'expiresAt' } as const;
export const STATS_SHARDS = 4;

/** Stream records live 24 h; a marker outlives every possible redelivery of its change. */
export const MARKER_TTL_SECONDS = 2 * 86_400;
/** How long per-minute statistics are kept unless the stack says otherwise. */
export const DEFAULT_STATS_RETENTION_DAYS = 14;

/** States a finished run (or a decision about a task) is counted under. */
export const COUNTED_STATES = ['SUCCESS', 'FAILURE', 'RETRY', 'REVOKED', 'EXPIRED'] as const;
export type CountedState = (typeof COUNTED_STATES)[number];

/**
 * Upper bounds (inclusive, seconds) of the duration histogram: ten steps per
 * decade (1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8) from 1 ms to 1,000 s, then
 * +Inf. Neighbours differ by at most a third, so an interpolated p95 is
 * within a few percent of the true one; the bounds read well as Prometheus
 * `le` labels.
 */
export const DURATION_BUCKETS_SECONDS: readonly number[] = (() => {
  const steps = [1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8];
  const bounds: number[] = [];
  for (let exponent = -3; exponent <= 2; exponent++) {
    for (const step of steps) bounds.push(Number((step * 10 ** exponent).toPrecision(3)));
  }
  bounds.push(1000);
  return bounds;
})();

/** Index of the bucket a duration falls in; `DURATION_BUCKETS_SECONDS.length` is +Inf. */
export function bucketOf(durationMs: number): number {
  const seconds = Math.max(0, durationMs) / 1000;
  let low = 0;
  let high = DURATION_BUCKETS_SECONDS.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (seconds <= (DURATION_BUCKETS_SECONDS[mid] as number)) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** Attribute names of the counters in minute and total items. */
export const STAT_ATTRIBUTES = {
  /** `c:<tier>:<state>`: tasks that entered `state` on `tier`. */
  count: (tier: string, state: CountedState) => `c:${tier}:${state}`,
  /** `e:<error type>`: failed runs (RETRY or FAILURE) by error type. */
  error: (type: string) => `e:${type}`,
  /** `h:<bucket index>`: runs whose duration fell in that bucket. */
  bucket: (index: number) => `h:${index}`,
  /** Sum and number of run durations in ms (the histogram's _sum and _count). */
  durationSum: 'dsum',
  durationCount: 'dcount',
} as const;

/** Error types are class names; anything longer is cut so an item can never grow without bound. */
export const MAX_ERROR_TYPE_LENGTH = 100;

export const minuteOf = (epochMs: number): string => new Date(epochMs).toISOString().slice(0, 16);

export const statsKeys = {
  minute: (task: string, minute: string, shard: number) => ({
    pk: `MINUTE#${task}`,
    sk: `${minute}#${shard}`,
  }),
  total: (task: string, shard: number) => ({ pk: `TOTAL#${task}`, sk: String(shard) }),
  marker: (eventId: string) => ({ pk: `CHANGE#${eventId}`, sk: 'CHANGE' }),
  beat: (schedule: string) => ({ pk: `BEAT#${schedule}`, sk: 'LAST' }),
} as const;

/** Task label of changes whose task is not in the catalog (e.g. a rejected message with a made-up name). */
export const UNKNOWN_TASK = '(unknown)';
