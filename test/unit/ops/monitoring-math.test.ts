import { describe, expect, it } from 'vitest';
import { previousDue, rateIntervalMs } from '../../../src/ops/cron.js';
import { emptyHistogram, quantileMs } from '../../../src/ops/histogram.js';
import { renderMetrics } from '../../../src/ops/metrics.js';
import { addUp, summarize } from '../../../src/ops/stats.js';
import { bucketOf } from '../../../src/protocol/stats.js';

describe('quantileMs', () => {
  it('interpolates inside the bucket the rank falls in, like histogram_quantile', () => {
    const counts = emptyHistogram();
    counts[bucketOf(1.3)] = 10; // the 1.25–1.5 ms bucket
    expect(quantileMs(counts, 0.5)).toBeCloseTo(1.375);
    expect(quantileMs(emptyHistogram(), 0.5)).toBeUndefined();
  });

  it('lands within a bucket of the true percentile for a spread of durations', () => {
    const durations = Array.from({ length: 1000 }, (_, i) => 10 + i * 2); // 10 .. 2008 ms
    const counts = emptyHistogram();
    for (const d of durations) counts[bucketOf(d)] = (counts[bucketOf(d)] ?? 0) + 1;
    const p95 = quantileMs(counts, 0.95) as number;
    expect(Math.abs(p95 - 1910) / 1910).toBeLessThan(0.1);
  });
});

describe('summarize', () => {
  it('adds shards and minutes up into counts, success rate, percentiles and throughput', () => {
    const counters = addUp([
      {
        'c:normal:SUCCESS': 3,
        'c:high:FAILURE': 1,
        'e:TypeError': 1,
        [`h:${bucketOf(5)}`]: 4,
        dsum: 20,
        dcount: 4,
      },
      {
        'c:normal:SUCCESS': 1,
        'c:normal:RETRY': 2,
        [`h:${bucketOf(5)}`]: 1,
        dsum: 5,
        dcount: 1,
        task: 'x',
      },
    ]);
    expect(summarize('x.y', counters, 10)).toMatchObject({
      count: 5,
      succeeded: 4,
      failed: 1,
      retried: 2,
      successRate: 0.8,
      runs: 5,
      meanMs: 5,
      throughputPerMinute: 0.5,
      errors: { TypeError: 1 },
      byTier: { normal: { SUCCESS: 4, RETRY: 2 }, high: { FAILURE: 1 } },
    });
  });
});

describe('renderMetrics', () => {
  it('writes counters, a cumulative histogram and queue gauges with escaped labels', () => {
    const counters = addUp([
      { 'c:normal:SUCCESS': 2, 'e:Bad"Error': 1, [`h:${bucketOf(3)}`]: 2, dsum: 6, dcount: 2 },
    ]);
    const text = renderMetrics(
      [{ task: 'a.b', counters }],
      [
        {
          queue: 'a/normal',
          visible: 1,
          inFlight: 2,
          delayed: 3,
          oldestAgeSeconds: undefined,
          deadLetters: 4,
        },
      ],
    );
    expect(text).toContain('lovage_tasks_total{task="a.b",tier="normal",state="SUCCESS"} 2');
    expect(text).toContain('lovage_task_errors_total{task="a.b",error_type="Bad\\"Error"} 1');
    expect(text).toContain('lovage_task_duration_seconds_bucket{task="a.b",le="0.003"} 2');
    expect(text).toContain('lovage_task_duration_seconds_bucket{task="a.b",le="+Inf"} 2');
    expect(text).toContain('lovage_task_duration_seconds_sum{task="a.b"} 0.006');
    expect(text).toContain('lovage_queue_messages{queue="a/normal",kind="in_flight"} 2');
    expect(text).toContain('lovage_dlq_messages{queue="a/normal"} 4');
    expect(text).not.toContain('lovage_queue_oldest_message_age_seconds{');
  });
});

describe('previousDue', () => {
  const now = new Date('2026-11-25T10:17:30Z');

  it('counts rate schedules from their start', () => {
    expect(rateIntervalMs('rate(5 minutes)')).toBe(300_000);
    const start = new Date('2026-11-25T09:03:10Z');
    expect(previousDue('rate(1 hour)', 'UTC', now, start)?.toISOString()).toBe(
      '2026-11-25T10:03:10.000Z',
    );
  });

  it('evaluates cron in the schedule time zone', () => {
    expect(previousDue('cron(0 2 * * ? *)', 'Europe/London', now)?.toISOString()).toBe(
      '2026-11-25T02:00:00.000Z',
    );
    expect(previousDue('cron(0 8 ? * SUN *)', 'America/New_York', now)?.toISOString()).toBe(
      '2026-11-22T13:00:00.000Z',
    );
    expect(
      previousDue(
        'cron(30 2 * * ? *)',
        'Europe/London',
        new Date('2026-07-01T12:00:00Z'),
      )?.toISOString(),
    ).toBe('2026-07-01T01:30:00.000Z');
  });

  it('cannot tell for syntax it does not understand', () => {
    expect(previousDue('cron(0 12 L * ? *)', 'UTC', now)).toBeUndefined();
    expect(previousDue('at(2026-12-01T00:00:00)', 'UTC', now)).toBeUndefined();
  });
});
