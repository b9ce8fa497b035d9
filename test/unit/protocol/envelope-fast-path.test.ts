import { describe, expect, it } from 'vitest';
import {
  envelopeSchema,
  validateEnvelope,
  wellFormedEnvelope,
} from '../../../src/protocol/envelope.js';
import { seededRandom } from '../../../src/seeded-random.js';

const BASE = {
  v: 1,
  id: 'task-1',
  task: 'email.send',
  args: { to: 'a@example.com' },
  tier: 'normal',
  attempt: 2,
  eta: '2026-11-30T10:00:00.000Z',
  expires: '2026-11-30T11:00:00+01:00',
  correlationId: 'corr',
  parentId: 'parent',
  rootId: 'root',
  workflowId: 'wf',
  createdAt: '2026-11-30T09:00:00Z',
  source: 'api',
};

/** Values each field is tried with: valid ones, near misses and wrong types. */
const TRIES: Record<string, unknown[]> = {
  v: [1, 2, '1', 0],
  id: ['a', 'A.b:c@d+e=f-g_h', '-bad', '', 'x'.repeat(200), 'x'.repeat(201), 'sp ace', 7, 'ünï'],
  task: ['t', '', 3, 'x'.repeat(500)],
  args: [undefined, null, [], 'text', { nested: { deep: [1] } }],
  tier: ['critical', 'high', 'normal', 'low', 'urgent', '', null],
  attempt: [
    1,
    3,
    0,
    -1,
    1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    2 ** 53,
    2 ** 53 - 1,
    '2',
    null,
  ],
  eta: [
    '2026-02-29T00:00:00Z',
    '2028-02-29T00:00:00Z',
    '2026-11-30T10:00:00',
    '2026-11-30',
    'soon',
    5,
  ],
  expires: ['2026-11-30T23:59:59.999999Z', '2026-11-30T24:00:00Z', '2026-11-30T10:00:00+25:00', ''],
  correlationId: ['', 'c'.repeat(200), 'c'.repeat(201), 9, null],
  parentId: ['p', 'p'.repeat(201)],
  rootId: ['r', null],
  workflowId: ['w', 'w'.repeat(200), 1],
  createdAt: ['2026-11-30T09:00:00.1+05:30', '2026-13-01T00:00:00Z', '2026-11-30 09:00:00Z', null],
  source: ['', 's'.repeat(200), 's'.repeat(201), 3],
};
const FIELDS = Object.keys(TRIES);

function envelope(next: () => number): unknown {
  const candidate: Record<string, unknown> = { ...BASE };
  for (const field of FIELDS) {
    const roll = next();
    if (roll < 0.15) delete candidate[field];
    else if (roll < 0.35) {
      const tries = TRIES[field] as unknown[];
      candidate[field] = tries[Math.floor(next() * tries.length)];
    }
  }
  if (next() < 0.05) candidate[`extra${Math.floor(next() * 3)}`] = 'x';
  return candidate;
}

describe('wellFormedEnvelope, the envelope fast path', () => {
  it('accepts exactly what the schema accepts and gives what it gives, over 30,000 random envelopes', () => {
    let accepted = 0;
    for (let seed = 1; seed <= 30_000; seed++) {
      // As it arrives: a message body is JSON (an undefined field is no field).
      const raw = JSON.parse(JSON.stringify(envelope(seededRandom(seed)))) as unknown;
      const fast = wellFormedEnvelope(structuredClone(raw));
      const parsed = envelopeSchema.safeParse(structuredClone(raw));
      if (fast === undefined) {
        // The fast path declines only what the schema refuses too: it is used for every valid body.
        expect({ seed, schemaAccepted: parsed.success }).toEqual({ seed, schemaAccepted: false });
        continue;
      }
      accepted++;
      expect({ seed, parsed: parsed.success ? parsed.data : parsed.error.message }).toStrictEqual({
        seed,
        parsed: fast,
      });
      expect(Object.keys(fast)).toEqual(Object.keys(parsed.success ? parsed.data : {}));
    }
    // The generator reaches both sides: most envelopes have some bad field, but not all.
    expect(accepted).toBeGreaterThan(1_000);
    expect(accepted).toBeLessThan(29_000);
  });

  it('still names every bad field through the schema when the fast path declines', () => {
    expect(() => validateEnvelope({ ...BASE, tier: 'urgent', attempt: 0 })).toThrow(
      /invalid envelope: tier: .*attempt: /,
    );
  });
});
