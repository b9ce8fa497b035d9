import type { Logger } from '@aws-lambda-powertools/logger';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type Catalog, UnknownTaskError } from '../catalog/index.js';
import { type LovageClient, QueryOptionsError } from '../client/index.js';
import { checkHealth } from '../ops/health.js';
import { PROMETHEUS_CONTENT_TYPE, renderMetrics } from '../ops/metrics.js';
import { queueStats } from '../ops/queues.js';
import { listSchedules } from '../ops/schedules.js';
import { slowTasks } from '../ops/slow-tasks.js';
import { readStats, readTotals, StatsOptionsError, type StatsSource } from '../ops/stats.js';
import type { RouteKey } from '../protocol/monitoring-routes.js';
import { STATES, type TaskState } from '../protocol/records.js';
import {
  errorResponse,
  HttpError,
  intParam,
  json,
  jsonBody,
  queryOf,
  type Response,
  text,
  timeParam,
} from './http.js';
import { sendFromRequest } from './send.js';

/** What the monitoring API reads and acts through: the same client and ops layer as the CLI. */
export interface MonitoringApiDependencies<K extends Catalog> {
  readonly lovage: LovageClient<K>;
  readonly sqs: SQSClient;
  readonly cloudwatch: CloudWatchClient;
  readonly scheduler: SchedulerClient;
  readonly stats: StatsSource;
  /** The stage's error-rate alarm threshold, percent (the health check's). */
  readonly errorRatePercent: number;
  readonly logger: Logger;
}

type Route<K extends Catalog> = (
  event: APIGatewayProxyEventV2,
  deps: MonitoringApiDependencies<K>,
) => Promise<Response>;

const LIST_QUERY = ['task', 'state', 'since', 'limit'];

function routes<K extends Catalog>(): Record<RouteKey, Route<K>> {
  const names = (deps: MonitoringApiDependencies<K>) => [...deps.lovage.catalog.tasks.keys()];
  return {
    'GET /health': async (_event, deps) => {
      const report = await checkHealth({
        catalog: deps.lovage.catalog,
        config: deps.lovage.config,
        sqs: deps.sqs,
        cloudwatch: deps.cloudwatch,
        scheduler: deps.scheduler,
        stats: deps.stats,
        errorRatePercent: deps.errorRatePercent,
      });
      // Unhealthy is a 503, so a plain HTTP probe notices without reading the body.
      return json(report.status === 'unhealthy' ? 503 : 200, report);
    },
    'GET /queues': async (event, deps) => {
      queryOf(event, []);
      return json(200, await queueStats(deps.lovage.config, deps.sqs, deps.cloudwatch));
    },
    'GET /tasks': async (event, deps) => {
      const q = queryOf(event, LIST_QUERY);
      if (q.state !== undefined && !STATES.includes(q.state as TaskState)) {
        throw new HttpError(
          400,
          'InvalidQuery',
          `state '${q.state}' is not one of ${STATES.join(', ')}`,
          [{ field: 'query.state', message: `must be one of ${STATES.join(', ')}` }],
        );
      }
      return json(200, await list(deps, { ...q, state: q.state as TaskState | undefined }));
    },
    'GET /tasks/failed': async (event, deps) => {
      const q = queryOf(event, ['task', 'since', 'limit']);
      return json(200, await list(deps, { ...q, state: 'FAILURE' }));
    },
    'GET /tasks/slow': async (event, deps) => {
      const q = queryOf(event, ['over', 'task', 'since', 'limit']);
      const overMs = intParam(q.over, 'over');
      if (overMs === undefined) {
        throw new HttpError(
          400,
          'InvalidQuery',
          'over (ms) is required: the duration a run must reach',
          [{ field: 'query.over', message: 'required: a duration in ms' }],
        );
      }
      const limit = intParam(q.limit, 'limit');
      const since = timeParam(q.since, 'since');
      return json(
        200,
        await slowTasks(deps.lovage, {
          overMs,
          ...(q.task ? { task: q.task } : {}),
          ...(since ? { since } : {}),
          ...(limit !== undefined ? { limit } : {}),
        }),
      );
    },
    'GET /tasks/{id}': async (event, deps) => {
      queryOf(event, []);
      const id = event.pathParameters?.id ?? '';
      const status = await deps.lovage.get(id);
      // No record at all: never sent, or still queued and not yet claimed (Celery says PENDING).
      if (status.task === undefined && status.createdAt === undefined) {
        throw new HttpError(
          404,
          'TaskNotFound',
          `no task '${id}' in the task table (never sent, expired, or queued and not started yet)`,
        );
      }
      return json(200, status);
    },
    'POST /tasks/{name}': async (event, deps) => {
      queryOf(event, []);
      const handle = await sendFromRequest(deps.lovage, event.pathParameters?.name ?? '', event);
      const response = json(202, handle);
      return {
        ...response,
        headers: { ...response.headers, location: `/tasks/${encodeURIComponent(handle.id)}` },
      };
    },
    'POST /tasks/{id}/revoke': async (event, deps) => {
      queryOf(event, []);
      const reason = revokeReason(jsonBody(event));
      const id = event.pathParameters?.id ?? '';
      return json(200, await deps.lovage.revoke(id, reason ? { reason } : {}));
    },
    'GET /stats': async (event, deps) => {
      const q = queryOf(event, ['since', 'until', 'task']);
      const tasks = q.task?.split(',').filter(Boolean);
      for (const t of tasks ?? []) deps.lovage.catalog.task(t);
      const since = timeParam(q.since, 'since');
      const until = timeParam(q.until, 'until');
      return json(
        200,
        await readStats(deps.stats, names(deps), {
          ...(since ? { since } : {}),
          ...(until ? { until } : {}),
          ...(tasks ? { tasks } : {}),
        }),
      );
    },
    'GET /schedules': async (event, deps) => {
      queryOf(event, []);
      return json(200, await listSchedules(deps.lovage.config, deps.scheduler));
    },
    'GET /metrics': async (event, deps) => {
      queryOf(event, []);
      const [totals, queues] = await Promise.all([
        readTotals(deps.stats, names(deps)),
        queueStats(deps.lovage.config, deps.sqs, deps.cloudwatch),
      ]);
      return text(200, renderMetrics(totals, queues), PROMETHEUS_CONTENT_TYPE);
    },
  };
}

/** The optional body of a revoke: nothing, or `{ "reason": "<text>" }`. */
function revokeReason(body: unknown): string | undefined {
  if (body === undefined) return undefined;
  const fields =
    typeof body === 'object' && body !== null && !Array.isArray(body)
      ? Object.entries(body)
      : undefined;
  const issues = fields
    ? fields.flatMap(([key, value]) =>
        key !== 'reason'
          ? [{ field: key, message: 'unknown field' }]
          : typeof value !== 'string'
            ? [{ field: key, message: 'must be a string' }]
            : [],
      )
    : [{ field: '(body)', message: 'must be a JSON object' }];
  if (issues.length > 0) {
    throw new HttpError(
      400,
      'InvalidRequest',
      'the body of a revoke is empty or { "reason": "<text>" }',
      issues,
    );
  }
  return (body as { reason?: string }).reason;
}

async function list<K extends Catalog>(
  deps: MonitoringApiDependencies<K>,
  q: { task?: string; state?: TaskState; since?: string; limit?: string },
) {
  const limit = intParam(q.limit, 'limit');
  const since = timeParam(q.since, 'since');
  return deps.lovage.list({
    ...(q.task ? { task: q.task } : {}),
    ...(q.state ? { state: q.state } : {}),
    ...(since ? { since } : {}),
    ...(limit !== undefined ? { limit } : {}),
  });
}

/**
 * The monitoring API's handler (API Gateway HTTP API, payload 2.0): one
 * function behind every route, each a thin call into the ops layer or the
 * client. Bad input is a JSON error naming the problem, with nothing
 * written: 400 (bad query, JSON or payload), 404 (unknown task or id), 413
 * (body over 256 KiB); anything else is a 500 with a request id, logged.
 *
 * @example
 * export const handler = createMonitoringApi(async () => deps);
 */
export function createMonitoringApi<K extends Catalog>(
  dependencies: () => Promise<MonitoringApiDependencies<K>>,
): (event: APIGatewayProxyEventV2) => Promise<Response> {
  const table = routes<K>();
  return async (event) => {
    const route = table[event.routeKey as RouteKey];
    if (!route) {
      return errorResponse(new HttpError(404, 'NotFound', `no route ${event.routeKey}`));
    }
    const deps = await dependencies();
    try {
      return await route(event, deps);
    } catch (error) {
      if (error instanceof HttpError) return errorResponse(error);
      if (error instanceof UnknownTaskError) {
        return errorResponse(
          new HttpError(400, 'UnknownTask', error.message, [
            { field: 'query.task', message: 'not a catalog task' },
          ]),
        );
      }
      if (error instanceof QueryOptionsError || error instanceof StatsOptionsError) {
        return errorResponse(new HttpError(400, 'InvalidQuery', error.message));
      }
      deps.logger.error('monitoring API request failed', {
        routeKey: event.routeKey,
        error: error as Error,
      });
      return errorResponse(
        new HttpError(
          500,
          'InternalError',
          `internal error (request ${event.requestContext?.requestId ?? 'unknown'})`,
        ),
      );
    }
  };
}
