import { DURATION_BUCKETS_SECONDS } from '../protocol/stats.js';

/**
 * The duration at quantile `q` (0 to 1) of a histogram with counts per
 * bucket of DURATION_BUCKETS_SECONDS (the last index is +Inf), in ms,
 * interpolated linearly inside the bucket the rank falls in — the same rule
 * as Prometheus' histogram_quantile(), so a scrape of /metrics and
 * `lovage stats` agree. Undefined for an empty histogram; a rank in +Inf
 * reads as the largest finite bound.
 *
 * @example
 * quantileMs([0, 0, 10], 0.5); // 1.375 (halfway through the 1.25–1.5 ms bucket)
 */
export function quantileMs(counts: readonly number[], q: number): number | undefined {
  const total = counts.reduce((sum, n) => sum + n, 0);
  if (total === 0) return undefined;
  const rank = Math.min(1, Math.max(0, q)) * total;
  let cumulative = 0;
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i] ?? 0;
    if (n > 0 && cumulative + n >= rank) {
      const upper = DURATION_BUCKETS_SECONDS[i];
      if (upper === undefined) return (DURATION_BUCKETS_SECONDS.at(-1) as number) * 1000;
      const lower = i === 0 ? 0 : (DURATION_BUCKETS_SECONDS[i - 1] as number);
      return (lower + (upper - lower) * ((rank - cumulative) / n)) * 1000;
    }
    cumulative += n;
  }
  return (DURATION_BUCKETS_SECONDS.at(-1) as number) * 1000;
}

/** An empty histogram: one count per finite bucket plus +Inf. */
export const emptyHistogram = (): number[] =>
  new Array<number>(DURATION_BUCKETS_SECONDS.length + 1).fill(0);
