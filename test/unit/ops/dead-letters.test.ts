import type { Message } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { catalog } from '../../../src/catalog/index.js';
import { matches, toDeadLetter } from '../../../src/ops/dead-letters.js';
import {
  checkRedrivable,
  describeFailure,
  judgeReopen,
  REDRIVE_POLICY_REASON,
} from '../../../src/ops/index.js';

const envelope = {
  v: 1,
  id: 'task-1',
  task: 'diagnostics.ping',
  args: { message: 'hi' },
  tier: 'normal',
  attempt: 2,
  createdAt: '2026-11-23T10:00:00.000Z',
};
const body = (change: Record<string, unknown> = {}) => JSON.stringify({ ...envelope, ...change });
const queue = 'diagnostics/normal';
const text = (value: string) => ({ DataType: 'String', StringValue: value });

const runtimeLetter: Message = {
  MessageId: 'm-1',
  ReceiptHandle: 'rh-1',
  Body: body(),
  Attributes: { SentTimestamp: String(Date.parse('2026-11-23T09:59:00.000Z')) },
  MessageAttributes: {
    'lovage-id': text('task-1'),
    'lovage-task': text('diagnostics.ping'),
    'lovage-error-type': text('TimeoutError'),
    'lovage-error-message': text('took too long'),
    'lovage-failure-reason': text('retries exhausted: attempt 2 of 2 (maxRetries 1)'),
    'lovage-failed-at': text('2026-11-23T10:00:05.000Z'),
    'lovage-attempts': { DataType: 'Number', StringValue: '2' },
  },
};
const policyLetter: Message = {
  MessageId: 'm-2',
  ReceiptHandle: 'rh-2',
  Body: body({ id: 'task-2' }),
  Attributes: { SentTimestamp: String(Date.parse('2026-11-23T11:00:00.000Z')) },
};

describe('dead letters as read', () => {
  it("reads the runtime's attributes: attempts, error, why the failure is final", () => {
    const letter = toDeadLetter(queue, runtimeLetter);
    expect(letter).toMatchObject({
      origin: 'runtime',
      taskId: 'task-1',
      task: 'diagnostics.ping',
      attempts: 2,
      errorType: 'TimeoutError',
      failureReason: 'retries exhausted: attempt 2 of 2 (maxRetries 1)',
      failedAt: '2026-11-23T10:00:05.000Z',
      sentAt: '2026-11-23T09:59:00.000Z',
    });
    expect(describeFailure(letter)).toBe(
      'TimeoutError: took too long (retries exhausted: attempt 2 of 2 (maxRetries 1))',
    );
  });

  it('says a letter without attributes was moved by the redrive policy, naming its task from the body', () => {
    const letter = toDeadLetter(queue, policyLetter);
    expect(letter).toMatchObject({
      origin: 'redrive-policy',
      taskId: 'task-2',
      task: 'diagnostics.ping',
      attempts: undefined,
      errorType: undefined,
    });
    expect(describeFailure(letter)).toBe(REDRIVE_POLICY_REASON);
  });

  it('reads a rejected letter that never ran (attempts 0) and a body that is not JSON', () => {
    const letter = toDeadLetter(queue, {
      MessageId: 'm-3',
      Body: 'not json',
      MessageAttributes: {
        'lovage-error-type': text('EnvelopeError'),
        'lovage-error-message': text('body is not JSON'),
        'lovage-attempts': { DataType: 'Number', StringValue: '0' },
      },
    });
    expect(letter).toMatchObject({ origin: 'runtime', attempts: 0, taskId: undefined });
  });

  it('filters by error type and by failure time, falling back to the send time', () => {
    const failed = toDeadLetter(queue, runtimeLetter);
    const moved = toDeadLetter(queue, policyLetter);
    expect(matches(failed, { errorType: 'TimeoutError' })).toBe(true);
    expect(matches(moved, { errorType: 'TimeoutError' })).toBe(false);
    const window = { since: '2026-11-23T10:30:00.000Z', until: '2026-11-23T12:00:00.000Z' };
    expect(matches(failed, window)).toBe(false);
    expect(matches(moved, window)).toBe(true);
    expect(matches(moved, { queue: 'email/high' })).toBe(false);
  });
});

describe('checkRedrivable', () => {
  const now = Date.parse('2026-11-23T12:00:00.000Z');
  const check = (b: string, q = queue) => checkRedrivable({ queue: q, body: b }, catalog, now);

  it('accepts a valid envelope of a task in the queue category, keeping its attempt', () => {
    const result = check(body());
    expect(result.ok && result.envelope).toMatchObject({ id: 'task-1', attempt: 2 });
  });

  it.each([
    ['a body that is not JSON', 'not json', /^body is not JSON/],
    ['another envelope version', body({ v: 2 }), /^unsupported envelope version 2/],
    ['an id that breaks the id rule', body({ id: '-x' }), /^invalid envelope: id: must be/],
    ['a task not in the catalog', body({ task: 'diagnostics.nope' }), /not in the catalog/],
    ['args that fail the schema', body({ args: { message: 7 } }), /^invalid payload for task/],
    [
      'a tier other than the queue’s',
      body({ tier: 'critical' }),
      /^tier 'critical' does not match/,
    ],
  ])('refuses %s, saying it would be rejected again', (_, b, reason) => {
    const result = check(b);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toMatch(reason);
      expect(result.reason).toMatch(/re-sent, it would only be rejected again$/);
    }
  });

  it("refuses a task of another category than the queue's", () => {
    const result = check(body(), 'email/high');
    expect(result).toEqual({
      ok: false,
      reason:
        "task 'diagnostics.ping' belongs to category 'diagnostics', not to this queue's ('email'); re-sent, it would only be rejected again",
    });
  });

  it('refuses an expired envelope, which the runtime would not run', () => {
    expect(check(body({ expires: '2026-11-23T11:00:00.000Z' }))).toEqual({
      ok: false,
      reason: 'expired at 2026-11-23T11:00:00.000Z; the runtime would not run it',
    });
    expect(check(body({ expires: '2026-11-23T13:00:00.000Z' })).ok).toBe(true);
  });
});

describe('judgeReopen', () => {
  const now = 1_000_000;

  it('reopens FAILURE, lowering the attempt to the envelope attempt so it is admitted', () => {
    expect(judgeReopen({ state: 'FAILURE', attempt: 4 }, 4, now)).toEqual({
      kind: 'reopen',
      from: 'FAILURE',
      attempt: 4,
      lost: false,
    });
    expect(judgeReopen({ state: 'FAILURE', attempt: 4 }, 1, now)).toMatchObject({ attempt: 1 });
    expect(judgeReopen({ state: 'FAILURE', attempt: 2 }, 3, now)).toMatchObject({ attempt: 2 });
  });

  it('reopens a lost run (lease passed, or none) and refuses a live lease', () => {
    for (const state of ['STARTED', 'PROGRESS'] as const) {
      expect(judgeReopen({ state, attempt: 1, leaseUntil: now - 1 }, 1, now)).toEqual({
        kind: 'reopen',
        from: state,
        attempt: 1,
        lost: true,
      });
      expect(judgeReopen({ state, attempt: 1 }, 1, now)).toMatchObject({ lost: true });
      const live = judgeReopen({ state, attempt: 1, leaseUntil: now + 1 }, 1, now);
      expect(live.kind).toBe('refuse');
    }
  });

  it('admits a task with no record, or PENDING at an attempt the envelope reaches', () => {
    expect(judgeReopen(undefined, 1, now)).toEqual({ kind: 'admit' });
    expect(judgeReopen({ state: 'PENDING', attempt: 2 }, 2, now)).toEqual({ kind: 'admit' });
    expect(judgeReopen({ state: 'PENDING', attempt: 3 }, 2, now)).toMatchObject({
      kind: 'refuse',
      reason: expect.stringMatching(/acknowledged without running/),
    });
  });

  it.each(['SUCCESS', 'REVOKED', 'EXPIRED', 'RETRY'] as const)('never touches %s', (state) => {
    expect(judgeReopen({ state, attempt: 1 }, 1, now)).toMatchObject({
      kind: 'refuse',
      reason: expect.stringContaining(`task is ${state}`),
    });
  });
});

describe('a redriven lost run', () => {
  it('is marked with an error the runtime runs alone', async () => {
    const { LOST_RUN_ERROR_TYPE } = await import('../../../src/ops/reopen.js');
    const { runsAlone } = await import('../../../src/runtime/index.js');
    expect(runsAlone({ error: { type: LOST_RUN_ERROR_TYPE, message: '' } })).toBe(true);
  });
});
