import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { catalog } from '../../catalog/index.js';
import {
  type DeadLetter,
  type DeadLetterFilter,
  type DeadLetterRead,
  describeFailure,
  purgeDeadLetters,
  READ_DEFAULTS,
  REDRIVE_POLICY_REASON,
  type RedriveResult,
  readDeadLetters,
  redrive,
  reopenInTable,
  showDeadLetter,
} from '../../ops/index.js';
import { EXIT, type Run, UsageError } from '../context.js';
import { progressBar, table } from '../format.js';
import { describeStatus, print } from './tasks.js';

interface FilterOptions {
  readonly queue?: string;
  readonly id?: string;
  readonly task?: string;
  readonly errorType?: string;
  readonly since?: string;
  readonly until?: string;
}

const withFilters = (command: Command) =>
  command
    .option('--queue <category/tier>', 'only this queue, e.g. email/high')
    .option('--id <task id>', 'only the letters of this task id')
    .option('--task <name>', 'only letters of this task')
    .option('--error-type <type>', 'only letters whose failure has this error type')
    .option('--since <time>', 'failed at or after this ISO time')
    .option('--until <time>', 'failed before this ISO time');

export function registerDlqCommands(program: Command, run: Run): void {
  const dlq = program.command('dlq').description('dead-letter queues: inspect, redrive, purge');

  withFilters(dlq.command('list').description('dead letters with their failure reason')).action(
    (opts: FilterOptions) =>
      run(
        () => filterOf(opts),
        async (ctx, filter, globals) => {
          const read = await readDeadLetters(ctx.lovage.config, ctx.sqs, filter);
          noteRead(read);
          const { letters } = read;
          print(globals, letters, () =>
            letters.length === 0
              ? 'no dead letters'
              : table(
                  ['queue', 'task id', 'task', 'attempts', 'failed at', 'reason'],
                  letters.map((l) => [
                    l.queue,
                    l.taskId,
                    l.task,
                    l.attempts,
                    l.failedAt ?? (l.sentAt ? `sent ${l.sentAt}` : undefined),
                    clip(describeFailure(l), 160),
                  ]),
                ),
          );
          return EXIT.ok;
        },
      ),
  );

  dlq
    .command('show')
    .description("one dead letter joined with its task's record and history")
    .argument('<id>', 'task id or SQS message id')
    .action((id: string) =>
      run(async (ctx, globals) => {
        const view = await showDeadLetter(ctx.lovage, ctx.sqs, id);
        if (!view) throw new UsageError(`no dead letter with task or message id '${id}'`);
        noteRead(view.read);
        const { letter, task: status } = view;
        print(globals, { letter, task: status }, () =>
          [
            `queue: ${letter.queue}`,
            `message: ${letter.messageId}${view.ofTask > 1 ? ` (latest of ${view.ofTask} letters of this task)` : ''}`,
            `reason: ${letter.origin === 'runtime' ? `${letter.errorType}: ${letter.errorMessage ?? ''}` : REDRIVE_POLICY_REASON}`,
            ...(letter.failureReason ? [`why final: ${letter.failureReason}`] : []),
            `attempts: ${letter.attempts ?? '-'}`,
            `failed at: ${letter.failedAt ?? '-'}`,
            `first sent: ${letter.sentAt ?? '-'}`,
            `body: ${letter.body}`,
            ...(status ? ['', describeStatus(status)] : []),
          ].join('\n'),
        );
        return EXIT.ok;
      }),
    );

  withFilters(dlq.command('redrive').description('send matching dead letters back to their queues'))
    .option('--dry-run', 'list what would move, move nothing')
    .option('--rate <perSecond>', 'messages per second at most', '10')
    .action((opts: FilterOptions & { dryRun?: boolean; rate: string }) =>
      run(
        () => {
          const rate = Number(opts.rate);
          if (!(rate > 0)) throw new UsageError(`--rate '${opts.rate}' must be a positive number`);
          return { filter: filterOf(opts), rate };
        },
        async (ctx, { filter, rate }, globals) => {
          const bar = globals.json ? undefined : progressBar();
          const { config } = ctx.lovage;
          // Ctrl-C stops after the letter in hand; the letters not moved are made visible again.
          const stop = new AbortController();
          const onSignal = () => {
            console.error('stopping after the current letter; the rest stay in the DLQ');
            stop.abort();
          };
          process.once('SIGINT', onSignal);
          let result: RedriveResult;
          try {
            result = await redrive(config, ctx.sqs, filter, {
              catalog: ctx.catalog,
              reopen: reopenInTable(ctx.db, config.tableName),
              dryRun: opts.dryRun ?? false,
              ratePerSecond: rate,
              signal: stop.signal,
              onProgress: (done, total, letter) =>
                bar?.update(done, total, letter.taskId ?? letter.messageId),
            });
          } finally {
            process.off('SIGINT', onSignal);
            bar?.done();
          }
          print(globals, result, () =>
            [
              result.dryRun
                ? `dry run: ${result.wouldMove} of ${result.matched} letter(s) would move`
                : `moved ${result.moved} of ${result.matched} letter(s)`,
              ...result.skipped.map((s) => `skipped ${nameOf(s.letter)}: ${s.reason}`),
              ...result.failed.map((f) => `failed ${nameOf(f.letter)}: ${f.error}`),
              ...(result.complete
                ? []
                : ['not every letter was taken: run the redrive again for the rest']),
            ].join('\n'),
          );
          return result.failed.length > 0 ? EXIT.failed : EXIT.ok;
        },
      ),
    );

  dlq
    .command('purge')
    .description('delete every message in the dead-letter queues')
    .option('--queue <category/tier>', 'only this queue')
    .option('--yes', 'do not ask for confirmation')
    .action((opts: { queue?: string; yes?: boolean }) =>
      run(
        () => {
          if (opts.queue !== undefined) checkQueue(opts.queue);
          if (!opts.yes && !process.stdin.isTTY)
            throw new UsageError('refusing to purge without --yes (no terminal to ask)');
        },
        async (ctx, _, globals) => {
          const question = `Delete every message in ${opts.queue ?? 'all'} dead-letter queue(s)?`;
          if (!opts.yes && !(await confirm(question))) {
            console.error('not purged');
            return EXIT.failed;
          }
          const purged = await purgeDeadLetters(ctx.lovage.config, ctx.sqs, opts.queue);
          print(globals, { purged }, () => `purged: ${purged.join(', ')}`);
          return EXIT.ok;
        },
      ),
    );
}

/** The filter flags, checked against the catalog: a typo is exit 2, not an empty list. */
function filterOf(opts: FilterOptions): DeadLetterFilter {
  if (opts.queue !== undefined) checkQueue(opts.queue);
  if (opts.task !== undefined) catalog.task(opts.task);
  for (const key of ['since', 'until'] as const) {
    const value = opts[key];
    if (value !== undefined && Number.isNaN(Date.parse(value))) {
      throw new UsageError(`--${key} '${value}' is not an ISO time (e.g. 2026-11-23T10:00:00Z)`);
    }
  }
  const iso = (v: string | undefined) => (v === undefined ? undefined : new Date(v).toISOString());
  return {
    ...(opts.queue ? { queue: opts.queue } : {}),
    ...(opts.id ? { taskId: opts.id } : {}),
    ...(opts.task ? { task: opts.task } : {}),
    ...(opts.errorType ? { errorType: opts.errorType } : {}),
    ...(opts.since ? { since: iso(opts.since) } : {}),
    ...(opts.until ? { until: iso(opts.until) } : {}),
  };
}

/** What a read could not do, on stderr so that `--json` output stays clean. */
function noteRead(read: Pick<DeadLetterRead, 'complete' | 'unreleased'>): void {
  if (!read.complete) {
    console.error(
      `note: stopped after ${READ_DEFAULTS.max} letters; more remain (narrow with --queue)`,
    );
  }
  if (read.unreleased.length > 0) {
    console.error(
      `note: ${read.unreleased.length} letter(s) could not be made visible again at once (${read.unreleased[0]?.reason}); they reappear within ${READ_DEFAULTS.holdSeconds} s`,
    );
  }
}

function nameOf(letter: DeadLetter): string {
  return letter.taskId ?? `message ${letter.messageId}`;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Asks a yes/no question on the terminal; only `y` or `yes` is a yes. */
export async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

/** `--queue` (or `what`) must be `<category>/<tier>` of a queue the catalog declares. */
export function checkQueue(queue: string, what = '--queue'): void {
  const known = catalog.categories.flatMap((c) =>
    catalog.tiersOf(c.name).map((tier) => `${c.name}/${tier}`),
  );
  if (!known.includes(queue)) {
    throw new UsageError(
      `${what} '${queue}' is not a queue of the catalog; it has: ${known.join(', ')}`,
    );
  }
}
