import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CheckAppsArgs } from '../../src/catalog/index.js';
import { type AddressPolicy, ForbiddenAddressError } from '../../src/protocol/addresses.js';
import type { TaskContext } from '../../src/runtime/index.js';
import { expiresInDays } from '../shared/env.js';
import { type App, type AppRegistry, appKey, checkKey } from './apps.js';
import { GetTimeoutError, guardedGet } from './guarded-get.js';

/** One GET of a health URL: its status, or an error (refused address, timeout, connection). */
export type HealthGet = (
  url: URL,
  options: { readonly timeoutMs: number; readonly signal: AbortSignal },
) => Promise<{ status: number }>;

/** The real GET: every address checked against `policy` after resolution, then pinned. */
export const guardedHealthGet =
  (policy: AddressPolicy): HealthGet =>
  (url, options) =>
    guardedGet(url, { ...options, policy });

/** The outcome of one HTTP health check. */
export interface CheckResult {
  readonly app: string;
  readonly status: 'up' | 'down';
  readonly httpStatus?: number;
  readonly latencyMs: number;
  readonly error?: string;
  /** True when the URL resolved to an address tasks may not fetch (nothing was sent). */
  readonly refused?: boolean;
}

export interface CheckAppsResult {
  readonly checked: number;
  readonly up: number;
  readonly down: number;
  readonly results: readonly CheckResult[];
}

/**
 * One HTTP GET of the app's URL (redirects not followed): up when it answers
 * with `expectStatus` within `timeoutMs`; a timeout, a refused connection,
 * another status or an address tasks may not fetch is down.
 */
export async function probe(
  app: Pick<App, 'name' | 'url' | 'expectStatus' | 'timeoutMs'>,
  signal: AbortSignal,
  get: HealthGet,
): Promise<CheckResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const response = await get(new URL(app.url), { timeoutMs: app.timeoutMs, signal });
    const up = response.status === app.expectStatus;
    return {
      app: app.name,
      status: up ? 'up' : 'down',
      httpStatus: response.status,
      latencyMs: elapsed(),
      ...(up ? {} : { error: `expected HTTP ${app.expectStatus}, got ${response.status}` }),
    };
  } catch (error) {
    const refused = error instanceof ForbiddenAddressError;
    return {
      app: app.name,
      status: 'down',
      latencyMs: elapsed(),
      error:
        error instanceof GetTimeoutError
          ? `no answer within ${app.timeoutMs} ms`
          : (error as Error).message,
      ...(refused ? { refused } : {}),
    };
  }
}

/**
 * `monitoring.check_apps`: checks every registered application (or the
 * named ones) in parallel, records each outcome on the application (last
 * status, latency, consecutive failures) and in its history (kept
 * `historyDays`).
 */
export async function checkApps(
  registry: AppRegistry,
  args: CheckAppsArgs,
  ctx: Pick<TaskContext, 'signal' | 'logger'>,
  get: HealthGet,
): Promise<CheckAppsResult> {
  const apps = args.apps
    ? (await Promise.all(args.apps.map((name) => registry.get(name)))).filter((a): a is App => !!a)
    : await registry.all();
  const results = await Promise.all(
    apps.map(async (app) => {
      const result = await probe(app, ctx.signal, get);
      if (result.refused) {
        ctx.logger.warn('health URL refused: it resolves to an address tasks may not fetch', {
          app: app.name,
          error: result.error,
        });
      }
      await record(registry, result, args.historyDays);
      return result;
    }),
  );
  const up = results.filter((r) => r.status === 'up').length;
  return { checked: results.length, up, down: results.length - up, results };
}

async function record(
  registry: AppRegistry,
  result: CheckResult,
  historyDays: number,
): Promise<void> {
  const at = new Date().toISOString();
  await registry.db.send(
    new PutCommand({
      TableName: registry.tableName,
      Item: { ...checkKey(result.app, at), ...result, at, expiresAt: expiresInDays(historyDays) },
    }),
  );
  await registry.db.send(
    new UpdateCommand({
      TableName: registry.tableName,
      Key: appKey(result.app),
      UpdateExpression:
        result.status === 'up'
          ? 'SET lastStatus = :s, lastCheckedAt = :at, lastLatencyMs = :ms, consecutiveFailures = :zero'
          : 'SET lastStatus = :s, lastCheckedAt = :at, lastLatencyMs = :ms ADD consecutiveFailures :one',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: {
        ':s': result.status,
        ':at': at,
        ':ms': result.latencyMs,
        ...(result.status === 'up' ? { ':zero': 0 } : { ':one': 1 }),
      },
    }),
  );
}
