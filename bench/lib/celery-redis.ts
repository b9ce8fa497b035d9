/**
 * Celery + Redis on this machine, for the benches' comparison side: Celery 5.7 with redis-py
 * in a project virtualenv (scripts/lib/celery-client.ts), a `redis-server` found on PATH or
 * installed from Debian's packages, started on a free loopback port with no persistence, and
 * a prefork worker of bench/lib/celery_redis_bench.py. Everything started here is stopped
 * when the callback ends, on error, and on Ctrl-C or SIGTERM.
 *
 * @example
 * const figures = await withCeleryRedis({ queues: ['default'] }, (celery) => celery.run('burst', 1000));
 * if (figures.skipped) console.log(`Celery + Redis skipped: ${figures.skipped}`);
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { aptInstall, executable } from '../../scripts/lib/apt.js';
import { type CeleryClient, ensureCeleryClient } from '../../scripts/lib/celery-client.js';
import { capture } from '../../scripts/lib/proc.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const APP = 'celery_redis_bench';

/** A running Celery + Redis: what the bench's experiments are run through. */
export interface CeleryRedis {
  readonly celery: string;
  readonly redis: string;
  /** Runs one experiment of celery_redis_bench.py and resolves with its JSON line. */
  run<T>(mode: string, ...args: number[]): Promise<T>;
}

export interface CeleryRedisOptions {
  /** The queues the worker consumes (`-Q`). */
  readonly queues: readonly string[];
  /** @default 2 (prefork processes) */
  readonly concurrency?: number;
  readonly log?: (message: string) => void;
}

/**
 * Starts Redis and a Celery worker, runs `use`, and stops both whatever happens. Resolves with
 * `use`'s value, or with `skipped` saying why when Python, Celery or Redis is not to be had.
 */
export async function withCeleryRedis<T>(
  options: CeleryRedisOptions,
  use: (celery: CeleryRedis) => Promise<T>,
): Promise<{ value: T; skipped?: undefined } | { value?: undefined; skipped: string }> {
  const log = options.log ?? (() => {});
  let client: CeleryClient;
  try {
    client = await ensureCeleryClient('5.7-redis', log);
  } catch (error) {
    return { skipped: `no Celery venv: ${(error as Error).message}` };
  }
  const server = await ensureRedisServer(log);
  if (!server.path) return { skipped: `no redis-server: ${server.skipped}` };

  const started: ChildProcess[] = [];
  const stopAll = async () => {
    // The worker first (it would reconnect to a Redis that went away), then Redis.
    for (const child of [...started].reverse()) await stop(child);
  };
  // `on`, not `once`: a Ctrl-C can arrive twice (the terminal's, and tsx relaying it), and a
  // signal with no listener left would end the process before everything is stopped.
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    void stopAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}/0`;
    const redis = spawnGroup(server.path, [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'yes',
    ]);
    started.push(redis);
    await waitForLine(redis, /Ready to accept connections/, 'redis-server', 15_000);
    const version = await capture(server.path, ['--version']);
    const env = { ...process.env, LOVAGE_BENCH_REDIS_URL: url, PYTHONUNBUFFERED: '1' };
    const worker = spawnGroup(
      client.python,
      [
        '-m',
        'celery',
        '-A',
        APP,
        'worker',
        '--pool',
        'prefork',
        '--concurrency',
        String(options.concurrency ?? 2),
        '-Q',
        options.queues.join(','),
        '--loglevel',
        'INFO',
        // No other workers to sync with or gossip to: skip the second mingle takes at start.
        '--without-mingle',
        '--without-gossip',
      ],
      { cwd: HERE, env },
    );
    started.push(worker);
    await waitForLine(worker, /celery@\S+ ready\./, 'the Celery worker', 60_000);
    log(`Celery ${client.celery} worker (prefork x${options.concurrency ?? 2}) on ${url}`);
    const celery: CeleryRedis = {
      celery: client.celery,
      redis: /v=(\S+)/.exec(version.stdout)?.[1] ?? 'unknown',
      async run<R>(mode: string, ...args: number[]): Promise<R> {
        const out = await capture(
          client.python,
          [join(HERE, `${APP}.py`), mode, ...args.map(String)],
          { cwd: HERE, env },
        );
        const line = out.stdout.trim().split('\n').at(-1) ?? '';
        if (out.code !== 0 || !line.startsWith('{')) {
          throw new Error(`celery ${mode} failed (exit ${out.code}): ${out.stderr.slice(-2000)}`);
        }
        return JSON.parse(line) as R;
      },
    };
    return { value: await use(celery) };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stopAll();
  }
}

/** `redis-server` on PATH or in /usr/bin; otherwise installed with apt-get when this is root. */
export async function ensureRedisServer(
  log: (message: string) => void,
): Promise<{ path: string; skipped?: undefined } | { path?: undefined; skipped: string }> {
  const found = async () => {
    const which = await capture('sh', ['-c', 'command -v redis-server']);
    const path = which.stdout.trim() || '/usr/bin/redis-server';
    return executable(path) ? path : undefined;
  };
  const before = await found();
  if (before) return { path: before };
  const failed = await aptInstall('redis-server', log);
  const after = await found();
  return after ? { path: after } : { skipped: failed ?? 'apt-get installed no redis-server' };
}

/** A port nothing listens on at the moment (the kernel's pick). */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (!address || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** Starts `command` in its own process group, so stopping it also stops its children. */
function spawnGroup(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): ChildProcess {
  return spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Resolves once `child` prints a line matching `pattern`; rejects if it exits or takes too long. */
function waitForLine(
  child: ChildProcess,
  pattern: RegExp,
  what: string,
  timeoutMs: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () =>
        reject(new Error(`${what} was not ready within ${timeoutMs} ms:\n${seen.slice(-2000)}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      seen = (seen + chunk.toString()).slice(-20_000);
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}) before it was ready:\n${seen.slice(-2000)}`));
    });
  });
}

/** SIGTERM to the child's process group (a warm shutdown), SIGKILL if it is still there in 10 s. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), name);
    } catch {
      // Already gone.
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
