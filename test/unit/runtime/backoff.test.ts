import { describe, expect, it } from 'vitest';
import { catalog } from '../../../src/catalog/index.js';
import { retryDelaySeconds } from '../../../src/runtime/index.js';

const celery = { baseSeconds: 60, factor: 2, maxSeconds: 3600, jitter: 'none' } as const;

describe('retryDelaySeconds', () => {
  it("expresses Celery's 60/120/240/480 s sequence", () => {
    expect([1, 2, 3, 4].map((n) => retryDelaySeconds(celery, n))).toEqual([60, 120, 240, 480]);
  });

  it('caps every delay at maxSeconds', () => {
    const capped = { ...celery, maxSeconds: 200 };
    expect([1, 2, 3, 4].map((n) => retryDelaySeconds(capped, n))).toEqual([60, 120, 200, 200]);
  });

  it('keeps a constant delay with factor 1', () => {
    const constant = { ...celery, factor: 1 };
    expect([1, 5, 9].map((n) => retryDelaySeconds(constant, n))).toEqual([60, 60, 60]);
  });

  it('spreads a full-jitter delay over 1 s to the computed delay', () => {
    const full = { ...celery, jitter: 'full' } as const;
    expect(retryDelaySeconds(full, 3, () => 0)).toBe(1);
    expect(retryDelaySeconds(full, 3, () => 0.5)).toBe(120);
    expect(retryDelaySeconds(full, 3, () => 0.999_999)).toBe(240);
  });

  it('rounds up to whole seconds, never below 1', () => {
    expect(retryDelaySeconds({ ...celery, baseSeconds: 1.2 }, 1)).toBe(2);
    expect(retryDelaySeconds({ ...celery, jitter: 'full' }, 1, () => 0.000_001)).toBe(1);
  });

  it('gives the drill tasks the short 1/2/4 s backoff the integration tests rely on', () => {
    const { backoff } = catalog.task('diagnostics.flaky');
    expect([1, 2, 3, 4].map((n) => retryDelaySeconds(backoff, n))).toEqual([1, 2, 4, 4]);
  });

  it('defaults to base 10 s, factor 2, cap 600 s, full jitter', () => {
    expect(catalog.task('diagnostics.ping').backoff).toEqual({
      baseSeconds: 10,
      factor: 2,
      maxSeconds: 600,
      jitter: 'full',
    });
  });
});
