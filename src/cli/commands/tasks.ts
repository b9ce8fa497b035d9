import type { Command } from 'commander';
import { TIERS, type Tier } from '../../catalog/index.js';
import type { TaskStatus } from '../../client/index.js';
import { type Context, EXIT, type GlobalOptions, UsageError } from '../context.js';
import { table } from '../format.js';

type Run = (action: (ctx: Context, globals: GlobalOptions) => Promise<number>) => Promise<void>;

export function registerTaskCommands(program: Command, run: Run): void {
  program
    .command('send')
    .description('validate a payload against the catalog and send the task')
    .argument('<task>', 'task name, e.g. email.send')
    .argument('[json]', 'payload as JSON', '{}')
    .option('--priority <tier>', `queue tier: ${TIERS.join(', ')}`)
    .option('--countdown <seconds>', 'run no sooner than this many seconds from now')
    .option('--id <id>', 'task id (sending twice with one id runs the task once)')
    .action(
      (task: string, json: string, opts: { priority?: string; countdown?: string; id?: string }) =>
        run(async (ctx, globals) => {
          const args = parseJson(json, 'payload');
          const tier = opts.priority === undefined ? undefined : parseTier(opts.priority);
          const handle = await ctx.lovage.send(task as never, args as never, {
            ...(tier ? { tier } : {}),
            ...(opts.countdown !== undefined
              ? { countdownSeconds: parseWhole(opts.countdown, '--countdown') }
              : {}),
            ...(opts.id ? { id: opts.id } : {}),
          });
          print(globals, handle, () => `${handle.id}\nsent ${handle.task} to ${handle.tier}`);
          return EXIT.ok;
        }),
    );

  program
    .command('status')
    .description("a task's state, result or error, progress and history")
    .argument('<id>', 'task id')
    .action((id: string) =>
      run(async (ctx, globals) => {
        const status = await ctx.lovage.get(id);
        print(globals, status, () => describeStatus(status));
        return EXIT.ok;
      }),
    );
}

/** The human form of a task's status. */
export function describeStatus(
  status: TaskStatus & {
    history?: readonly Record<string, unknown>[];
    progress?: Record<string, unknown>;
  },
): string {
  const lines = [
    `${status.id}  ${status.state}${status.task ? `  ${status.task}` : ''}${status.attempt ? `  attempt ${status.attempt}` : ''}`,
  ];
  if (status.result !== undefined) lines.push(`result: ${JSON.stringify(status.result)}`);
  if (status.error) lines.push(`error: ${status.error.type}: ${status.error.message}`);
  if (status.progress)
    lines.push(
      `progress: ${status.progress.current}/${status.progress.total} ${status.progress.message ?? ''}`.trimEnd(),
    );
  if (status.history?.length) {
    lines.push(
      '',
      table(
        ['at', 'state', 'attempt', 'detail'],
        status.history.map((h) => [
          h.at,
          h.state,
          h.attempt,
          (h.error as { type?: string; message?: string } | undefined)
            ? `${(h.error as { type: string }).type}: ${(h.error as { message: string }).message}`
            : (h.note ?? ''),
        ]),
      ),
    );
  }
  if (status.state === 'PENDING' && !status.task)
    lines.push('(no record yet: queued, scheduled, or an unknown id)');
  return lines.join('\n');
}

export function print(globals: GlobalOptions, value: unknown, human: () => string): void {
  console.log(globals.json ? JSON.stringify(value, null, 2) : human());
}

export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${what} is not valid JSON: ${(error as Error).message}`);
  }
}

export function parseTier(value: string): Tier {
  if (!(TIERS as readonly string[]).includes(value)) {
    throw new UsageError(`--priority '${value}' is not one of ${TIERS.join(', ')}`);
  }
  return value as Tier;
}

export function parseWhole(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`${option} '${value}' must be a whole number of seconds`);
  return n;
}
