import { describe, expect, it } from 'vitest';
import { lastWindow } from '../../../lambdas/analytics/reports.js';
import { dayWindow, totals, yesterday } from '../../../lambdas/analytics/task-counts.js';
import { type HealthGet, probe } from '../../../lambdas/monitoring/check-apps.js';
import { GetTimeoutError } from '../../../lambdas/monitoring/guarded-get.js';
import { assess } from '../../../lambdas/monitoring/system-health.js';
import { bookSk, crosses } from '../../../lambdas/orders/book.js';
import { notificationKey } from '../../../lambdas/orders/notify.js';
import { keySafe, toJsonLines } from '../../../lambdas/shared/s3.js';
import { expiredKeys } from '../../../lambdas/sync/cleanup.js';

describe('orders', () => {
  it('orders each book best price first, then oldest', () => {
    const at = '2026-01-01T00:00:00Z';
    const sells = [105, 99, 100]
      .map((price, i) => bookSk({ side: 'sell', price, createdAt: at, orderId: `s${i}` }))
      .sort();
    expect(sells.map((k) => Number(k.split('#')[0]))).toEqual([99, 100, 105]);
    const buys = [99, 105, 100].map((price) => ({
      price,
      key: bookSk({ side: 'buy', price, createdAt: at, orderId: 'b' }),
    }));
    expect(buys.sort((a, b) => a.key.localeCompare(b.key)).map((b) => b.price)).toEqual([
      105, 100, 99,
    ]);
  });

  it('fills only when the limit prices cross', () => {
    expect(crosses({ side: 'buy', price: 100 }, 100)).toBe(true);
    expect(crosses({ side: 'buy', price: 100 }, 101)).toBe(false);
    expect(crosses({ side: 'sell', price: 100 }, 99)).toBe(false);
    expect(crosses({ side: 'sell', price: 100 }, 120)).toBe(true);
  });

  it('notifies once per status and remainder', () => {
    expect(notificationKey({ status: 'PARTIAL', remaining: 6 })).toBe('PARTIAL:6');
  });
});

describe('sync', () => {
  it('picks objects older than the cut-off', () => {
    const cutoff = new Date('2026-01-10T00:00:00Z');
    expect(
      expiredKeys(
        [
          { Key: 'old', LastModified: new Date('2026-01-01T00:00:00Z') },
          { Key: 'new', LastModified: new Date('2026-01-11T00:00:00Z') },
          { Key: 'unknown' },
        ],
        cutoff,
      ),
    ).toEqual(['old']);
  });

  it('writes JSON lines and object-key-safe task ids', () => {
    expect(toJsonLines([{ a: 1 }, { b: 2 }])).toBe('{"a":1}\n{"b":2}\n');
    expect(toJsonLines([])).toBe('');
    expect(keySafe('beat:backup:2026-01-01T00:00:00Z')).toBe('beat_backup_2026-01-01T00_00_00Z');
  });
});

describe('analytics', () => {
  it('reports whole UTC days and aligned roll-up windows', () => {
    expect(dayWindow('2026-03-01')).toEqual({
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-03-02T00:00:00.000Z',
    });
    expect(yesterday(new Date('2026-03-01T02:00:00Z'))).toBe('2026-02-28');
    expect(lastWindow(new Date('2026-03-01T10:07:30Z'), 5)).toEqual({
      from: '2026-03-01T10:00:00.000Z',
      to: '2026-03-01T10:05:00.000Z',
    });
  });

  it('sums counts per state over every task', () => {
    expect(totals({ 'a.x': { SUCCESS: 2, FAILURE: 1 }, 'b.y': { SUCCESS: 3 } })).toEqual({
      SUCCESS: 5,
      FAILURE: 1,
    });
  });
});

describe('monitoring', () => {
  const app = { name: 'shop', url: 'http://shop.invalid/health', expectStatus: 200, timeoutMs: 50 };
  const signal = new AbortController().signal;

  it('is up on the expected status and down on another', async () => {
    const ok =
      (status: number): HealthGet =>
      async () => ({ status });
    expect(await probe(app, signal, ok(200))).toMatchObject({
      app: 'shop',
      status: 'up',
      httpStatus: 200,
    });
    expect(await probe(app, signal, ok(503))).toMatchObject({
      status: 'down',
      httpStatus: 503,
      error: 'expected HTTP 200, got 503',
    });
  });

  it('is down when the application does not answer within its timeout', async () => {
    const hang: HealthGet = async (_url, { timeoutMs }) => {
      throw new GetTimeoutError(timeoutMs);
    };
    expect(await probe(app, signal, hang)).toMatchObject({
      status: 'down',
      error: 'no answer within 50 ms',
    });
  });

  it('is degraded with too many failures or any application down', () => {
    expect(assess(0, [], 10)).toBe('ok');
    expect(assess(11, [], 10)).toBe('degraded');
    expect(assess(0, ['shop'], 10)).toBe('degraded');
  });
});
