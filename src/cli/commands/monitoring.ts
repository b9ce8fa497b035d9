import type { Command } from 'commander';
import { StackConfigError } from '../../client/index.js';
import { checkHealth } from '../../ops/health.js';
import { readStats, StatsOptionsError, type StatsSource } from '../../ops/stats.js';
import { ERROR_RATE_PERCENT } from '../../protocol/tier-targets.js';
import { type Context, EXIT, type Run, UsageError } from '../context.js';
import { table } from '../format.js';
import { print } from './tasks.js';

const AGO = /^(\d+)\s*(m|h|d)$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `30m`, `6h`, `1d` before now, or an ISO time. */
export function parseSince(value: string, option: string, now = Date.now()): Date {
  const ago = AGO.exec(value.trim());
  if (ago) return new Date(now - Number(ago[1]) * UNIT_MS[ago[2] as keyof typeof UNIT_MS]);
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new UsageError(`${option} '${value}' must be an ISO time or a duration like 30m, 6h, 1d`);
  return date;
}

/** The statistics table, when the stack has one (stacks deployed before it have not). */
export function optionalStats(ctx: Context): StatsSource | undefined {
  const statsTable = ctx.lovage.config.statsTableName;
  return statsTable ? { db: ctx.db, statsTable } : undefined;
}

function statsSource(ctx: Context): StatsSource {
  const source = optionalStats(ctx);
  if (!source) {
    throw new StackConfigError(
      `stack '${ctx.lovage.config.stackName}' has no StatsTableName output; redeploy it with this version of Lovage`,
    );
  }
  return source;
}

const ms = (value: number | null) =>
  value === null
    ? undefined
    : value >= 1000
      ? `${(value / 1000).toFixed(2)}s`
      : `${value.toFixed(1)}ms`;

interface StatsFlags {
  readonly task?: string;
  readonly since: string;
  readonly until?: string;
  readonly all?: boolean;
  readonly perMinute?: boolean;
}

export function registerMonitoringCommands(program: Command, run: Run): void {
  program
    .command('stats')
    .description('per task over a window: count, success rate, p50/p95/p99 duration, throughput')
    .option('--task <names>', 'only these tasks (comma-separated)')
    .option('--since <time>', 'start: an ISO time or 30m, 6h, 1d ago', '1h')
    .option('--until <time>', 'end: an ISO time (default now)')
    .option('--all', 'list tasks with nothing in the window too')
    .option('--per-minute', 'also add the window up minute by minute (at most 24 hours)')
    .action((opts: StatsFlags) =>
      run(async (ctx, globals) => {
        const tasks = opts.task
          ?.split(',')
          .map((t) => t.trim())
          .filter(Boolean);
        for (const t of tasks ?? []) ctx.catalog.task(t);
        const report = await readStats(statsSource(ctx), [...ctx.catalog.tasks.keys()], {
          since: parseSince(opts.since, '--since'),
          ...(opts.until ? { until: parseSince(opts.until, '--until') } : {}),
          ...(tasks ? { tasks } : {}),
          ...(opts.perMinute ? { timeline: true } : {}),
        }).catch((error: Error) => {
          throw error instanceof StatsOptionsError ? new UsageError(error.message) : error;
        });
        const shown = report.tasks.filter(
          (t) => opts.all || tasks || t.count + t.retried + t.runs > 0,
        );
        print(globals, report, () =>
          [
            `${report.since} .. ${report.until} (${report.minutes} min)`,
            shown.length === 0
              ? 'nothing finished in this window'
              : table(
                  ['task', 'count', 'ok %', 'failed', 'retried', 'p50', 'p95', 'p99', 'per min'],
                  shown.map((t) => [
                    t.task,
                    t.count,
                    t.successRate === null ? undefined : Math.round(t.successRate * 1000) / 10,
                    t.failed,
                    t.retried,
                    ms(t.p50Ms),
                    ms(t.p95Ms),
                    ms(t.p99Ms),
                    t.throughputPerMinute,
                  ]),
                ),
            ...(report.timeline
              ? [
                  '',
                  table(
                    ['minute (UTC)', 'finished', 'succeeded', 'failed', 'retried', 'ok %'],
                    report.timeline.map((p) => {
                      const finished = p.succeeded + p.failed + p.revoked + p.expired;
                      const judged = p.succeeded + p.failed;
                      return [
                        p.minute,
                        finished,
                        p.succeeded,
                        p.failed,
                        p.retried,
                        judged > 0 ? Math.round((p.succeeded / judged) * 1000) / 10 : undefined,
                      ];
                    }),
                  ),
                ]
              : []),
          ].join('\n'),
        );
        return EXIT.ok;
      }),
    );

  program
    .command('health')
    .description('healthy, degraded or unhealthy, with the reasons (exit 1 unless healthy)')
    .action(() =>
      run(async (ctx, globals) => {
        const stage = ctx.lovage.config.stage === 'prod' ? 'prod' : 'dev';
        const report = await checkHealth({
          catalog: ctx.catalog,
          config: ctx.lovage.config,
          sqs: ctx.sqs,
          cloudwatch: ctx.aws.cloudwatch,
          scheduler: ctx.aws.scheduler,
          stats: statsSource(ctx),
          errorRatePercent: ERROR_RATE_PERCENT[stage],
        });
        print(globals, report, () =>
          [
            report.status,
            ...(report.reasons.length
              ? [
                  table(
                    ['severity', 'check', 'subject', 'detail'],
                    report.reasons.map((r) => [r.severity, r.check, r.subject, r.detail]),
                  ),
                ]
              : []),
            ...report.notes.map((n) => `note: ${n}`),
          ].join('\n'),
        );
        return report.status === 'healthy' ? EXIT.ok : EXIT.failed;
      }),
    );
}
