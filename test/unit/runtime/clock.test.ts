import { describe, expect, it } from 'vitest';
import { isoNow, isoTime } from '../../../src/runtime/clock.js';
import { seededRandom } from '../../../src/seeded-random.js';

describe('isoTime', () => {
  it('writes what toISOString writes, over random instants and the edges of days and years', () => {
    const random = seededRandom(20261130);
    const instants = [
      0,
      1,
      86_399_999,
      86_400_000,
      951_782_400_000, // 2000-02-29
      1_798_761_599_999, // 2026-12-31T23:59:59.999Z
      1_798_761_600_000,
      253_402_300_799_999, // the last four-digit year's last millisecond
      253_402_300_800_000, // +010000-01-01: toISOString's six-digit year
      -1,
      -62_198_755_200_000, // year 0
      1.5, // not a whole millisecond
    ];
    for (let i = 0; i < 20_000; i++) instants.push(Math.floor(random() * 253_402_300_800_000));
    // Consecutive instants a few ms apart, as a worker stamps them, across midnights.
    for (let t = 1_798_761_599_000; t < 1_798_761_601_000; t += 7) instants.push(t);
    for (const ms of instants) expect(isoTime(ms), String(ms)).toBe(new Date(ms).toISOString());
  });

  it('throws on an invalid instant, as toISOString does', () => {
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
    expect(() => isoTime(8.64e15 + 1)).toThrow(RangeError);
  });

  it('isoNow is the current instant', () => {
    const before = Date.now();
    const now = Date.parse(isoNow());
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});
