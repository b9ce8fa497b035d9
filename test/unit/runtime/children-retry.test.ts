import { describe, expect, it } from 'vitest';
import { childTaskId } from '../../../src/runtime/children.js';
import {
  decideRequestedRetry,
  RetryRequestedError,
  requestRetry,
} from '../../../src/runtime/retry-request.js';

describe('childTaskId', () => {
  it('derives a child id from its parent id and key', () => {
    expect(childTaskId('order-42', '0')).toBe('order-42+0');
  });

  it('stays within 200 characters and stays deterministic for long parents', () => {
    const parent = 'p'.repeat(199);
    const a = childTaskId(parent, 'file-1');
    expect(a.length).toBeLessThanOrEqual(200);
    expect(childTaskId(parent, 'file-1')).toBe(a);
    expect(childTaskId(parent, 'file-2')).not.toBe(a);
  });
});

describe('ctx.retry', () => {
  it('throws a RetryRequestedError carrying the countdown and reason', () => {
    try {
      requestRetry({ countdownSeconds: 30, reason: 'not uploaded yet' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(RetryRequestedError);
      expect(error).toMatchObject({ countdownSeconds: 30, message: 'not uploaded yet' });
    }
  });

  it('fails if the countdown is out of range', () => {
    expect(() => requestRetry({ countdownSeconds: -1 })).toThrow(RangeError);
    expect(() => requestRetry({ countdownSeconds: 86_401 })).toThrow(/0 to 86400/);
  });

  it('grants the asked countdown while retries remain, then fails for good', () => {
    const asked = new RetryRequestedError({ countdownSeconds: 7, reason: 'later' });
    expect(decideRequestedRetry(asked, { maxRetries: 2 }, 2)).toMatchObject({
      retry: true,
      delaySeconds: 7,
    });
    expect(decideRequestedRetry(asked, { maxRetries: 2 }, 3)).toMatchObject({
      retry: false,
      error: { type: 'MaxRetriesExceededError' },
    });
  });
});
