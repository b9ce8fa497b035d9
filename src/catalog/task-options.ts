import { CatalogError } from './errors.js';
import type { BackoffOptions, RateLimit, TaskDefinition, TaskOptions } from './types.js';

/** Defaults of the retry, result and limit options; documented on {@link TaskOptions}. */
export const TASK_OPTION_DEFAULTS = {
  maxRetries: 3,
  backoff: { baseSeconds: 10, factor: 2, maxSeconds: 600, jitter: 'full' },
  ignoreResult: false,
  trackStarted: true,
} as const satisfies {
  maxRetries: number;
  backoff: Required<BackoffOptions>;
  ignoreResult: boolean;
  trackStarted: boolean;
};

type ResolvedOptions = Pick<
  TaskDefinition,
  'maxRetries' | 'backoff' | 'neverRetry' | 'ignoreResult' | 'trackStarted' | 'rateLimitWindow'
>;

const RATE_LIMIT = /^(\d+)\/(s|m|h)$/;
const WINDOW_SECONDS = { s: 1, m: 60, h: 3600 } as const;
const MAX_DELAY_SECONDS = 86_400;
const ERROR_NAME = /^[A-Za-z_$][\w$]*$/;

/**
 * Resolves and validates the retry, time-limit, result and rate-limit options
 * of task `task` in a category whose hard limit is `timeoutSeconds`.
 * Throws {@link CatalogError} naming the option, the value and the rule.
 */
export function resolveTaskOptions(
  task: string,
  options: TaskOptions,
  timeoutSeconds: number,
): ResolvedOptions {
  const fail = (message: string): never => {
    throw new CatalogError(`task '${task}': ${message}`);
  };
  const maxRetries = options.maxRetries ?? TASK_OPTION_DEFAULTS.maxRetries;
  if (!Number.isInteger(maxRetries) || maxRetries < 0 || maxRetries > 100) {
    fail(`maxRetries (${maxRetries}) must be a whole number from 0 to 100`);
  }
  const backoff = { ...TASK_OPTION_DEFAULTS.backoff, ...definedOnly(options.backoff ?? {}) };
  if (!Number.isFinite(backoff.baseSeconds) || backoff.baseSeconds < 1) {
    fail(`backoff.baseSeconds (${backoff.baseSeconds}) must be at least 1`);
  }
  if (!Number.isFinite(backoff.factor) || backoff.factor < 1 || backoff.factor > 10) {
    fail(`backoff.factor (${backoff.factor}) must be from 1 to 10`);
  }
  if (
    !Number.isFinite(backoff.maxSeconds) ||
    backoff.maxSeconds < backoff.baseSeconds ||
    backoff.maxSeconds > MAX_DELAY_SECONDS
  ) {
    fail(
      `backoff.maxSeconds (${backoff.maxSeconds}) must be from backoff.baseSeconds (${backoff.baseSeconds}) to ${MAX_DELAY_SECONDS}`,
    );
  }
  if (backoff.baseSeconds > MAX_DELAY_SECONDS) {
    fail(`backoff.baseSeconds (${backoff.baseSeconds}) must be at most ${MAX_DELAY_SECONDS}`);
  }
  if (backoff.jitter !== 'full' && backoff.jitter !== 'none') {
    fail(`backoff.jitter ('${String(backoff.jitter)}') must be 'full' or 'none'`);
  }
  for (const key of ['retryOn', 'neverRetry'] as const) {
    for (const name of options[key] ?? []) {
      if (!ERROR_NAME.test(name)) fail(`${key} entry '${name}' must be an error class name`);
    }
  }
  const soft = options.softTimeLimitSeconds;
  if (soft !== undefined && (!Number.isFinite(soft) || soft <= 0 || soft >= timeoutSeconds)) {
    fail(
      `softTimeLimitSeconds (${soft}) must be more than 0 and less than the category's timeoutSeconds (${timeoutSeconds})`,
    );
  }
  return {
    maxRetries,
    backoff,
    neverRetry: options.neverRetry ?? [],
    ignoreResult: options.ignoreResult ?? TASK_OPTION_DEFAULTS.ignoreResult,
    trackStarted: options.trackStarted ?? TASK_OPTION_DEFAULTS.trackStarted,
    ...(options.rateLimit !== undefined
      ? { rateLimitWindow: parseRateLimit(task, options.rateLimit) }
      : {}),
  };
}

/** `'10/m'` -> `{ limit: 10, windowSeconds: 60 }`; throws {@link CatalogError} on anything else. */
export function parseRateLimit(task: string, value: string): RateLimit {
  const match = RATE_LIMIT.exec(value);
  const limit = Number(match?.[1]);
  const unit = match?.[2] as keyof typeof WINDOW_SECONDS | undefined;
  if (!unit || !Number.isInteger(limit) || limit < 1 || limit > 1_000_000) {
    throw new CatalogError(
      `task '${task}': rateLimit '${value}' must be '<n>/s', '<n>/m' or '<n>/h' with n from 1 to 1000000`,
    );
  }
  return { limit, windowSeconds: WINDOW_SECONDS[unit] };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
