import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CatalogError, defineCatalog, type TaskOptions, task } from '../../../src/catalog/index.js';

const define = (options: Partial<TaskOptions>, timeoutSeconds = 30) =>
  defineCatalog({
    categories: {
      c: { timeoutSeconds, tasks: { 'c.t': task({ schema: z.object({}), ...options }) } },
    },
  }).task('c.t');

describe('task options', () => {
  it('documents its defaults: 3 retries, 10 s x2 up to 600 s with full jitter, tracked, results kept', () => {
    expect(define({})).toMatchObject({
      maxRetries: 3,
      backoff: { baseSeconds: 10, factor: 2, maxSeconds: 600, jitter: 'full' },
      neverRetry: [],
      ignoreResult: false,
      trackStarted: true,
      resultTtlSeconds: 86_400,
    });
    expect(define({}).rateLimitWindow).toBeUndefined();
    expect(define({}).softTimeLimitSeconds).toBeUndefined();
  });

  it('merges a partial backoff with the defaults and parses the rate limit', () => {
    const def = define({ backoff: { baseSeconds: 60, jitter: 'none' }, rateLimit: '10/m' });
    expect(def.backoff).toEqual({ baseSeconds: 60, factor: 2, maxSeconds: 600, jitter: 'none' });
    expect(def.rateLimitWindow).toEqual({ limit: 10, windowSeconds: 60 });
  });

  it.each<[string, Partial<TaskOptions>, string]>([
    [
      'maxRetries is negative',
      { maxRetries: -1 },
      "task 'c.t': maxRetries (-1) must be a whole number from 0 to 100",
    ],
    ['maxRetries is fractional', { maxRetries: 1.5 }, 'maxRetries (1.5) must be a whole number'],
    [
      'backoff.baseSeconds is under 1',
      { backoff: { baseSeconds: 0 } },
      'backoff.baseSeconds (0) must be at least 1',
    ],
    [
      'backoff.factor is over 10',
      { backoff: { factor: 11 } },
      'backoff.factor (11) must be from 1 to 10',
    ],
    [
      'backoff.maxSeconds is under baseSeconds',
      { backoff: { baseSeconds: 60, maxSeconds: 30 } },
      'backoff.maxSeconds (30) must be from backoff.baseSeconds (60) to 86400',
    ],
    [
      'backoff.jitter is unknown',
      { backoff: { jitter: 'half' as 'full' } },
      "backoff.jitter ('half') must be 'full' or 'none'",
    ],
    [
      'neverRetry names no class',
      { neverRetry: ['not a name'] },
      "neverRetry entry 'not a name' must be an error class name",
    ],
    [
      'softTimeLimitSeconds is not under the hard limit',
      { softTimeLimitSeconds: 30 },
      "softTimeLimitSeconds (30) must be more than 0 and less than the category's timeoutSeconds (30)",
    ],
    [
      'rateLimit has an unknown unit',
      { rateLimit: '5/d' as '5/s' },
      "rateLimit '5/d' must be '<n>/s', '<n>/m' or '<n>/h'",
    ],
  ])('fails if %s', (_label, options, message) => {
    expect(() => define(options)).toThrow(CatalogError);
    expect(() => define(options)).toThrow(message);
  });
});
