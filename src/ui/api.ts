/**
 * The UI's JSON API: each route a thin call into the ops layer or the client, the same
 * functions the CLI and the monitoring API call, so every number reads the same everywhere.
 * What the page receives passes through views.ts (task args redacted).
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { checkQuery, HttpError, intParam, timeParam } from '../api/http.js';
import type { catalog } from '../catalog/index.js';
import type { ListOptions, LovageClient } from '../client/index.js';
import {
  beatTimes,
  checkHealth,
  type DeadLetterFilter,
  purgeDeadLetters,
  purgeQueue,
  queueStats,
  readDeadLetters,
  readStats,
  redrive,
  reopenInTable,
  runScheduleNow,
  type StatsSource,
  setScheduleState,
  showDeadLetter,
} from '../ops/index.js';
import { STATES, type TaskState } from '../protocol/records.js';
import { TIER_TARGETS } from '../protocol/tier-targets.js';
import { WorkflowNotFoundError } from '../workflows/errors.js';
import { deadLetterView, letterView, redriveView, taskView } from './views.js';

/** What the UI reads and acts through, built from the caller's AWS target like the CLI's. */
export interface UiContext {
  readonly lovage: LovageClient<typeof catalog>;
  readonly sqs: SQSClient;
  readonly db: DynamoDBDocumentClient;
  readonly cloudwatch: CloudWatchClient;
  readonly scheduler: SchedulerClient;
  /** Undefined for a stack deployed before the statistics table existed. */
  readonly stats: StatsSource | undefined;
  /** The stage's error-rate threshold, percent (the health check's). */
  readonly errorRatePercent: number;
}

export interface ApiRequest {
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly body: unknown;
  /** Aborted when the page goes away (a redrive then stops after the letter in hand). */
  readonly signal: AbortSignal;
}

/** A JSON answer, or lines of JSON written as they come (a redrive's progress). */
export type ApiAnswer =
  | { readonly status?: number; readonly json: unknown }
  | { readonly lines: (write: (line: unknown) => void) => Promise<void> };

type Handler = (request: ApiRequest, ctx: UiContext) => Promise<ApiAnswer>;

export interface Route {
  readonly method: 'GET' | 'POST';
  readonly pattern: RegExp;
  /** Names of the pattern's groups, in order. */
  readonly params: readonly string[];
  readonly handler: Handler;
  /** Written to the UI's log when it runs (actions only). */
  readonly action?: string;
}

const route = (method: Route['method'], path: string, handler: Handler, action?: string): Route => {
  const params: string[] = [];
  const pattern = new RegExp(
    `^${path.replace(/:(\w+)/g, (_, name: string) => {
      params.push(name);
      return '([^/]+)';
    })}$`,
  );
  return { method, pattern, params, handler, ...(action ? { action } : {}) };
};

/** Longest overview window (minutes): the statistics' minute-by-minute limit. */
const OVERVIEW_WINDOWS = [15, 60, 360, 1440];
const REVOKE_REASON = 'revoked from the lovage UI';
/** Letters per second a redrive from the page may ask for. */
const MAX_RATE = 100;

export const ROUTES: readonly Route[] = [
  route('GET', '/api/overview', async ({ query }, ctx) => {
    const q = checkQuery(query, ['minutes']);
    const minutes = intParam(q.minutes, 'minutes') ?? 60;
    if (!OVERVIEW_WINDOWS.includes(minutes)) {
      throw new HttpError(
        400,
        'InvalidQuery',
        `minutes must be one of ${OVERVIEW_WINDOWS.join(', ')}`,
      );
    }
    const now = new Date();
    const { lovage } = ctx;
    const names = [...lovage.catalog.tasks.keys()];
    const [health, stats, schedules] = await Promise.all([
      ctx.stats
        ? checkHealth(
            {
              catalog: lovage.catalog,
              config: lovage.config,
              sqs: ctx.sqs,
              cloudwatch: ctx.cloudwatch,
              scheduler: ctx.scheduler,
              stats: ctx.stats,
              errorRatePercent: ctx.errorRatePercent,
            },
            now,
          )
        : undefined,
      ctx.stats
        ? readStats(ctx.stats, names, {
            since: new Date(now.getTime() - minutes * 60_000),
            until: now,
            timeline: true,
          })
        : undefined,
      beatTimes(lovage.config, ctx.scheduler, ctx.stats, now),
    ]);
    const queues = health?.queues ?? (await queueStats(lovage.config, ctx.sqs, ctx.cloudwatch));
    return {
      json: {
        checkedAt: now.toISOString(),
        health: health && { status: health.status, reasons: health.reasons, notes: health.notes },
        queues,
        targets: TIER_TARGETS,
        stats,
        schedules,
        ...(ctx.stats
          ? {}
          : {
              note: `stack '${lovage.config.stackName}' has no statistics table: redeploy it with this version of Lovage for charts and health`,
            }),
      },
    };
  }),

  route('GET', '/api/tasks', async ({ query }, ctx) => {
    const q = checkQuery(query, ['task', 'state', 'since', 'limit', 'parent', 'root']);
    if (q.state !== undefined && !STATES.includes(q.state as TaskState)) {
      throw new HttpError(
        400,
        'InvalidQuery',
        `state '${q.state}' is not one of ${STATES.join(', ')}`,
      );
    }
    const since = timeParam(q.since, 'since');
    const limit = intParam(q.limit, 'limit');
    const options: ListOptions = {
      ...(q.task ? { task: q.task } : {}),
      ...(q.state ? { state: q.state as TaskState } : {}),
      ...(since ? { since } : {}),
      ...(limit !== undefined ? { limit } : {}),
      ...(q.parent ? { parentId: q.parent } : {}),
      ...(q.root ? { rootId: q.root } : {}),
    };
    return { json: (await ctx.lovage.list(options)).map(taskView) };
  }),

  route('GET', '/api/tasks/:id', async ({ params, query }, ctx) => {
    checkQuery(query, []);
    const status = await ctx.lovage.get(params.id ?? '');
    return { json: { ...taskView(status), queue: queueOf(ctx, status) } };
  }),

  route(
    'POST',
    '/api/tasks/:id/revoke',
    async ({ params }, ctx) => ({
      json: await ctx.lovage.revoke(params.id ?? '', { reason: REVOKE_REASON }),
    }),
    'revoke',
  ),

  route('GET', '/api/workflows/:id', async ({ params, query }, ctx) => {
    checkQuery(query, []);
    try {
      return { json: await ctx.lovage.workflow(params.id ?? '').get() };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError)
        throw new HttpError(404, 'NotFound', error.message);
      throw error;
    }
  }),

  route('GET', '/api/tasks/:id/letter', async ({ params, query }, ctx) => {
    checkQuery(query, []);
    const id = params.id ?? '';
    const queue = queueOf(ctx, await ctx.lovage.get(id));
    const view = await showDeadLetter(ctx.lovage, ctx.sqs, id, queue ? { queue } : {});
    if (!view) {
      throw new HttpError(
        404,
        'NoDeadLetter',
        `no dead letter of task '${id}'${queue ? ` in the ${queue} DLQ` : ''}`,
      );
    }
    return { json: deadLetterView(view) };
  }),

  route('GET', '/api/queues', async ({ query }, ctx) => {
    checkQuery(query, []);
    const queues = await queueStats(ctx.lovage.config, ctx.sqs, ctx.cloudwatch);
    return { json: { queues, targets: TIER_TARGETS } };
  }),

  route(
    'POST',
    '/api/queues/purge',
    async ({ body }, ctx) => {
      const { queue, which, confirm } = fields(body, {
        queue: 'string',
        which: 'string',
        confirm: 'string',
      });
      checkQueueName(ctx, queue, 'queue');
      if (confirm !== queue) {
        throw new HttpError(
          400,
          'NotConfirmed',
          `type the queue's name (${queue}) to confirm the purge`,
        );
      }
      if (which === 'queue') await purgeQueue(ctx.lovage.config, ctx.sqs, queue);
      else if (which === 'dead-letters') await purgeDeadLetters(ctx.lovage.config, ctx.sqs, queue);
      else throw new HttpError(400, 'InvalidRequest', "which must be 'queue' or 'dead-letters'");
      return { json: { purged: queue, which } };
    },
    'purge',
  ),

  route('GET', '/api/dead-letters', async ({ query }, ctx) => {
    const q = checkQuery(query, ['queue', 'id', 'task', 'errorType', 'since', 'until']);
    const read = await readDeadLetters(ctx.lovage.config, ctx.sqs, letterFilter(ctx, q));
    return {
      json: {
        letters: read.letters.map(letterView),
        complete: read.complete,
        unreleased: read.unreleased.length,
      },
    };
  }),

  route('GET', '/api/dead-letters/:id', async ({ params, query }, ctx) => {
    const q = checkQuery(query, ['queue']);
    if (q.queue) checkQueueName(ctx, q.queue, 'queue');
    const view = await showDeadLetter(
      ctx.lovage,
      ctx.sqs,
      params.id ?? '',
      q.queue ? { queue: q.queue } : {},
    );
    if (!view)
      throw new HttpError(
        404,
        'NoDeadLetter',
        `no dead letter with task or message id '${params.id}'`,
      );
    return { json: deadLetterView(view) };
  }),

  route(
    'POST',
    '/api/dead-letters/redrive',
    async ({ body, signal }, ctx) => {
      const input = fields(body, { filter: 'object', dryRun: 'boolean', rate: 'number' });
      const filter = letterFilter(ctx, input.filter as Record<string, string | undefined>);
      if (!(input.rate > 0 && input.rate <= MAX_RATE)) {
        throw new HttpError(
          400,
          'InvalidRequest',
          `rate must be more than 0 and at most ${MAX_RATE} letters per second`,
        );
      }
      const run = (onProgress?: (done: number, total: number, taskId?: string) => void) =>
        redrive(ctx.lovage.config, ctx.sqs, filter, {
          catalog: ctx.lovage.catalog,
          reopen: reopenInTable(ctx.db, ctx.lovage.config.tableName),
          dryRun: input.dryRun,
          ratePerSecond: input.rate,
          signal,
          ...(onProgress
            ? { onProgress: (done, total, letter) => onProgress(done, total, letter.taskId) }
            : {}),
        });
      if (input.dryRun) return { json: redriveView(await run()) };
      return {
        lines: async (write) => {
          const result = await run((done, total, taskId) =>
            write({ kind: 'progress', done, total, taskId }),
          );
          write({ kind: 'result', result: redriveView(result) });
        },
      };
    },
    'redrive',
  ),

  route('GET', '/api/schedules', async ({ query }, ctx) => {
    checkQuery(query, []);
    return { json: await beatTimes(ctx.lovage.config, ctx.scheduler, ctx.stats) };
  }),

  route(
    'POST',
    '/api/schedules/:name/:verb',
    async ({ params }, ctx) => {
      const name = params.name ?? '';
      const { config } = ctx.lovage;
      switch (params.verb) {
        case 'pause':
          return { json: await setScheduleState(config, ctx.scheduler, name, 'DISABLED') };
        case 'resume':
          return { json: await setScheduleState(config, ctx.scheduler, name, 'ENABLED') };
        case 'run-now':
          return { json: await runScheduleNow(config, ctx.scheduler, ctx.sqs, name) };
        default:
          throw new HttpError(404, 'NotFound', `no action '${params.verb}' on schedules`);
      }
    },
    'schedule',
  ),
];

/** `<category>/<tier>` of a task's queue, when its record says which task and tier. */
function queueOf(ctx: UiContext, status: { task?: string; tier?: string }): string | undefined {
  const definition = status.task ? ctx.lovage.catalog.tasks.get(status.task) : undefined;
  return definition && status.tier ? `${definition.category}/${status.tier}` : undefined;
}

function checkQueueName(ctx: UiContext, queue: string, field: string): void {
  if (!(queue in ctx.lovage.config.queues)) {
    const known = Object.keys(ctx.lovage.config.queues).sort().join(', ');
    throw new HttpError(
      400,
      'InvalidRequest',
      `${field} '${queue}' is not a queue of the stack; it has: ${known}`,
    );
  }
}

/** A dead-letter filter from the page, each field checked as the CLI checks its flags. */
function letterFilter(ctx: UiContext, q: Record<string, string | undefined>): DeadLetterFilter {
  const known = ['queue', 'id', 'task', 'errorType', 'since', 'until'];
  checkQuery(q, known);
  const odd = Object.keys(q).filter((k) => q[k] !== undefined && typeof q[k] !== 'string');
  if (odd.length > 0)
    throw new HttpError(400, 'InvalidRequest', `filter fields must be strings: ${odd.join(', ')}`);
  if (q.queue) checkQueueName(ctx, q.queue, 'queue');
  if (q.task) ctx.lovage.catalog.task(q.task);
  const since = timeParam(q.since || undefined, 'since');
  const until = timeParam(q.until || undefined, 'until');
  return {
    ...(q.queue ? { queue: q.queue } : {}),
    ...(q.id ? { taskId: q.id } : {}),
    ...(q.task ? { task: q.task } : {}),
    ...(q.errorType ? { errorType: q.errorType } : {}),
    ...(since ? { since: since.toISOString() } : {}),
    ...(until ? { until: until.toISOString() } : {}),
  };
}

type FieldType = 'string' | 'number' | 'boolean' | 'object';
type FieldValue<T extends FieldType> = T extends 'string'
  ? string
  : T extends 'number'
    ? number
    : T extends 'boolean'
      ? boolean
      : Record<string, unknown>;

/** The fields of a JSON body, each required and of its type; a 400 names every bad one. */
function fields<S extends Record<string, FieldType>>(
  body: unknown,
  shape: S,
): { [K in keyof S]: FieldValue<S[K]> } {
  const object =
    typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : {};
  const issues = Object.entries(shape).flatMap(([name, type]) => {
    const value = object[name];
    const ok =
      type === 'object'
        ? typeof value === 'object' && value !== null && !Array.isArray(value)
        : typeof value === type;
    return ok ? [] : [{ field: name, message: `must be a ${type}` }];
  });
  if (issues.length > 0) {
    throw new HttpError(
      400,
      'InvalidRequest',
      `bad request body: ${issues.map((i) => `${i.field} ${i.message}`).join(', ')}`,
      issues,
    );
  }
  return object as { [K in keyof S]: FieldValue<S[K]> };
}
