import { convertToAttr } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { attributeValues, toAttribute } from '../../../src/runtime/marshal.js';
import { seededRandom } from '../../../src/seeded-random.js';

class Money {
  constructor(readonly cents: number) {}
}

const ODD_VALUES: unknown[] = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  -Number.MAX_VALUE,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 2,
  Number.MIN_SAFE_INTEGER,
  -0,
  0.1 + 0.2,
  1e-7,
  '',
  'ünï',
  true,
  null,
  undefined,
  () => 1,
  10n,
  new Set(['a', 'b']),
  new Set([1, 2]),
  new Set(),
  new Uint8Array([1, 2]),
  new Map([['k', 1]]),
  new Money(5),
  Object.create(null),
  Object.assign(Object.create(null), { a: 1 }),
  [],
  {},
];

function value(next: () => number, depth: number): unknown {
  const pick = next();
  if (depth < 4 && pick < 0.2) {
    return Array.from({ length: Math.floor(next() * 5) }, () => value(next, depth + 1));
  }
  if (depth < 4 && pick < 0.4) {
    const object: Record<string, unknown> = {};
    for (let i = Math.floor(next() * 5); i > 0; i--)
      object[`k${Math.floor(next() * 8)}`] = value(next, depth + 1);
    return object;
  }
  if (pick < 0.55) return ODD_VALUES[Math.floor(next() * ODD_VALUES.length)];
  if (pick < 0.7) return Math.floor((next() - 0.5) * 2 ** (next() * 60));
  if (pick < 0.8) return (next() - 0.5) * 10 ** Math.floor(next() * 20);
  return next()
    .toString(36)
    .slice(2, 2 + Math.floor(next() * 12));
}

/** What the SDK's converter gives, or the message it throws. */
function outcome(convert: () => unknown): unknown {
  try {
    return { value: convert() };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

describe('toAttribute', () => {
  it('gives what the SDK converter gives (or throws what it throws) over 20,000 random values', () => {
    for (let seed = 1; seed <= 20_000; seed++) {
      const input = value(seededRandom(seed), 0);
      if (input === undefined) continue; // Top-level undefined: attributeValues leaves it out (below).
      const expected = outcome(() => convertToAttr(input, { removeUndefinedValues: true }));
      const actual = outcome(() => toAttribute(input));
      if (JSON.stringify(actual, replacer) !== JSON.stringify(expected, replacer)) {
        expect({ seed, actual }).toEqual({ seed, actual: expected });
      }
      expect(actual).toStrictEqual(expected);
    }
  });

  it('marshals a record write by hand: strings, numbers, lists and maps', () => {
    expect(
      toAttribute({ state: 'STARTED', at: '2026-11-30T00:00:00.000Z', attempt: 2, n: [1, null] }),
    ).toEqual({
      M: {
        state: { S: 'STARTED' },
        at: { S: '2026-11-30T00:00:00.000Z' },
        attempt: { N: '2' },
        n: { L: [{ N: '1' }, { NULL: true }] },
      },
    });
  });
});

describe('attributeValues', () => {
  it('leaves out undefined and function values, as the document client does', () => {
    expect(attributeValues({ ':a': 'x', ':b': undefined, ':c': () => 1, ':d': 3 })).toEqual({
      ':a': { S: 'x' },
      ':d': { N: '3' },
    });
  });
});

/** JSON for values the SDK's output may hold (sets, binary, bigint), only to compare. */
function replacer(_key: string, v: unknown) {
  if (v instanceof Set) return { set: [...v] };
  if (v instanceof Uint8Array) return { bytes: [...v] };
  if (typeof v === 'bigint') return { bigint: v.toString() };
  return v;
}
