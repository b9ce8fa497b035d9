import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { catalog, defineCatalog, task } from '../../src/catalog/index.js';

const tasks = { 'math.add': task({ schema: z.object({}), tier: 'high' }) };
const withRate = (rate: string) => () =>
  defineCatalog({
    categories: { math: { tasks } },
    schedules: { tick: { task: 'math.add', every: { rate: rate as '1 minute' }, args: {} } },
  });

describe('catalog schedules and triggers (what the stack is built from)', () => {
  it('accepts rates in seconds that divide a minute, as a one-minute schedule fanned out', () => {
    expect(withRate('30 seconds')().schedules[0]).toMatchObject({
      expression: 'rate(1 minute)',
      fanOut: 2,
      fanOutIntervalSeconds: 30,
    });
    expect(withRate('1 second')().schedules[0]).toMatchObject({
      fanOut: 60,
      fanOutIntervalSeconds: 1,
    });
    expect(withRate('5 minutes')().schedules[0]).toMatchObject({
      expression: 'rate(5 minutes)',
      fanOut: 1,
    });
  });

  it('fails if a rate in seconds does not divide a minute', () => {
    expect(withRate('45 seconds')).toThrow(
      "schedule 'tick': rate '45 seconds' must divide a minute",
    );
    expect(withRate('90 seconds')).toThrow(/must divide a minute/);
  });

  it('resolves a trigger to its task, category and tier', () => {
    expect(catalog.triggers).toEqual([
      expect.objectContaining({
        name: 'order-created',
        task: 'orders.match',
        category: 'orders',
        tier: 'high',
      }),
    ]);
  });

  it('fails if a trigger names an unknown task or an empty pattern', () => {
    const make = (trigger: object) => () =>
      defineCatalog({ categories: { math: { tasks } }, triggers: { t: trigger as never } });
    expect(make({ task: 'math.nope', pattern: { source: ['a'], detailType: ['b'] } })).toThrow(
      /trigger 't': unknown task 'math.nope'/,
    );
    expect(make({ task: 'math.add', pattern: { source: [], detailType: ['b'] } })).toThrow(
      "trigger 't': pattern.source ([]) must list at least one non-empty value",
    );
  });

  it('ships the Celery-style seed beat: 30 s, 2, 5, 15, 30 min, 1 h, 6 h, daily and weekly with time zones', () => {
    const rates = catalog.schedules.map((s) => ('rate' in s.every ? s.every.rate : s.every.cron));
    expect(rates).toEqual(
      expect.arrayContaining([
        '30 seconds',
        '2 minutes',
        '5 minutes',
        '15 minutes',
        '30 minutes',
        '1 hour',
        '6 hours',
        '0 2 * * ? *',
        '0 8 ? * SUN *',
      ]),
    );
    expect(catalog.schedules.find((s) => s.name === 'weekly-report')?.timezone).toBe(
      'America/New_York',
    );
  });
});
