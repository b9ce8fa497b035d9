import type { z } from 'zod';
import { CatalogError, PayloadValidationError, UnknownTaskError } from './errors.js';
import { resolveTaskOptions } from './task-options.js';
import { type ResolvedTrigger, resolveTrigger, type TriggerDefinition } from './triggers.js';
import {
  type CategoryDefinition,
  type CategoryOptions,
  type ScheduleDefinition,
  type ScheduleExpression,
  type TaskDefinition,
  type TaskOptions,
  TIERS,
  type Tier,
} from './types.js';

/** A category as written in the catalog: sizing options plus its tasks, keyed by full task name. */
export interface CategoryInput<T extends Record<string, TaskOptions> = Record<string, TaskOptions>>
  extends CategoryOptions {
  readonly tasks: T;
}

type CategoriesInput = Record<string, CategoryInput>;

/** Every task name declared by the categories `C`. */
export type TaskNamesOf<C extends CategoriesInput> = {
  [K in keyof C]: keyof C[K]['tasks'] & string;
}[keyof C];

/** The options (and so the schema) of task `N` in categories `C`. */
export type TaskOptionsOf<C extends CategoriesInput, N extends string> = {
  [K in keyof C]: N extends keyof C[K]['tasks'] ? C[K]['tasks'][N] : never;
}[keyof C];

export interface CatalogInput<C extends CategoriesInput> {
  readonly categories: C;
  /** Periodic tasks (the beat), keyed by schedule name. */
  readonly schedules?: Readonly<Record<string, ScheduleDefinition<TaskNamesOf<C>>>>;
  /** Domain events on the stack's bus that start tasks, keyed by trigger name. */
  readonly triggers?: Readonly<Record<string, TriggerDefinition<TaskNamesOf<C>>>>;
  /** Celery clients (Python apps sending through kombu's SQS transport). */
  readonly celery?: CeleryOptions;
}

/** How the stack serves Python Celery clients; they can always send. */
export interface CeleryOptions {
  /**
   * Create a result table in Celery's DynamoDB layout, so that
   * `AsyncResult(id).get()` in Python reads Lovage's results (cdk context
   * `-c celeryResults=true|false` overrides this).
   * @defaultValue false
   */
  readonly resultTable?: boolean;
}

export interface ResolvedSchedule extends ScheduleDefinition {
  readonly name: string;
  /** The expression in EventBridge Scheduler syntax, e.g. `rate(5 minutes)`. */
  readonly expression: string;
  /** IANA time zone for cron expressions. */
  readonly timezone: string;
  /**
   * Deliveries per Scheduler tick. Scheduler fires at most once a minute, so a
   * rate of N seconds becomes `rate(1 minute)` whose tick the runtime fans out
   * into 60/N envelopes, `fanOutIntervalSeconds` apart (SQS DelaySeconds).
   * 1 for every other schedule.
   */
  readonly fanOut: number;
  /** Seconds between fanned-out deliveries; 0 when `fanOut` is 1. */
  readonly fanOutIntervalSeconds: number;
}

/**
 * The resolved, validated catalog. `C` is carried only for types: the client
 * uses it to check task names and payloads at compile time.
 */
export interface Catalog<C extends CategoriesInput = CategoriesInput> {
  readonly categories: readonly CategoryDefinition[];
  readonly schedules: readonly ResolvedSchedule[];
  readonly triggers: readonly ResolvedTrigger[];
  readonly celery: Required<CeleryOptions>;
  /** Every task, by name. */
  readonly tasks: ReadonlyMap<string, TaskDefinition>;
  /** The task called `name`; throws {@link UnknownTaskError} if there is none. */
  task(name: string): TaskDefinition;
  /** The category called `name`; throws {@link CatalogError} if there is none. */
  category(name: string): CategoryDefinition;
  /** The tiers a category's tasks use, in priority order (one queue each). */
  tiersOf(category: string): readonly Tier[];
  /** Parses `args` with the task's schema; throws {@link PayloadValidationError} naming each bad field. */
  parseArgs(task: string, args: unknown): unknown;
  readonly __categories?: C;
}

/** Payload type (input side) of task `N`. */
export type TaskArgs<C extends CategoriesInput, N extends TaskNamesOf<C>> =
  TaskOptionsOf<C, N> extends TaskOptions<infer S> ? z.input<S> : never;

/**
 * Declares one category (in its own file under `src/catalog/categories`); the
 * identity function that lets TypeScript keep its tasks' names and schemas.
 */
export function category<const T extends Record<string, TaskOptions>>(
  input: CategoryInput<T>,
): CategoryInput<T> {
  return input;
}

/** Declares one task; the identity function that lets TypeScript keep the schema type. */
export function task<S extends z.ZodType>(options: TaskOptions<S>): TaskOptions<S> {
  return options;
}

const CATEGORY_NAME = /^[a-z][a-z0-9-]{0,30}$/;
const TASK_NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
const SCHEDULE_NAME = /^[a-z0-9][a-z0-9-]{0,50}$/;
const RATE = /^(\d+) (second|seconds|minute|minutes|hour|hours|day|days)$/;

export const CATEGORY_DEFAULTS: Required<CategoryOptions> = {
  timeoutSeconds: 30,
  memoryMb: 256,
  maxReceiveCount: 3,
  batchSize: 10,
  batchingWindowSeconds: 0,
  retentionSeconds: 4 * 86_400,
  tierConcurrency: {},
  sends: [],
};

export const TASK_DEFAULTS = { tier: 'normal', resultTtlSeconds: 86_400 } as const;

/**
 * Builds and validates the catalog. Every inconsistency (bad names, a schedule
 * for an unknown task, schedule args that fail the task's schema, out-of-range
 * options) throws a {@link CatalogError} here, so `cdk synth` fails before
 * anything is deployed.
 *
 * @example
 * export const catalog = defineCatalog({
 *   categories: {
 *     email: {
 *       timeoutSeconds: 30,
 *       tasks: { 'email.send': task({ schema: SendEmail, tier: 'high' }) },
 *     },
 *   },
 *   schedules: {
 *     'quota-check': { task: 'email.check_quota', every: { rate: '5 minutes' }, args: {} },
 *   },
 * });
 */
export function defineCatalog<const C extends CategoriesInput>(input: CatalogInput<C>): Catalog<C> {
  const categories: CategoryDefinition[] = [];
  const tasks = new Map<string, TaskDefinition>();

  for (const [name, cat] of Object.entries(input.categories)) {
    if (!CATEGORY_NAME.test(name)) {
      throw new CatalogError(`category name '${name}' must match ${CATEGORY_NAME}`);
    }
    const options = { ...CATEGORY_DEFAULTS, ...definedOnly(cat) };
    validateCategoryOptions(name, options);
    const taskEntries = Object.entries(cat.tasks);
    if (taskEntries.length === 0) {
      throw new CatalogError(`category '${name}' declares no tasks`);
    }
    for (const [taskName, opts] of taskEntries) {
      if (!TASK_NAME.test(taskName) || !taskName.startsWith(`${name}.`)) {
        throw new CatalogError(
          `task name '${taskName}' must be '${name}.<name>' in lower snake case (${TASK_NAME})`,
        );
      }
      if (tasks.has(taskName)) {
        throw new CatalogError(`task '${taskName}' is declared twice`);
      }
      const tier = opts.tier ?? TASK_DEFAULTS.tier;
      if (!TIERS.includes(tier)) {
        throw new CatalogError(
          `task '${taskName}': tier '${tier}' is not one of ${TIERS.join(', ')}`,
        );
      }
      const resultTtlSeconds = opts.resultTtlSeconds ?? TASK_DEFAULTS.resultTtlSeconds;
      if (!Number.isInteger(resultTtlSeconds) || resultTtlSeconds < 60) {
        throw new CatalogError(
          `task '${taskName}': resultTtlSeconds (${resultTtlSeconds}) must be a whole number of at least 60`,
        );
      }
      tasks.set(taskName, {
        ...opts,
        ...resolveTaskOptions(taskName, opts, options.timeoutSeconds),
        name: taskName,
        category: name,
        tier,
        resultTtlSeconds,
      });
    }
    categories.push({ ...options, name, tasks: cat.tasks });
  }

  for (const category of categories) validateSends(category, tasks);

  const lookup = (name: string): TaskDefinition => {
    const def = tasks.get(name);
    if (!def) throw new UnknownTaskError(name, [...tasks.keys()]);
    return def;
  };

  const parseArgs = (name: string, args: unknown): unknown => {
    const result = lookup(name).schema.safeParse(args);
    if (result.success) return result.data;
    throw new PayloadValidationError(
      name,
      result.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.'),
        message: issue.message,
      })),
    );
  };

  const schedules = Object.entries(input.schedules ?? {}).map(([name, def]) =>
    resolveSchedule(name, def, lookup, parseArgs),
  );

  const triggers = Object.entries(input.triggers ?? {}).map(([name, def]) =>
    resolveTrigger(name, def, lookup),
  );

  return {
    categories,
    schedules,
    triggers,
    celery: { resultTable: input.celery?.resultTable ?? false },
    tasks,
    task: lookup,
    category(name) {
      const found = categories.find((c) => c.name === name);
      if (!found) {
        throw new CatalogError(
          `unknown category '${name}'; the catalog declares: ${categories.map((c) => c.name).join(', ')}`,
        );
      }
      return found;
    },
    tiersOf(category) {
      const used = new Set(
        [...tasks.values()].filter((t) => t.category === category).map((t) => t.tier),
      );
      return TIERS.filter((t) => used.has(t));
    },
    parseArgs,
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function validateCategoryOptions(name: string, o: Required<CategoryOptions>): void {
  const checks: [Exclude<keyof CategoryOptions, 'tierConcurrency' | 'sends'>, number, number][] = [
    ['timeoutSeconds', 1, 900],
    ['memoryMb', 128, 10_240],
    ['maxReceiveCount', 1, 1000],
    ['batchSize', 1, 10],
    ['batchingWindowSeconds', 0, 300],
    // SQS keeps messages 60 s to 14 days; never longer than the DLQ, or redriven messages could expire first.
    ['retentionSeconds', 60, 1_209_600],
  ];
  for (const [key, min, max] of checks) {
    const value = o[key];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new CatalogError(
        `category '${name}': ${key} (${value}) must be a whole number from ${min} to ${max}`,
      );
    }
  }
  for (const [tier, value] of Object.entries(o.tierConcurrency)) {
    if (!TIERS.includes(tier as Tier) || !Number.isInteger(value) || value < 2 || value > 1000) {
      throw new CatalogError(
        `category '${name}': tierConcurrency.${tier} (${value}) must be a whole number from 2 to 1000 for one of ${TIERS.join(', ')}`,
      );
    }
  }
}

/** Every `sends` entry is a task of another category (a category always may send its own). */
function validateSends(
  category: CategoryDefinition,
  tasks: ReadonlyMap<string, TaskDefinition>,
): void {
  for (const name of category.sends) {
    const target = tasks.get(name);
    if (!target) {
      throw new CatalogError(
        `category '${category.name}': sends entry '${name}' is not a task of the catalog (a category's function passes the categories it sends to as categoryCatalog's sendsTo)`,
      );
    }
    if (target.category === category.name) {
      throw new CatalogError(
        `category '${category.name}': sends entry '${name}' is one of its own tasks, which it may always send; remove it`,
      );
    }
  }
}

function resolveSchedule(
  name: string,
  def: ScheduleDefinition,
  lookup: (name: string) => TaskDefinition,
  parseArgs: (task: string, args: unknown) => unknown,
): ResolvedSchedule {
  if (!SCHEDULE_NAME.test(name)) {
    throw new CatalogError(`schedule name '${name}' must match ${SCHEDULE_NAME}`);
  }
  try {
    lookup(def.task);
    parseArgs(def.task, def.args);
  } catch (error) {
    throw new CatalogError(`schedule '${name}': ${(error as Error).message}`, { cause: error });
  }
  return { ...def, name, ...scheduleExpression(name, def.every) };
}

type ResolvedTiming = Pick<
  ResolvedSchedule,
  'expression' | 'timezone' | 'fanOut' | 'fanOutIntervalSeconds'
>;

function scheduleExpression(name: string, every: ScheduleExpression): ResolvedTiming {
  const once = { fanOut: 1, fanOutIntervalSeconds: 0 };
  if ('rate' in every) {
    const match = RATE.exec(every.rate);
    if (!match || Number(match[1]) < 1) {
      throw new CatalogError(
        `schedule '${name}': rate '${every.rate}' must be '<n> second(s)|minute(s)|hour(s)|day(s)' with n >= 1`,
      );
    }
    const n = Number(match[1]);
    const unit = match[2]?.replace(/s$/, '') ?? 'minute';
    if (unit === 'second') return subMinuteRate(name, n);
    return { expression: `rate(${n} ${n === 1 ? unit : `${unit}s`})`, timezone: 'UTC', ...once };
  }
  const fields = every.cron.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new CatalogError(
      `schedule '${name}': cron '${every.cron}' must have 6 fields (minutes hours day-of-month month day-of-week year)`,
    );
  }
  const timezone = every.timezone ?? 'UTC';
  if (!isTimeZone(timezone)) {
    throw new CatalogError(`schedule '${name}': '${timezone}' is not an IANA time zone`);
  }
  return { expression: `cron(${fields.join(' ')})`, timezone, ...once };
}

/** `n seconds`: a one-minute schedule fanned out into 60/n deliveries, so n must divide 60. */
function subMinuteRate(name: string, n: number): ResolvedTiming {
  if (n >= 60 || 60 % n !== 0) {
    throw new CatalogError(
      `schedule '${name}': rate '${n} seconds' must divide a minute (1, 2, 3, 4, 5, 6, 10, 12, 15, 20 or 30 seconds); use minutes above that`,
    );
  }
  return {
    expression: 'rate(1 minute)',
    timezone: 'UTC',
    fanOut: 60 / n,
    fanOutIntervalSeconds: n,
  };
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
