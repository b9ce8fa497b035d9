/**
 * Starting and stopping the emulator. Whatever `startEmulator` starts is written to
 * `.lovage/emulator.json`, and `stopEmulator` stops only that: an emulator someone else
 * started is used as it is and left running.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LovageError } from '../../src/errors.js';
import {
  EMULATOR_MARKER_PATH,
  type EmulatorHealth,
  type LocalEmulatorMarker,
  probeHealth,
} from '../../src/local/index.js';
import { assertLocalEndpoint, isThisMachine, localEnv, resolveEndpoint } from './endpoint.js';
import {
  ensureMiniStack,
  isMiniStackProcess,
  MINISTACK_LOG,
  type MiniStackProcess,
  startMiniStack,
  stopMiniStack,
} from './ministack.js';
import { capture } from './proc.js';
import { elapsed, logger, PROJECT_ROOT, readJson, removeFile, writeJson } from './project.js';

export { type EmulatorHealth, probeHealth };

/**
 * Where `startEmulator` records what it started. The lovage CLI and `LovageClient.fromCheckout`
 * read it to find this checkout's emulator (src/local/checkout.ts).
 */
export const EMULATOR_RECORD = join(PROJECT_ROOT, EMULATOR_MARKER_PATH);

/** The compose file for people with Docker. */
export const COMPOSE_FILE = join(PROJECT_ROOT, 'localstack-compose.yml');

/** Values of `LOVAGE_EMULATOR`: what to start when nothing answers at the endpoint. */
export const EMULATOR_KINDS = ['ministack', 'localstack', 'ministack-docker'] as const;
export type EmulatorChoice = (typeof EMULATOR_KINDS)[number];

/** What `startEmulator` started, as stored in {@link EMULATOR_RECORD}. */
export type EmulatorRecord =
  | ({ readonly kind: 'ministack' } & LocalEmulatorMarker & MiniStackProcess)
  | ({
      readonly kind: 'compose';
      readonly composeFile: string;
      readonly service: 'localstack' | 'ministack';
      readonly profile?: string;
    } & LocalEmulatorMarker);

export interface StartResult {
  readonly endpoint: string;
  /** True when this call started the emulator (and a caller may stop it again). */
  readonly started: boolean;
  /** What is running, e.g. `MiniStack 1.5.33`. */
  readonly description: string;
}

/** Thrown when the emulator cannot be started or does not become healthy. */
export class EmulatorError extends LovageError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EmulatorError';
  }
}

const log = logger('local-up');

/** How long a starting emulator may take to answer its health check. */
const HEALTH_TIMEOUT_MS = 90_000;

/**
 * Polls the health endpoint until it answers. `stillStarting` is asked between polls so that an
 * emulator that died is reported at once instead of after the whole timeout.
 */
export async function waitForHealth(
  endpoint: string,
  stillStarting: () => boolean,
  timeoutMs = HEALTH_TIMEOUT_MS,
): Promise<EmulatorHealth> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const health = await probeHealth(endpoint);
    if (health) return health;
    if (!stillStarting()) throw new EmulatorError('the emulator exited before it became healthy');
    await sleep(250);
  }
  throw new EmulatorError(
    `the emulator did not answer ${endpoint}/_localstack/health within ${timeoutMs / 1000} s`,
  );
}

/**
 * Makes sure an emulator answers at the endpoint (`AWS_ENDPOINT_URL`, default
 * http://127.0.0.1:4566). An emulator that already answers is used and nothing is started.
 * Otherwise `LOVAGE_EMULATOR=localstack` (or `ministack-docker`) starts that compose service
 * when Docker is running, and in every other case MiniStack is installed into
 * `.lovage/ministack-venv` and started in the background. Safe to call repeatedly.
 *
 * @example
 * const { started } = await startEmulator();
 * // ... use it ...
 * if (started) await stopEmulator();
 */
export async function startEmulator(env: NodeJS.ProcessEnv = process.env): Promise<StartResult> {
  const endpoint = resolveEndpoint(env);
  assertLocalEndpoint(endpoint, 'local:up');
  const record = readRecord();
  const recordLive = record !== undefined && (await recordIsLive(record));
  const health = await probeHealth(endpoint);

  if (health) {
    if (record && recordLive && record.endpoint === endpoint) {
      const description = describeRecord(record);
      log(`${description} is already running at ${endpoint} (started earlier by local:up)`);
      return { endpoint, started: false, description };
    }
    if (record && !recordLive) removeFile(EMULATOR_RECORD);
    const description = describeHealth(health);
    log(`using the ${description} that already answers at ${endpoint}; starting nothing`);
    return { endpoint, started: false, description };
  }

  if (record && recordLive && record.endpoint !== endpoint) {
    throw new EmulatorError(
      `local:up already started ${describeRecord(record)} for ${record.endpoint}; ` +
        'stop it with npm run local:down before starting one for another endpoint',
    );
  }
  if (record) {
    log('the emulator recorded in .lovage/emulator.json no longer answers; cleaning it up');
    await stopRecorded(record);
  }
  if (!isThisMachine(endpoint)) {
    throw new EmulatorError(
      `nothing answers at ${endpoint}, and that host is not this machine, so it cannot be started ` +
        'here. Start the emulator there, or unset AWS_ENDPOINT_URL to run MiniStack locally.',
    );
  }

  const choice = emulatorChoice(env);
  if (choice !== 'ministack') {
    if (await dockerIsRunning()) return startCompose(endpoint, choice, env);
    log(
      `LOVAGE_EMULATOR=${choice} needs a running Docker engine; none found, using MiniStack instead`,
    );
  }
  return startLocalMiniStack(endpoint, env);
}

/**
 * Stops what {@link startEmulator} started (per `.lovage/emulator.json`) and removes the record.
 * Resolves with false when there was nothing to stop.
 */
export async function stopEmulator(): Promise<boolean> {
  const down = logger('local-down');
  const record = readRecord();
  if (!record) {
    down('nothing to stop: no emulator was started by local:up');
    return false;
  }
  const started = Date.now();
  await stopRecorded(record);
  down(`stopped ${describeRecord(record)} (${elapsed(started)})`);
  return true;
}

/** The emulator recorded by local:up, if any. */
export function readRecord(): EmulatorRecord | undefined {
  return readJson<EmulatorRecord>(EMULATOR_RECORD);
}

function emulatorChoice(env: NodeJS.ProcessEnv): EmulatorChoice {
  const value = env.LOVAGE_EMULATOR?.trim() || 'ministack';
  if ((EMULATOR_KINDS as readonly string[]).includes(value)) return value as EmulatorChoice;
  throw new EmulatorError(`LOVAGE_EMULATOR (${value}) must be one of ${EMULATOR_KINDS.join(', ')}`);
}

async function startLocalMiniStack(endpoint: string, env: NodeJS.ProcessEnv): Promise<StartResult> {
  const python = await ensureMiniStack(log);
  const started = Date.now();
  const { ministack, hasExited } = await startMiniStack(python, endpoint, localEnv(env), log);
  try {
    await waitForHealth(endpoint, () => !hasExited());
  } catch (error) {
    await stopMiniStack(ministack);
    throw new EmulatorError(
      `MiniStack did not start: ${(error as Error).message}\n` +
        `--- last lines of ${MINISTACK_LOG} ---\n${tail(ministack.log)}`,
      { cause: error },
    );
  }
  const record: EmulatorRecord = {
    kind: 'ministack',
    endpoint,
    startedAt: new Date().toISOString(),
    ...ministack,
  };
  writeJson(EMULATOR_RECORD, record);
  log(
    `MiniStack ${ministack.version} ready at ${endpoint} (pid ${ministack.pid}, ${elapsed(started)}); log: .lovage/ministack.log`,
  );
  return { endpoint, started: true, description: describeRecord(record) };
}

async function startCompose(
  endpoint: string,
  choice: Exclude<EmulatorChoice, 'ministack'>,
  env: NodeJS.ProcessEnv,
): Promise<StartResult> {
  const service = choice === 'localstack' ? 'localstack' : 'ministack';
  const profile = service === 'ministack' ? 'ministack' : undefined;
  const port = new URL(endpoint).port || '4566';
  log(
    `starting the ${service} compose service (docker compose -f localstack-compose.yml) on port ${port}`,
  );
  const started = Date.now();
  const result = await capture('docker', [...composeArgs(profile), 'up', '-d', service], {
    env: { ...env, LOVAGE_EMULATOR_PORT: port },
  });
  if (result.code !== 0) {
    throw new EmulatorError(
      `docker compose up failed (exit ${result.code}):\n${result.stderr.trim()}`,
    );
  }
  const record: EmulatorRecord = {
    kind: 'compose',
    endpoint,
    startedAt: new Date().toISOString(),
    composeFile: COMPOSE_FILE,
    service,
    ...(profile ? { profile } : {}),
  };
  // Recorded before waiting so that local:down can remove a container that never got healthy.
  writeJson(EMULATOR_RECORD, record);
  const health = await waitForHealth(endpoint, () => true, 180_000).catch((error: Error) => {
    throw new EmulatorError(
      `the ${service} container did not become healthy: ${error.message}; see ` +
        `docker compose -f localstack-compose.yml logs ${service}, and npm run local:down removes it`,
      { cause: error },
    );
  });
  log(`${describeHealth(health)} ready at ${endpoint} (${elapsed(started)})`);
  return { endpoint, started: true, description: describeRecord(record) };
}

async function stopRecorded(record: EmulatorRecord): Promise<void> {
  if (record.kind === 'ministack') {
    await stopMiniStack(record);
  } else {
    const result = await capture('docker', [
      ...composeArgs(record.profile, record.composeFile),
      'rm',
      '--stop',
      '--force',
      record.service,
    ]);
    if (result.code !== 0) {
      throw new EmulatorError(
        `docker compose could not remove the ${record.service} service (exit ${result.code}):\n${result.stderr.trim()}`,
      );
    }
  }
  removeFile(EMULATOR_RECORD);
}

async function recordIsLive(record: EmulatorRecord): Promise<boolean> {
  if (record.kind === 'ministack') return isMiniStackProcess(record.pid);
  const ps = await capture('docker', [
    ...composeArgs(record.profile, record.composeFile),
    'ps',
    '--status',
    'running',
    '--quiet',
    record.service,
  ]);
  return ps.code === 0 && ps.stdout.trim() !== '';
}

function composeArgs(profile: string | undefined, file = COMPOSE_FILE): string[] {
  return ['compose', '-f', file, ...(profile ? ['--profile', profile] : [])];
}

async function dockerIsRunning(): Promise<boolean> {
  const result = await capture('docker', ['info', '--format', '{{.ServerVersion}}']);
  return result.code === 0 && result.stdout.trim() !== '';
}

function describeRecord(record: EmulatorRecord): string {
  if (record.kind === 'ministack') return `MiniStack ${record.version} (pid ${record.pid})`;
  return `the ${record.service} compose service`;
}

function describeHealth(health: EmulatorHealth): string {
  const localstack = ['community', 'pro', 'enterprise'].includes(health.edition ?? '');
  const name = localstack ? 'LocalStack' : health.edition ? 'MiniStack' : 'emulator';
  return health.version ? `${name} ${health.version}` : name;
}

function tail(path: string, lines = 30): string {
  const text = readTextIfExists(path);
  return text === undefined ? '(no log)' : text.trimEnd().split('\n').slice(-lines).join('\n');
}

function readTextIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolvePromise) => setTimeout(resolvePromise, ms));
}
