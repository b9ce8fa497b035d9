import { describe, expect, it } from 'vitest';
import { catalog, PayloadValidationError, UnknownTaskError } from '../../../src/catalog/index.js';
import {
  QueryOptionsError,
  SendOptionsError,
  validateListOptions,
  validateSend,
} from '../../../src/client/index.js';
import { prepareSend } from '../../../src/client/prepare.js';
import { config, email } from './fixtures.js';

const now = new Date('2026-11-23T10:00:00.000Z');

describe('validateSend (no stack needed)', () => {
  it('fails like prepareSend on a bad task name, payload or option', () => {
    expect(() => validateSend(catalog, 'email.sendd', {})).toThrow(UnknownTaskError);
    expect(() => validateSend(catalog, 'email.check_quota', { warnAtPercent: 500 })).toThrow(
      PayloadValidationError,
    );
    expect(() =>
      validateSend(catalog, 'email.check_quota', {}, { eta: now, expires: now }, now),
    ).toThrow(SendOptionsError);
  });

  it('builds the same envelope prepareSend sends, which adds only the queue', () => {
    const options = { id: 'same-id', countdownSeconds: 30 };
    const valid = validateSend(catalog, 'email.send', email, options, now);
    const prepared = prepareSend(catalog, config, 'email.send', email, options, now);
    expect(prepared).toEqual({ ...valid, queue: config.queues['email/high'] });
    expect(valid.delaySeconds).toBe(30);
  });
});

describe('validateListOptions (no table needed)', () => {
  it('fails on an unknown task, a bad state or an out-of-range limit', () => {
    expect(() => validateListOptions(catalog, { task: 'email.sendd' })).toThrow(UnknownTaskError);
    expect(() => validateListOptions(catalog, { state: 'DONE' as never })).toThrow(
      QueryOptionsError,
    );
    expect(() => validateListOptions(catalog, { limit: 0 })).toThrow(/limit \(0\)/);
  });

  it('resolves the defaults: 50 tasks from the last 24 hours', () => {
    const before = Date.now() - 86_400_000;
    const { limit, since } = validateListOptions(catalog);
    expect(limit).toBe(50);
    expect(Date.parse(since)).toBeGreaterThanOrEqual(before);
  });
});
