import { describe, expect, it } from 'vitest';
import { storable } from '../../../src/runtime/outcome.js';
import { seededRandom } from '../../../src/seeded-random.js';

/** A random value of the kinds a task may return, JSON-able or not. */
function randomValue(random: () => number, depth = 0): unknown {
  const scalars = [
    () => 'text',
    () => '',
    () => Math.floor(random() * 1000) - 500,
    () => random(),
    () => -0,
    () => Number.NaN,
    () => Number.POSITIVE_INFINITY,
    () => true,
    () => null,
    () => undefined,
    () => new Date(Math.floor(random() * 2e12)),
    () => () => 1,
  ];
  const pick = Math.floor(random() * (depth < 2 ? scalars.length + 3 : scalars.length));
  if (pick < scalars.length) return (scalars[pick] as () => unknown)();
  const size = Math.floor(random() * 4);
  if (pick === scalars.length) {
    return Array.from({ length: size }, () => randomValue(random, depth + 1));
  }
  const object: Record<string, unknown> = pick === scalars.length + 1 ? {} : Object.create(null);
  for (let i = 0; i < size; i++) object[`k${i}`] = randomValue(random, depth + 1);
  return object;
}

describe('storable', () => {
  it('stores what JSON reads back, for flat plain results and everything else', () => {
    const random = seededRandom(7);
    for (let i = 0; i < 5_000; i++) {
      const value = randomValue(random);
      const stored = storable(value);
      expect(stored.ok).toBe(true);
      if (stored.ok)
        expect(stored.value).toStrictEqual(JSON.parse(JSON.stringify(value ?? null) ?? 'null'));
    }
  });

  it('keeps a flat plain result as it is, and reads anything else back through JSON', () => {
    const flat = { ok: true, n: 2, s: 'x', nil: null };
    expect((storable(flat) as { value: unknown }).value).toBe(flat);
    const dated = { at: new Date(0) };
    expect((storable(dated) as { value: unknown }).value).toEqual({
      at: '1970-01-01T00:00:00.000Z',
    });
    expect((storable([1, Number.NaN]) as { value: unknown }).value).toEqual([1, null]);
  });

  it('refuses what JSON cannot hold or a record cannot store', () => {
    expect(storable({ big: 1n })).toMatchObject({
      ok: false,
      error: {
        type: 'ResultNotStorableError',
        message: expect.stringMatching(/not JSON-serialisable/),
      },
    });
    expect(storable('x'.repeat(300_001))).toMatchObject({ ok: false });
  });
});
