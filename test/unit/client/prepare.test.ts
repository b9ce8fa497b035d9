import { describe, expect, it } from 'vitest';
import { catalog, PayloadValidationError, UnknownTaskError } from '../../../src/catalog/index.js';
import { SendOptionsError } from '../../../src/client/index.js';
import { MAX_MESSAGE_BYTES, prepareSend } from '../../../src/client/prepare.js';
import { config, email } from './fixtures.js';

const now = new Date('2026-11-23T10:00:00.000Z');
const prepare = (task: string, args: unknown, options = {}) =>
  prepareSend(catalog, config, task, args, options, now);

describe('prepareSend validation', () => {
  it('fails if the task is not in the catalog', () => {
    expect(() => prepare('email.nope', {})).toThrow(UnknownTaskError);
  });

  it('fails if the payload breaks the schema, naming the task and the field', () => {
    const error = (() => {
      try {
        prepare('email.send', { ...email, to: ['not-an-address'] });
      } catch (caught) {
        return caught as PayloadValidationError;
      }
    })();
    expect(error).toBeInstanceOf(PayloadValidationError);
    expect(error?.message).toMatch(/'email\.send'.*to\.0/);
  });

  it('fails if the tier is unknown or the category has no queue on it', () => {
    expect(() => prepare('email.send', email, { tier: 'urgent' })).toThrow(/tier 'urgent'/);
    expect(() => prepare('email.send', email, { tier: 'critical' })).toThrow(
      /no 'critical' queue for category 'email'/,
    );
  });

  it('fails if the id breaks the envelope rules, naming the field', () => {
    expect(() => prepare('email.send', email, { id: 'has spaces' })).toThrow(SendOptionsError);
    expect(() => prepare('email.send', email, { id: 'has spaces' })).toThrow(/id:/);
  });

  it('fails if countdown and eta are both given, or either is malformed', () => {
    expect(() =>
      prepare('email.send', email, { countdownSeconds: 5, eta: '2026-11-23T11:00:00Z' }),
    ).toThrow(/exclusive/);
    expect(() => prepare('email.send', email, { countdownSeconds: -1 })).toThrow(
      /countdownSeconds \(-1\)/,
    );
    expect(() => prepare('email.send', email, { eta: 'tomorrow' })).toThrow(/eta \(tomorrow\)/);
  });

  it('fails if expires is not after the eta', () => {
    expect(() =>
      prepare('email.send', email, { countdownSeconds: 600, expires: '2026-11-23T10:05:00Z' }),
    ).toThrow(/expires \(2026-11-23T10:05:00.000Z\) must be later than now and than the eta/);
  });

  it('fails if viaScheduler has no delay to wait for', () => {
    expect(() => prepare('email.send', email, { viaScheduler: true })).toThrow(/viaScheduler/);
  });

  it('rejects an oversize payload before sending, with the limit in the message', () => {
    const big = { ...email, text: 'x'.repeat(MAX_MESSAGE_BYTES) };
    expect(() => prepare('email.send', big)).toThrow(new RegExp(`at most ${MAX_MESSAGE_BYTES}`));
  });
});

describe('prepareSend routing', () => {
  it('sends at once to the task tier queue by default', () => {
    const ready = prepare('email.check_quota', {});
    expect(ready.queue.url).toMatch(/email-low$/);
    expect(ready.delaySeconds).toBe(0);
    expect(ready.scheduleAt).toBeUndefined();
    expect(ready.envelope).toMatchObject({ v: 1, task: 'email.check_quota', tier: 'low' });
    expect(ready.envelope.eta).toBeUndefined();
  });

  it('delays through SQS up to 900 s, rounding fractions up, with the eta in the envelope', () => {
    const ready = prepare('email.check_quota', {}, { countdownSeconds: 899.2 });
    expect(ready.delaySeconds).toBe(900);
    expect(ready.scheduleAt).toBeUndefined();
    expect(ready.envelope.eta).toBe('2026-11-23T10:14:59.200Z');
  });

  it('goes through a one-time schedule beyond 900 s, keeping eta and expires', () => {
    const ready = prepare(
      'email.check_quota',
      {},
      { eta: '2026-11-24T08:00:00Z', expires: new Date('2026-11-24T09:00:00Z') },
    );
    expect(ready.scheduleAt?.toISOString()).toBe('2026-11-24T08:00:00.000Z');
    expect(ready.delaySeconds).toBe(0);
    expect(ready.envelope).toMatchObject({
      eta: '2026-11-24T08:00:00.000Z',
      expires: '2026-11-24T09:00:00.000Z',
    });
  });

  it('goes through a one-time schedule for a short delay when viaScheduler is set', () => {
    const ready = prepare('email.check_quota', {}, { countdownSeconds: 30, viaScheduler: true });
    expect(ready.scheduleAt?.toISOString()).toBe('2026-11-23T10:00:30.000Z');
  });

  it('runs an eta in the past at once, as Celery does', () => {
    const ready = prepare('email.check_quota', {}, { eta: '2026-11-23T09:00:00Z' });
    expect(ready.delaySeconds).toBe(0);
    expect(ready.scheduleAt).toBeUndefined();
  });

  it('honours tier override, id and correlation id', () => {
    const ready = prepare('email.check_quota', {}, { tier: 'high', id: 'q-1', correlationId: 'c' });
    expect(ready.queue.url).toMatch(/email-high$/);
    expect(ready.envelope).toMatchObject({ id: 'q-1', tier: 'high', correlationId: 'c' });
  });
});
