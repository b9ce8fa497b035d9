import type { Command } from 'commander';
import { RemoteEndpointError } from '../../drift/client-endpoints.js';
import {
  beatTimes,
  diagnose,
  purgeQueue,
  queueStats,
  repair,
  runScheduleNow,
  setScheduleState,
} from '../../ops/index.js';
import { EXIT, type Run, UsageError } from '../context.js';
import { age, table } from '../format.js';
import { checkQueue, confirm } from './dlq.js';
import { optionalStats } from './monitoring.js';
import { parseWhole, print } from './tasks.js';

export function registerOperationCommands(program: Command, run: Run): void {
  program
    .command('queues')
    .description('every tier queue: visible, in flight, delayed, oldest message, DLQ depth')
    .option('--watch [seconds]', 'refresh every few seconds until interrupted')
    .action((opts: { watch?: string | boolean }) =>
      run(async (ctx, globals) => {
        const show = async () => {
          const stats = await queueStats(ctx.lovage.config, ctx.sqs, ctx.aws.cloudwatch);
          print(globals, stats, () =>
            table(
              ['queue', 'visible', 'in flight', 'delayed', 'oldest', 'dlq'],
              stats.map((s) => [
                s.queue,
                s.visible,
                s.inFlight,
                s.delayed,
                age(s.oldestAgeSeconds),
                s.deadLetters,
              ]),
            ),
          );
        };
        if (opts.watch === undefined) {
          await show();
          return EXIT.ok;
        }
        const every = opts.watch === true ? 5 : parseWhole(String(opts.watch), '--watch');
        for (;;) {
          if (!globals.json && process.stdout.isTTY) process.stdout.write('\u001b[2J\u001b[H');
          await show();
          await new Promise((resolve) => setTimeout(resolve, Math.max(1, every) * 1000));
        }
      }),
    );

  program
    .command('purge')
    .description(
      'delete every message waiting in one tier queue (celery purge); its tasks never run',
    )
    .argument('<queue>', 'category/tier, e.g. email/low')
    .option('--yes', 'do not ask for confirmation')
    .action((queue: string, opts: { yes?: boolean }) =>
      run(
        () => {
          checkQueue(queue, 'queue');
          if (!opts.yes && !process.stdin.isTTY)
            throw new UsageError('refusing to purge without --yes (no terminal to ask)');
        },
        async (ctx, _, globals) => {
          if (!opts.yes && !(await confirm(`Delete every message waiting in ${queue}?`))) {
            console.error('not purged');
            return EXIT.failed;
          }
          await purgeQueue(ctx.lovage.config, ctx.sqs, queue);
          print(globals, { purged: [queue] }, () => `purged: ${queue}`);
          return EXIT.ok;
        },
      ),
    );

  const schedules = program.command('schedules').description('the beat: periodic tasks');
  schedules
    .command('list')
    .description('schedules as EventBridge Scheduler runs them, with last tick and next fire')
    .action(() =>
      run(async (ctx, globals) => {
        const all = await beatTimes(ctx.lovage.config, ctx.aws.scheduler, optionalStats(ctx));
        print(globals, all, () =>
          table(
            ['name', 'task', 'tier', 'expression', 'timezone', 'state', 'last tick', 'next'],
            all.map((s) => [
              s.name,
              s.task,
              s.tier,
              s.expression,
              s.timezone,
              s.state,
              s.lastTickAt,
              s.nextDueAt,
            ]),
          ),
        );
        return EXIT.ok;
      }),
    );
  for (const [verb, state] of [
    ['pause', 'DISABLED'],
    ['resume', 'ENABLED'],
  ] as const) {
    schedules
      .command(verb)
      .description(`${verb} a schedule`)
      .argument('<name>', 'schedule name from the catalog')
      .action((name: string) =>
        run(async (ctx, globals) => {
          const result = await setScheduleState(ctx.lovage.config, ctx.aws.scheduler, name, state);
          print(globals, result, () => `${result.name}: ${result.state}`);
          return EXIT.ok;
        }),
      );
  }
  schedules
    .command('run-now')
    .description("send a schedule's task now, without waiting for its next tick")
    .argument('<name>', 'schedule name from the catalog')
    .action((name: string) =>
      run(async (ctx, globals) => {
        const sent = await runScheduleNow(ctx.lovage.config, ctx.aws.scheduler, ctx.sqs, name);
        print(globals, sent, () => `${sent.taskId}\nsent ${sent.task ?? '(task)'} now`);
        return EXIT.ok;
      }),
    );

  program
    .command('doctor')
    .description('compare the deployed stack with its template and the catalog')
    .option('--fix', 're-apply what differs (local emulators only; on AWS, deploy instead)')
    .action((opts: { fix?: boolean }) => {
      // --fix is checked before anything touches AWS: the target must be local, and
      // repair() asks each SDK client it uses where it would send a request
      // (AWS_ENDPOINT_URL_<SERVICE>, config-file endpoints and
      // AWS_IGNORE_CONFIGURED_ENDPOINT_URLS included), refusing any other endpoint.
      const only = opts.fix ? { localOnly: '--fix' } : {};
      return run(async (ctx, globals) => {
        if (opts.fix) {
          let result: Awaited<ReturnType<typeof repair>>;
          try {
            result = await repair(ctx.lovage.config, ctx.aws, (line) => {
              if (!globals.json) console.log(line);
            });
          } catch (error) {
            if (!(error instanceof RemoteEndpointError)) throw error;
            console.error(`lovage: ${error.message}`);
            return EXIT.usage;
          }
          if (globals.json) console.log(JSON.stringify(result, null, 2));
          return result.notFixed > 0 ? EXIT.failed : EXIT.ok;
        }
        const findings = await diagnose(ctx.catalog, ctx.lovage.config, ctx.aws);
        const bad = findings.filter((f) => f.status === 'mismatch');
        print(globals, findings, () => {
          const shown = findings.filter((f) => f.status !== 'ok');
          const summary = `doctor: ${findings.length} checked, ${bad.length} mismatch(es), ${shown.length - bad.length} warning(s)`;
          return shown.length
            ? `${table(
                ['status', 'subject', 'detail'],
                shown.map((f) => [f.status, f.subject, f.detail]),
              )}\n${summary}`
            : summary;
        });
        return bad.length > 0 ? EXIT.failed : EXIT.ok;
      }, only);
    });

  program
    .command('dashboard')
    .description("print the CloudWatch dashboard's address")
    .action(() =>
      run(async (ctx, globals) => {
        const name = ctx.lovage.config.dashboardName;
        const url = `https://${ctx.region}.console.aws.amazon.com/cloudwatch/home?region=${ctx.region}#dashboards/dashboard/${encodeURIComponent(name)}`;
        print(globals, { name, url }, () => url);
        return EXIT.ok;
      }),
    );
}
