import type { Command } from 'commander';
import { catalog, TIERS, type Tier } from '../../catalog/index.js';
import {
  type ListOptions,
  type SendOptions,
  type TaskStatus,
  validateListOptions,
  validateSend,
} from '../../client/index.js';
import { STATES, type TaskState } from '../../protocol/records.js';
import { EXIT, type GlobalOptions, type Run, UsageError } from '../context.js';
import { progressBar, table } from '../format.js';

interface ListFlags {
  readonly task?: string;
  readonly state?: string;
  readonly since?: string;
  readonly limit: string;
  readonly parent?: string;
  readonly root?: string;
}

interface SendFlags {
  readonly priority?: string;
  readonly countdown?: string;
  readonly eta?: string;
  readonly expires?: string;
  readonly id?: string;
}

export function registerTaskCommands(program: Command, run: Run): void {
  program
    .command('send')
    .description('validate a payload against the catalog and send the task')
    .argument('<task>', 'task name, e.g. email.send')
    .argument('[json]', 'payload as JSON', '{}')
    .option('--priority <tier>', `queue tier: ${TIERS.join(', ')}`)
    .option('--countdown <seconds>', 'run no sooner than this many seconds from now (any distance)')
    .option('--eta <time>', 'run no sooner than this ISO time')
    .option('--expires <time>', 'do not run after this ISO time, or this many seconds from now')
    .option('--id <id>', 'task id (sending twice with one id runs the task once)')
    .action((task: string, json: string, opts: SendFlags) =>
      run(
        () => {
          catalog.task(task);
          const args = parseJson(json, 'payload');
          const options = sendOptions(opts);
          validateSend(catalog, task, args, options);
          return { args, options };
        },
        async (ctx, { args, options }, globals) => {
          const handle = await ctx.lovage.send(task as never, args as never, options);
          const when = handle.eta ? ` to run at ${handle.eta}` : '';
          const via =
            handle.delivery === 'schedule' ? ` (one-time schedule ${handle.scheduleName})` : '';
          print(
            globals,
            handle,
            () => `${handle.id}\nsent ${handle.task} to ${handle.tier}${when}${via}`,
          );
          return EXIT.ok;
        },
      ),
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

  program
    .command('wait')
    .description('wait for a task to finish, with a progress bar when it reports progress')
    .argument('<id>', 'task id')
    .option('--timeout <seconds>', 'give up after this long (exit 1)', '300')
    .action((id: string, opts: { timeout: string }) =>
      run(
        () => parseWhole(opts.timeout, '--timeout') * 1000,
        async (ctx, timeoutMs, globals) => {
          const bar = globals.json ? undefined : progressBar();
          const status = await ctx.lovage.wait(id, {
            timeoutMs,
            onPoll: (s) => {
              if (s.progress)
                bar?.update(s.progress.current, s.progress.total, s.progress.message ?? s.state);
            },
          });
          bar?.done();
          print(globals, status, () => describeStatus(status));
          return status.state === 'SUCCESS' ? EXIT.ok : EXIT.failed;
        },
      ),
    );

  program
    .command('list')
    .description('recent tasks, newest first (from the table indexes, never a scan)')
    .option('--task <name>', 'only this task')
    .option('--state <state>', `only this state: ${STATES.join(', ')}`)
    .option('--since <time>', 'ISO time or seconds ago (default: 24 hours ago)')
    .option('--limit <n>', 'at most this many', '50')
    .option('--parent <id>', 'only the tasks this task sent')
    .option('--root <id>', 'only the tasks of the tree this task started')
    .action((opts: ListFlags) =>
      run(
        () => {
          if (opts.state !== undefined && !(STATES as readonly string[]).includes(opts.state)) {
            throw new UsageError(`--state '${opts.state}' is not one of ${STATES.join(', ')}`);
          }
          const options: ListOptions = {
            ...(opts.task ? { task: opts.task } : {}),
            ...(opts.state ? { state: opts.state as TaskState } : {}),
            ...(opts.since ? { since: parseSince(opts.since) } : {}),
            ...(opts.parent ? { parentId: opts.parent } : {}),
            ...(opts.root ? { rootId: opts.root } : {}),
            limit: parseWhole(opts.limit, '--limit'),
          };
          validateListOptions(catalog, options);
          return options;
        },
        async (ctx, options, globals) => {
          const tasks = await ctx.lovage.list(options);
          print(globals, tasks, () =>
            tasks.length === 0
              ? 'no tasks'
              : table(
                  ['id', 'task', 'state', 'attempt', 'updated', 'workflow'],
                  tasks.map((t) => [
                    t.id,
                    t.task,
                    t.state,
                    t.attempt,
                    t.updatedAt,
                    t.workflowId ?? (t.parentId ? `child of ${t.parentId}` : undefined),
                  ]),
                ),
          );
          return EXIT.ok;
        },
      ),
    );

  program
    .command('revoke')
    .description(
      'revoke a task: a queued one is skipped, a scheduled one unscheduled, a running one aborted at its next progress checkpoint',
    )
    .argument('<id>', 'task id')
    .option('--reason <text>', 'recorded in the history', 'revoked with the lovage CLI')
    .action((id: string, opts: { reason: string }) =>
      run(async (ctx, globals) => {
        const result = await ctx.lovage.revoke(id, { reason: opts.reason });
        print(globals, result, () =>
          result.revoked
            ? `${id}: REVOKED${result.scheduleDeleted ? ' (pending schedule deleted)' : ''}`
            : `${id}: not revoked, already ${result.state}`,
        );
        return result.revoked || result.state === 'REVOKED' ? EXIT.ok : EXIT.failed;
      }),
    );
}

/** `send`'s flags as client options, each checked (exit 2 names the flag). */
function sendOptions(opts: SendFlags): SendOptions {
  const tier = opts.priority === undefined ? undefined : parseTier(opts.priority);
  return {
    ...(tier ? { tier } : {}),
    ...(opts.countdown !== undefined
      ? { countdownSeconds: parseWhole(opts.countdown, '--countdown') }
      : {}),
    ...(opts.eta !== undefined ? { eta: parseTime(opts.eta, '--eta') } : {}),
    ...(opts.expires !== undefined ? { expires: parseExpiry(opts.expires) } : {}),
    ...(opts.id ? { id: opts.id } : {}),
  };
}

function parseTime(value: string, option: string): Date {
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new UsageError(`${option} '${value}' is not an ISO time (e.g. 2026-11-23T10:00:00Z)`);
  return new Date(ms);
}

/** `--expires 3600` (seconds from now) or an ISO time. */
function parseExpiry(value: string): Date {
  return /^\d+$/.test(value)
    ? new Date(Date.now() + Number(value) * 1000)
    : parseTime(value, '--expires');
}

/** `--since 3600` (seconds ago) or an ISO time. */
function parseSince(value: string): Date {
  return /^\d+$/.test(value)
    ? new Date(Date.now() - Number(value) * 1000)
    : parseTime(value, '--since');
}

/** The human form of a task's status. */
export function describeStatus(status: TaskStatus): string {
  const lines = [
    `${status.id}  ${status.state}${status.task ? `  ${status.task}` : ''}${status.attempt ? `  attempt ${status.attempt}` : ''}`,
  ];
  if (status.workflowId)
    lines.push(`workflow: ${status.workflowId} (lovage workflow show ${status.workflowId})`);
  if (status.args !== undefined) lines.push(`args (redacted): ${JSON.stringify(status.args)}`);
  if (status.parentId) lines.push(`parent: ${status.parentId}`);
  if (status.rootId && status.rootId !== status.parentId) lines.push(`root: ${status.rootId}`);
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
          h.error ? `${h.error.type}: ${h.error.message}` : (h.note ?? ''),
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
