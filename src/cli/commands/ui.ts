import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import {
  type AwsTarget,
  describeTarget,
  detectAwsTarget,
  isLocalTarget,
  targetNotice,
} from '../../local/index.js';
import { ScheduleNotFoundError } from '../../ops/index.js';
import { ERROR_RATE_PERCENT } from '../../protocol/tier-targets.js';
import { isLoopback, startUi, type UiContext, type UiProblem } from '../../ui/index.js';
import { classify, createContext, EXIT, type GlobalOptions, UsageError } from '../context.js';
import { optionalStats } from './monitoring.js';

interface UiFlags {
  readonly port: string;
  readonly host: string;
  readonly open?: boolean;
}

/**
 * `lovage ui`: the web UI on this machine, acting with the caller's AWS credentials and
 * endpoint exactly as every other command resolves them. Nothing is deployed for it.
 */
export function registerUiCommand(program: Command): void {
  program
    .command('ui')
    .description('a web UI on this machine: overview, tasks, queues, dead letters, schedules')
    .option('--port <port>', 'port to listen on (0: any free one)', '5555')
    .option(
      '--host <address>',
      'address to listen on; anything but loopback exposes your AWS access to the network',
      '127.0.0.1',
    )
    .option('--open', 'open it in the default browser')
    .action(async (flags: UiFlags) => {
      const globals = program.opts<GlobalOptions>();
      try {
        const port = Number(flags.port);
        if (!Number.isInteger(port) || port < 0 || port > 65_535) {
          throw new UsageError(`--port '${flags.port}' must be a whole number from 0 to 65535`);
        }
        process.exitCode = await serveUi(globals, flags.host, port, flags.open ?? false);
      } catch (error) {
        const { code, message } = classify(error);
        console.error(`lovage: ${message}`);
        process.exitCode = code;
      }
    });
}

async function serveUi(
  globals: GlobalOptions,
  host: string,
  port: number,
  open: boolean,
): Promise<number> {
  const detect = () =>
    detectAwsTarget({
      ...(globals.region ? { region: globals.region } : {}),
      ...(globals.profile ? { profile: globals.profile } : {}),
    });
  let target: AwsTarget = await detect();
  const notice = targetNotice(target);
  if (notice) console.error(`lovage: ${notice}`);
  if (target.kind === 'refused')
    console.error(`lovage: ${describeTarget(target)}; the UI says so until it is fixed`);
  if (!isLoopback(host)) {
    console.error(
      `lovage ui: WARNING: listening on ${host}, not loopback: anyone who can reach it and learns the address acts on your AWS account as you. Traffic is plain HTTP.`,
    );
  }
  const ui = await startUi({
    host,
    port,
    // Looked up again on every connect, so an emulator started or credentials set later count.
    connect: async () => {
      target = await detect();
      return contextOf(await createContext(globals, target));
    },
    describe: (error) => problemOf(error, target),
    target: () => ({
      description: describeTarget(target),
      local: isLocalTarget(target),
      stack: globals.stack ?? process.env.LOVAGE_STACK_NAME ?? 'Lovage',
    }),
    log: (line) => console.error(`lovage ui: ${line}`),
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE') {
      throw new UsageError(
        `port ${port} on ${host} is in use: pass another with --port (0 picks a free one)`,
      );
    }
    throw error;
  });
  console.log(`Lovage UI: ${ui.url}`);
  console.error('lovage ui: open the address above (its token is this run’s key); Ctrl-C stops it');
  if (open) openBrowser(ui.url);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void ui.close().then(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return EXIT.ok;
}

function contextOf(ctx: Awaited<ReturnType<typeof createContext>>): UiContext {
  const stage = ctx.lovage.config.stage === 'prod' ? 'prod' : 'dev';
  return {
    lovage: ctx.lovage,
    sqs: ctx.sqs,
    db: ctx.db,
    cloudwatch: ctx.aws.cloudwatch,
    scheduler: ctx.aws.scheduler,
    stats: optionalStats(ctx),
    errorRatePercent: ERROR_RATE_PERCENT[stage],
  };
}

/** The CLI's own classification of an error, as the page shows it. */
function problemOf(error: unknown, target: AwsTarget): UiProblem {
  const { code, message } = classify(error);
  const name = error instanceof Error ? error.name : '';
  if (code === EXIT.environment) {
    const where = target.kind === 'refused' ? '' : ` [${describeTarget(target)}]`;
    return { status: 503, error: 'Environment', message: `${message}${where}` };
  }
  if (code === EXIT.usage) return { status: 400, error: 'BadRequest', message };
  if (error instanceof ScheduleNotFoundError) return { status: 404, error: 'NotFound', message };
  if (/AccessDenied|Unauthorized|AuthorizationError|Forbidden/.test(name)) {
    return { status: 403, error: 'AccessDenied', message: `${name}: ${message}` };
  }
  return { status: 500, error: name || 'Failed', message };
}

function openBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  const child = spawn(command, args, { stdio: 'ignore', detached: true });
  child.on('error', () =>
    console.error(`lovage ui: could not start ${command}; open the address above yourself`),
  );
  child.unref();
}
