/**
 * The emulator of a checkout: `npm run local:up` (and the demo, and `with-emulator` when it
 * starts one) records what it started in `.lovage/emulator.json`; `npm run local:down` stops it
 * and removes the file. Developer tools find that file by walking up from the working
 * directory, the way git finds `.git`, and use the emulator only when it still answers.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  type AwsTarget,
  type CheckoutEmulator,
  consultsCheckout,
  type LocalEmulatorMarker,
  resolveAwsTarget,
} from './target.js';

/** Where `npm run local:up` records the emulator it started, relative to the checkout root. */
export const EMULATOR_MARKER_PATH = join('.lovage', 'emulator.json');

/** What the health endpoint of LocalStack and MiniStack reports (only the fields we print). */
export interface EmulatorHealth {
  readonly version?: string;
  readonly edition?: string;
}

/**
 * Asks `<endpoint>/_localstack/health` (served by LocalStack and MiniStack) whether an emulator
 * is up; resolves with its report, or `undefined` when nothing healthy answers.
 */
export async function probeHealth(
  endpoint: string,
  timeoutMs = 1_500,
): Promise<EmulatorHealth | undefined> {
  try {
    const response = await fetch(`${endpoint.replace(/\/+$/, '')}/_localstack/health`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) return undefined;
    const body = (await response.json()) as Record<string, unknown>;
    return {
      version: typeof body.version === 'string' ? body.version : undefined,
      edition: typeof body.edition === 'string' ? body.edition : undefined,
    };
  } catch {
    return undefined;
  }
}

export interface CheckoutLookupOptions {
  /** Where to start looking for `.lovage/emulator.json`. @defaultValue `process.cwd()` */
  readonly cwd?: string;
  /** Whether an emulator answers at an endpoint. @defaultValue a health check, see {@link probeHealth} */
  readonly answers?: (endpoint: string) => Promise<boolean>;
}

/**
 * The emulator recorded in the nearest `.lovage/emulator.json` at or above `cwd`, and whether it
 * answers (its process, when recorded, is alive and its health endpoint replies). Undefined when
 * there is no marker.
 *
 * @example
 * const emulator = await findCheckoutEmulator();
 * if (emulator?.answers) console.log(`emulator at ${emulator.marker.endpoint}`);
 */
export async function findCheckoutEmulator(
  options: CheckoutLookupOptions = {},
): Promise<CheckoutEmulator | undefined> {
  const found = readMarker(resolve(options.cwd ?? process.cwd()));
  if (!found) return undefined;
  const { marker, file } = found;
  const answers =
    options.answers ?? (async (endpoint) => (await probeHealth(endpoint)) !== undefined);
  const alive = marker.pid === undefined || processExists(marker.pid);
  return { marker, file, answers: alive && (await answers(marker.endpoint)) };
}

export interface DetectOptions extends CheckoutLookupOptions {
  /** @defaultValue `process.env` */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** A region given on the command line (`--region`). */
  readonly region?: string;
  /** A profile given on the command line (`--profile`). */
  readonly profile?: string;
}

/**
 * {@link resolveAwsTarget} for this process: reads the environment and the checkout's marker.
 *
 * @example
 * const target = await detectAwsTarget({ region: flags.region });
 * const sqs = new SQSClient({ ...awsClientConfig(target), useQueueUrlAsEndpoint: false });
 */
export async function detectAwsTarget(options: DetectOptions = {}): Promise<AwsTarget> {
  const inputs = {
    env: options.env ?? process.env,
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
  };
  // The marker is read either way (messages mention an emulator a setting passed over), but
  // probed only when no setting of the user's decides the target already.
  const checkout = await findCheckoutEmulator(
    consultsCheckout(inputs) ? options : { ...options, answers: async () => false },
  );
  return resolveAwsTarget(checkout ? { ...inputs, checkout } : inputs);
}

function readMarker(start: string): { marker: LocalEmulatorMarker; file: string } | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    const file = join(dir, EMULATOR_MARKER_PATH);
    let text: string | undefined;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      text = undefined;
    }
    if (text !== undefined) return { marker: parseMarker(text), file };
    if (dirname(dir) === dir) return undefined;
  }
}

function parseMarker(text: string): LocalEmulatorMarker {
  let value: Partial<Record<keyof LocalEmulatorMarker, unknown>>;
  try {
    value = JSON.parse(text) as typeof value;
  } catch {
    value = {};
  }
  // An unreadable marker names no endpoint, which resolves to a refusal that names the file.
  return {
    endpoint: typeof value.endpoint === 'string' ? value.endpoint : '',
    startedAt: typeof value.startedAt === 'string' ? value.startedAt : '',
    ...(typeof value.pid === 'number' ? { pid: value.pid } : {}),
  };
}

/** Whether a process (or, with a negative pid, a process group) exists, ours or not. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is just not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
