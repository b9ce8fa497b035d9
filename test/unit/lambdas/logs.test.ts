import { describe, expect, it } from 'vitest';
import {
  EMBEDDING_DIMENSIONS,
  embedText,
  parseLine,
  summarize,
} from '../../../lambdas/logs/pipeline.js';

describe('logs pipeline', () => {
  it('parses a valid JSON log line and refuses others', () => {
    const line = JSON.stringify({
      ts: '2026-11-30T00:00:00Z',
      level: 'warn',
      source: 'api',
      message: 'slow',
    });
    expect(parseLine(line)).toEqual({
      ts: '2026-11-30T00:00:00Z',
      level: 'warn',
      source: 'api',
      message: 'slow',
    });
    expect(parseLine('garbled line 49')).toBeUndefined();
    expect(
      parseLine(JSON.stringify({ ts: 'x', level: 'warn', source: 'a', message: 'm' })),
    ).toBeUndefined();
    expect(
      parseLine(
        JSON.stringify({ ts: '2026-11-30T00:00:00Z', level: 'loud', source: 'a', message: 'm' }),
      ),
    ).toBeUndefined();
  });

  it('embeds text as a unit vector, the same for the same text, different for other text', () => {
    const a = embedText('user login timeout');
    expect(a).toHaveLength(EMBEDDING_DIMENSIONS);
    expect(Math.hypot(...a)).toBeCloseTo(1, 5);
    expect(embedText('USER login  timeout')).toEqual(a);
    expect(embedText('payment queue disk')).not.toEqual(a);
    expect(embedText('')).toEqual(new Array(EMBEDDING_DIMENSIONS).fill(0));
  });

  it('summarizes levels, sources and error rates', () => {
    const at = '2026-11-30T00:00:00Z';
    const report = summarize('2026-11-30', 1, [
      { ts: at, level: 'error', source: 'api', message: 'a' },
      { ts: at, level: 'info', source: 'api', message: 'b' },
      { ts: at, level: 'info', source: 'db', message: 'c' },
      { ts: at, level: 'error', source: 'db', message: 'd' },
    ]);
    expect(report).toEqual({
      date: '2026-11-30',
      files: 1,
      lines: 4,
      levels: { debug: 0, info: 2, warn: 0, error: 2 },
      sources: { api: 2, db: 2 },
      errorRate: 0.5,
      errorRateBySource: { api: 0.5, db: 0.5 },
    });
  });
});
