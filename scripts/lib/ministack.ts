/**
 * MiniStack (PyPI `ministack`, MIT) in a project-local virtualenv, for machines without Docker.
 * The server runs in its own process group so that stopping it also stops the Lambda workers
 * it spawned, and so that Ctrl-C in the terminal that started it does not reach it.
 */

import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { LovageError } from '../../src/errors.js';
import { processExists } from '../../src/local/checkout.js';
import { ensureNode22, node22Env } from '../node22.mjs';
import { capture } from './proc.js';
import { elapsed, LOVAGE_DIR, PROJECT_ROOT } from './project.js';

/** The MiniStack release the scripts install; bump it here and nowhere else. */
export const MINISTACK_VERSION = '1.5.33';

export const MINISTACK_VENV = join(LOVAGE_DIR, 'ministack-venv');
export const MINISTACK_LOG = join(LOVAGE_DIR, 'ministack.log');

/** MiniStack 1.5.x declares `Requires-Python >=3.10`. */
const MIN_PYTHON: readonly [number, number] = [3, 10];

/** A MiniStack server started by {@link startMiniStack}. */
export interface MiniStackProcess {
  /** Its pid, which is also its process group id. */
  readonly pid: number;
  readonly version: string;
  readonly log: string;
  readonly venv: string;
  /** The server's private TMPDIR, where it unpacks function code; removed when it stops. */
  readonly tmpDir: string;
}

/** Thrown when MiniStack cannot be installed or started. */
export class MiniStackError extends LovageError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MiniStackError';
  }
}

const venvPython = join(
  MINISTACK_VENV,
  process.platform === 'win32' ? join('Scripts', 'python.exe') : join('bin', 'python'),
);

/**
 * Installs MiniStack {@link MINISTACK_VERSION} into `.lovage/ministack-venv` unless that exact
 * version is already there, and resolves with the virtualenv's python.
 * The base interpreter is `LOVAGE_PYTHON`, default `python3`.
 */
export async function ensureMiniStack(log: (message: string) => void): Promise<string> {
  const installed = await installedVersion();
  if (installed === MINISTACK_VERSION) return venvPython;

  const venv = relative(PROJECT_ROOT, MINISTACK_VENV);
  if (installed === null) {
    // No usable interpreter in the virtualenv (missing, or its base python was removed).
    rmSync(MINISTACK_VENV, { recursive: true, force: true });
    await createVenv(log);
  }
  log(`installing MiniStack ${MINISTACK_VERSION} from PyPI into ${venv}`);
  const started = Date.now();
  const pip = await capture(venvPython, [
    '-m',
    'pip',
    'install',
    '--disable-pip-version-check',
    '--quiet',
    `ministack==${MINISTACK_VERSION}`,
  ]);
  if (pip.code !== 0) {
    throw new MiniStackError(
      `pip could not install ministack==${MINISTACK_VERSION} (exit ${pip.code}):\n${lastLines(pip.stderr || pip.stdout)}`,
    );
  }
  log(`installed MiniStack ${MINISTACK_VERSION} (${elapsed(started)})`);
  return venvPython;
}

/**
 * Starts MiniStack from the virtualenv's `python` (see {@link ensureMiniStack}) in the
 * background for `endpoint`, which must be http on this machine, with its output in
 * `.lovage/ministack.log` and persistence off, so every start is a clean slate.
 * Resolves once the process is spawned; wait for health separately. `hasExited` reports
 * whether the server has already died.
 */
export async function startMiniStack(
  python: string,
  endpoint: string,
  env: NodeJS.ProcessEnv,
  log: (message: string) => void,
): Promise<{ ministack: MiniStackProcess; hasExited: () => boolean }> {
  const url = new URL(endpoint);
  if (url.protocol !== 'http:') {
    throw new MiniStackError(`local:up starts MiniStack over http only, not ${endpoint}`);
  }
  const host = url.hostname;
  if (host.startsWith('[')) {
    throw new MiniStackError(
      `local:up binds MiniStack to IPv4; use http://127.0.0.1:<port>, not ${endpoint}`,
    );
  }
  const port = url.port || '80';

  const stateDir = join(LOVAGE_DIR, 'ministack-state');
  // MiniStack unpacks each function's code under $TMPDIR and runs it there. Inside the project,
  // Node would take package.json's "type": "module" for the bundles and refuse to load them, so
  // the server gets a private directory in the system's temp dir. Private, because MiniStack
  // also writes its pid file there, where a `ministack --stop` meant for another instance on
  // the same port would find it and stop ours.
  const tmpDir = join(tmpdir(), `lovage-ministack-${port}`);
  rmSync(tmpDir, { recursive: true, force: true });
  mkdirSync(tmpDir, { recursive: true });
  // MiniStack runs Node.js functions with the `node` it finds on PATH: make that Node 22, the
  // functions' runtime on Lambda, even when this script runs on an older node.
  const node = ensureNode22();
  const serverEnv: NodeJS.ProcessEnv = {
    ...node22Env(env, node.node),
    GATEWAY_PORT: port,
    // Loopback only: the emulator accepts any credentials, so it must not face the network.
    BIND_HOST: /^127(\.\d{1,3}){3}$/.test(host) ? host : '127.0.0.1',
    PERSIST_STATE: '0',
    S3_PERSIST: '0',
    // Only read when persistence is turned on; kept inside the project all the same.
    STATE_DIR: stateDir,
    S3_DATA_DIR: join(stateDir, 's3'),
    TMPDIR: tmpDir,
    PYTHONUNBUFFERED: '1',
  };
  for (const key of ['EDGE_PORT', 'LOCALSTACK_PERSISTENCE', 'USE_SSL']) delete serverEnv[key];

  log(
    `starting MiniStack ${MINISTACK_VERSION} on ${host}:${port} (functions on Node ${node.version})`,
  );
  mkdirSync(LOVAGE_DIR, { recursive: true });
  const out = openSync(MINISTACK_LOG, 'w');
  // `python -m ministack` serves in the foreground, so the pid we get is the server itself.
  const child = spawn(python, ['-m', 'ministack'], {
    cwd: LOVAGE_DIR,
    env: serverEnv,
    detached: true,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  const pid = await new Promise<number>((resolvePid, reject) => {
    child.once('spawn', () => resolvePid(child.pid ?? -1));
    child.once('error', (error) =>
      reject(new MiniStackError(`could not start ${python}: ${error.message}`, { cause: error })),
    );
  });
  child.unref();
  return {
    ministack: {
      pid,
      version: MINISTACK_VERSION,
      log: MINISTACK_LOG,
      venv: MINISTACK_VENV,
      tmpDir,
    },
    hasExited: () => exited,
  };
}

/** Whether `pid` is still a running MiniStack server (guards against a reused pid). */
export async function isMiniStackProcess(pid: number): Promise<boolean> {
  if (!processExists(pid)) return false;
  const ps = await capture('ps', ['-o', 'command=', '-p', String(pid)]);
  if (ps.code === 127) return true; // no ps here: trust the pid
  return ps.stdout.includes('ministack');
}

/**
 * Stops a MiniStack server and everything in its process group: SIGTERM, then SIGKILL after
 * 10 s; then removes its TMPDIR. Leaves the process alone when its pid is no longer MiniStack.
 */
export async function stopMiniStack(ministack: Pick<MiniStackProcess, 'pid' | 'tmpDir'>) {
  const { pid } = ministack;
  if (await isMiniStackProcess(pid)) {
    signalGroup(pid, 'SIGTERM');
    const deadline = Date.now() + 10_000;
    while (groupExists(pid) && Date.now() < deadline) await sleep(100);
    if (groupExists(pid)) signalGroup(pid, 'SIGKILL');
  }
  rmSync(ministack.tmpDir, { recursive: true, force: true });
}

/** The installed MiniStack version; `undefined` if not installed, `null` if no usable python. */
async function installedVersion(): Promise<string | undefined | null> {
  if (!existsSync(venvPython)) return null;
  const probe = await capture(venvPython, [
    '-c',
    'import importlib.metadata as m\ntry:\n print(m.version("ministack"))\nexcept m.PackageNotFoundError:\n print("")',
  ]);
  if (probe.code !== 0) return null;
  return probe.stdout.trim() || undefined;
}

async function createVenv(log: (message: string) => void): Promise<void> {
  const base = process.env.LOVAGE_PYTHON?.trim() || 'python3';
  const version = await capture(base, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']);
  if (version.code !== 0) {
    throw new MiniStackError(
      `MiniStack needs Python ${MIN_PYTHON.join('.')}+, but \`${base}\` could not be run. ` +
        'Install Python 3, or set LOVAGE_PYTHON to its path.',
    );
  }
  const [major = 0, minor = 0] = version.stdout.trim().split('.').map(Number);
  if (major < MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1])) {
    throw new MiniStackError(
      `MiniStack needs Python ${MIN_PYTHON.join('.')}+, but ${base} is ${version.stdout.trim()}. ` +
        'Set LOVAGE_PYTHON to a newer interpreter.',
    );
  }
  log(`creating ${relative(PROJECT_ROOT, MINISTACK_VENV)} with ${base} ${version.stdout.trim()}`);
  const venv = await capture(base, ['-m', 'venv', MINISTACK_VENV]);
  if (venv.code !== 0) {
    throw new MiniStackError(
      `\`${base} -m venv\` failed (exit ${venv.code}); on Debian/Ubuntu install python3-venv.\n` +
        lastLines(venv.stderr || venv.stdout),
    );
  }
}

function groupExists(pgid: number): boolean {
  return processExists(-pgid);
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

function lastLines(text: string, count = 20): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolvePromise) => setTimeout(resolvePromise, ms));
}
