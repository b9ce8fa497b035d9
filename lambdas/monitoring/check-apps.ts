import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CheckAppsArgs } from '../../src/catalog/index.js';
import type { TaskContext } from '../../src/runtime/index.js';
import { expiresInDays } from '../shared/env.js';
import { type App, type AppRegistry, appKey, checkKey } from './apps.js';

/** The outcome of one HTTP health check. */
export interface CheckResult {
  readonly app: string;
  readonly status: 'up' | 'down';
  readonly httpStatus?: number;
  readonly latencyMs: number;
  readonly error?: string;
}

export interface CheckAppsResult {
  readonly checked: number;
  readonly up: number;
  readonly down: number;
  readonly results: readonly CheckResult[];
}

/**
 * One HTTP GET of the app's URL: up when it answers with `expectStatus`
 * within `timeoutMs`; a timeout, a refused connection or another status is down.
 */
export async function probe(
  app: Pick<App, 'name' | 'url' | 'expectStatus' | 'timeoutMs'>,
  signal: AbortSignal,
  fetchFn: typeof fetch = fetch,
): Promise<CheckResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const response = await fetchFn(app.url, {
      method: 'GET',
      redirect: 'manual',
      signal: AbortSignal.any([signal, AbortSignal.timeout(app.timeoutMs)]),
      headers: { 'user-agent': 'lovage-monitoring/1' },
    });
    // Drain the body so the connection is released; its content does not matter.
    await response.arrayBuffer().catch(() => undefined);
    const up = response.status === app.expectStatus;
    return {
      app: app.name,
      status: up ? 'up' : 'down',
      httpStatus: response.status,
      latencyMs: elapsed(),
      ...(up ? {} : { error: `expected HTTP ${app.expectStatus}, got ${response.status}` }),
    };
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError';
    return {
      app: app.name,
      status: 'down',
      latencyMs: elapsed(),
      error: timedOut ? `no answer within ${app.timeoutMs} ms` : (error as Error).message,
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
  ctx: Pick<TaskContext, 'signal'>,
  fetchFn: typeof fetch = fetch,
): Promise<CheckAppsResult> {
  const apps = args.apps
    ? (await Promise.all(args.apps.map((name) => registry.get(name)))).filter((a): a is App => !!a)
    : await registry.all();
  const results = await Promise.all(
    apps.map(async (app) => {
      const result = await probe(app, ctx.signal, fetchFn);
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
