import { describe, expect, it } from 'vitest';
import {
  decideRetry,
  SoftTimeLimitExceededError,
  TaskRevokedError,
  toTaskError,
  UnrecoverableError,
} from '../../../src/runtime/index.js';

const policy = { maxRetries: 3, neverRetry: ['BadInputError'] as string[] };
const named = (type: string) => ({ type, message: 'x' });

describe('decideRetry', () => {
  it('retries any other error while retries remain', () => {
    expect(decideRetry(named('TypeError'), policy, 1)).toEqual({ retry: true });
    expect(decideRetry(named('TypeError'), policy, 3)).toEqual({ retry: true });
  });

  it('stops after maxRetries retries, saying how many attempts ran', () => {
    expect(decideRetry(named('TypeError'), policy, 4)).toEqual({
      retry: false,
      reason: 'retries exhausted: attempt 4 of 4 (maxRetries 3)',
    });
    expect(decideRetry(named('TypeError'), { ...policy, maxRetries: 0 }, 1).retry).toBe(false);
  });

  it('never retries an UnrecoverableError, whatever the attempt', () => {
    const error = toTaskError(new UnrecoverableError('gone'));
    expect(decideRetry(error, policy, 1)).toEqual({
      retry: false,
      reason: 'UnrecoverableError is never retried',
    });
  });

  it('never retries a revoked run', () => {
    expect(decideRetry(toTaskError(new TaskRevokedError('t1')), policy, 1).retry).toBe(false);
  });

  it('never retries an error named in neverRetry', () => {
    expect(decideRetry(named('BadInputError'), policy, 1)).toEqual({
      retry: false,
      reason: 'BadInputError is listed in neverRetry',
    });
  });

  it('retries only the errors named in retryOn when it is set', () => {
    const only = { ...policy, retryOn: ['ThrottlingException'] };
    expect(decideRetry(named('ThrottlingException'), only, 1)).toEqual({ retry: true });
    expect(decideRetry(named('TypeError'), only, 1)).toEqual({
      retry: false,
      reason: 'TypeError is not listed in retryOn (ThrottlingException)',
    });
  });

  it('treats a soft time limit like any error unless the task lists it', () => {
    const error = toTaskError(new SoftTimeLimitExceededError('a.b', 5));
    expect(decideRetry(error, policy, 1).retry).toBe(true);
    expect(decideRetry(error, { ...policy, neverRetry: [error.type] }, 1).retry).toBe(false);
  });
});

describe('toTaskError', () => {
  it('keeps the name and message of an error, and stringifies anything else thrown', () => {
    expect(toTaskError(new RangeError('too big'))).toEqual({
      type: 'RangeError',
      message: 'too big',
    });
    expect(toTaskError('boom')).toEqual({ type: 'NonErrorThrown', message: 'boom' });
  });
});
