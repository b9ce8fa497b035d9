import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  CatalogError,
  catalog,
  defineCatalog,
  PayloadValidationError,
  task,
  UnknownTaskError,
} from '../../src/catalog/index.js';

const schema = z.object({ n: z.number() });

describe('defineCatalog', () => {
  it('resolves defaults for categories and tasks', () => {
    const c = defineCatalog({ categories: { math: { tasks: { 'math.add': task({ schema }) } } } });
    expect(c.category('math')).toMatchObject({
      timeoutSeconds: 30,
      memoryMb: 256,
      maxReceiveCount: 3,
      batchSize: 10,
    });
    expect(c.task('math.add')).toMatchObject({
      category: 'math',
      tier: 'normal',
      resultTtlSeconds: 86_400,
    });
    expect(c.tiersOf('math')).toEqual(['normal']);
  });

  it('lists the tiers a category uses in priority order', () => {
    expect(catalog.tiersOf('email')).toEqual(['high', 'low']);
  });

  it('fails if a task name does not start with its category', () => {
    expect(() =>
      defineCatalog({ categories: { math: { tasks: { 'other.add': task({ schema }) } } } }),
    ).toThrow(/task name 'other.add' must be 'math.<name>'/);
  });

  it('fails if a category option is out of range, naming the option and the range', () => {
    expect(() =>
      defineCatalog({
        categories: { math: { timeoutSeconds: 901, tasks: { 'math.add': task({ schema }) } } },
      }),
    ).toThrow("category 'math': timeoutSeconds (901) must be a whole number from 1 to 900");
  });

  it('fails if a schedule names an unknown task', () => {
    expect(() =>
      defineCatalog({
        categories: { math: { tasks: { 'math.add': task({ schema }) } } },
        // @ts-expect-error the task name is checked at compile time too
        schedules: { tick: { task: 'math.nope', every: { rate: '1 minute' }, args: { n: 1 } } },
      }),
    ).toThrow(/schedule 'tick': unknown task 'math.nope'/);
  });

  it("fails if a schedule's args do not match the task's schema", () => {
    expect(() =>
      defineCatalog({
        categories: { math: { tasks: { 'math.add': task({ schema }) } } },
        schedules: { tick: { task: 'math.add', every: { rate: '1 minute' }, args: { n: 'one' } } },
      }),
    ).toThrow(CatalogError);
  });

  it('fails if a cron expression does not have six fields or names an unknown time zone', () => {
    const make = (cron: string, timezone?: string) => () =>
      defineCatalog({
        categories: { math: { tasks: { 'math.add': task({ schema }) } } },
        schedules: {
          tick: {
            task: 'math.add',
            every: { cron, ...(timezone ? { timezone } : {}) },
            args: { n: 1 },
          },
        },
      });
    expect(make('0 2 * * *')).toThrow(/must have 6 fields/);
    expect(make('0 2 * * ? *', 'Mars/Olympus')).toThrow(/'Mars\/Olympus' is not an IANA time zone/);
    expect(make('0 8 ? * SUN *', 'Europe/London')().schedules[0]).toMatchObject({
      expression: 'cron(0 8 ? * SUN *)',
      timezone: 'Europe/London',
    });
  });

  it('normalises rates to Scheduler syntax', () => {
    expect(catalog.schedules[0]).toMatchObject({
      name: 'email-quota-check',
      expression: 'rate(1 minute)',
    });
  });
});

describe('parseArgs', () => {
  it('names the task and every bad field', () => {
    try {
      catalog.parseArgs('email.send', { from: 'not-an-address', to: [], subject: 'x', text: 'y' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(PayloadValidationError);
      const e = error as PayloadValidationError;
      expect(e.task).toBe('email.send');
      expect(e.issues.map((i) => i.path)).toEqual(['from', 'to']);
      expect(e.message).toMatch(/^invalid payload for task 'email.send': from: .+; to: .+/);
    }
  });

  it('applies schema defaults', () => {
    expect(catalog.parseArgs('email.check_quota', {})).toEqual({ warnAtPercent: 80 });
  });

  it('rejects an unknown task, listing the known ones', () => {
    expect(() => catalog.parseArgs('email.nope', {})).toThrow(UnknownTaskError);
    expect(() => catalog.task('email.nope')).toThrow(
      /the catalog declares: email.send, email.check_quota/,
    );
  });
});
