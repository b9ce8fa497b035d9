import { describe, expect, it } from 'vitest';
import { STATES } from '../../../src/protocol/records.js';
import { allowedFrom, canTransition, conditionFor, NO_RECORD } from '../../../src/runtime/index.js';
import { leaseExpiredCondition, type RuntimeState } from '../../../src/runtime/transitions.js';

const FROM = [NO_RECORD, ...STATES] as const;
const TARGETS: RuntimeState[] = ['STARTED', 'PROGRESS', 'RETRY', 'SUCCESS', 'FAILURE', 'EXPIRED'];

describe('state machine', () => {
  it('never leaves a finished state, tracked or not, lease expired or not', () => {
    for (const from of ['SUCCESS', 'FAILURE', 'REVOKED', 'EXPIRED'] as const) {
      for (const to of TARGETS) {
        for (const tracked of [true, false]) {
          expect(canTransition(from, to, { tracked, leaseExpired: true }), `${from}->${to}`).toBe(
            false,
          );
        }
      }
    }
  });

  it('starts (or expires) only a queued task: no record, PENDING or RETRY', () => {
    const startable = FROM.filter((f) => canTransition(f, 'STARTED', { tracked: true }));
    expect(startable).toEqual([NO_RECORD, 'PENDING', 'RETRY']);
    expect(FROM.filter((f) => canTransition(f, 'EXPIRED', { tracked: true }))).toEqual(startable);
  });

  it('takes over a run only when its lease has ended', () => {
    expect(canTransition('STARTED', 'STARTED', { tracked: true })).toBe(false);
    expect(canTransition('STARTED', 'STARTED', { tracked: true, leaseExpired: true })).toBe(true);
    expect(canTransition('PROGRESS', 'STARTED', { tracked: true, leaseExpired: true })).toBe(true);
    expect(canTransition('PROGRESS', 'SUCCESS', { tracked: true, leaseExpired: true })).toBe(true);
  });

  it('settles a tracked task only from STARTED or PROGRESS', () => {
    for (const to of ['PROGRESS', 'RETRY', 'SUCCESS', 'FAILURE'] as const) {
      expect(FROM.filter((f) => canTransition(f, to, { tracked: true }))).toEqual([
        'STARTED',
        'PROGRESS',
      ]);
    }
  });

  it('settles an untracked task from any state that is not finished', () => {
    expect(FROM.filter((f) => canTransition(f, 'SUCCESS', { tracked: false }))).toEqual([
      NO_RECORD,
      'PENDING',
      'STARTED',
      'PROGRESS',
      'RETRY',
    ]);
  });
});

describe('conditions enforce the state machine in the write', () => {
  it('lists exactly the allowed states, and allows a missing item only when NONE is allowed', () => {
    for (const to of TARGETS) {
      for (const tracked of [true, false]) {
        const condition = conditionFor(to, tracked);
        const allowed = allowedFrom(to, tracked);
        expect(Object.values(condition.values).sort()).toEqual(
          allowed.filter((s) => s !== NO_RECORD).sort(),
        );
        expect(condition.expression.includes('attribute_not_exists(pk)')).toBe(
          allowed.includes(NO_RECORD),
        );
      }
    }
    expect(conditionFor('SUCCESS', true)).toEqual({
      expression: '#state IN (:from0, :from1)',
      names: { '#state': 'state' },
      values: { ':from0': 'STARTED', ':from1': 'PROGRESS' },
    });
  });

  it('compares the lease with the time of the write for a takeover', () => {
    expect(leaseExpiredCondition(1234)).toEqual({
      expression: '(#state IN (:run0, :run1)) AND #leaseUntil < :now',
      names: { '#state': 'state', '#leaseUntil': 'leaseUntil' },
      values: { ':run0': 'STARTED', ':run1': 'PROGRESS', ':now': 1234 },
    });
  });
});
