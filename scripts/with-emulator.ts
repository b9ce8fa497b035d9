/**
 * `tsx scripts/with-emulator.ts <command...>`: brings up the emulator (local:up), deploys the
 * stack to it (local:deploy), runs the command against it, and stops the emulator again if
 * this run started it, unless LOVAGE_KEEP_EMULATOR is set. Exits with the command's code.
 * Ctrl-C (or SIGTERM) stops the command and still tears down.
 *
 * @example
 * tsx scripts/with-emulator.ts vitest run --project integration
 */
import { constants } from 'node:os';
import { type StartResult, startEmulator, stopEmulator } from './lib/emulator.js';
import { localEnv } from './lib/endpoint.js';
import { isEntryPoint } from './lib/main.js';
import { run, signalChildren } from './lib/proc.js';
import { logger } from './lib/project.js';
import { localDeploy } from './local-deploy.js';
import { node22Env } from './node22.mjs';

const log = logger('with-emulator');

/** Runs `command` with `args` against a deployed emulator; resolves with the exit code. */
export async function withEmulator(command: string, args: readonly string[]): Promise<number> {
  let interrupted: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!interrupted) log(`${signal}: stopping, then tearing down`);
    interrupted = signal;
    signalChildren(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let up: StartResult | undefined;
  let code = 1;
  try {
    up = await startEmulator();
    if (!interrupted) await localDeploy();
    if (!interrupted) {
      // Node 22 and node_modules/.bin first on PATH, however this script was started.
      const env = node22Env(localEnv());
      log(`running: ${[command, ...args].join(' ')}`);
      code = await run(command, args, { env });
    }
  } catch (error) {
    console.error(
      `with-emulator: error: ${error instanceof Error ? error.message : String(error)}`,
    );
    code = 1;
  } finally {
    if (up?.started && !keepEmulator()) {
      await stopEmulator();
    } else if (up?.started) {
      log(
        'LOVAGE_KEEP_EMULATOR is set: leaving the emulator running (npm run local:down stops it)',
      );
    }
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return interrupted ? 128 + constants.signals[interrupted] : code;
}

function keepEmulator(): boolean {
  const value = process.env.LOVAGE_KEEP_EMULATOR?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== '0' && value !== 'false';
}

if (isEntryPoint(import.meta.url)) {
  const [command, ...args] = process.argv.slice(2);
  if (!command) {
    console.error('usage: tsx scripts/with-emulator.ts <command> [args...]');
    process.exit(2);
  }
  withEmulator(command, args).then((code) => process.exit(code));
}
