import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { CeleryClient } from '../../../scripts/lib/celery-client.js';
import type { CeleryClientConfig } from '../../../src/celery/client-config.js';

const DRIVER = fileURLToPath(new URL('./driver.py', import.meta.url));

/** A Python exception as the driver reports it. */
export interface PythonException {
  readonly type: string;
  readonly module: string;
  readonly args: readonly string[];
}

/** What `AsyncResult(id).get()` did in Python: returned a value or raised. */
export interface GetOutcome {
  readonly state: string;
  readonly result?: unknown;
  readonly raised?: PythonException;
  readonly seconds: number;
}

/** A task signature for chains and groups: `stub(name).s(**kwargs)`. */
export interface Sig {
  readonly name: string;
  readonly kwargs?: Record<string, unknown>;
}

/**
 * One long-lived Python process running a real Celery app (see driver.py), so Celery is
 * imported once per test file. Requests run one at a time, in order.
 */
export class CeleryDriver {
  private readonly replies: AsyncIterator<string>;
  private stderr = '';
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    this.replies = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
  }

  /** Starts `client`'s python with the driver and configures the app with `config`. */
  static async start(
    client: CeleryClient,
    config: CeleryClientConfig,
  ): Promise<{ driver: CeleryDriver; celery: string }> {
    const child = spawn(client.python, [DRIVER], {
      env: { ...process.env, PYTHONUNBUFFERED: '1', AWS_DEFAULT_REGION: process.env.AWS_REGION },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const driver = new CeleryDriver(child);
    const { celery } = await driver.call<{ celery: string }>('configure', { config });
    return { driver, celery };
  }

  /** Sends one request and resolves with its reply; a Python error rejects with its traceback. */
  call<T>(op: string, request: Record<string, unknown> = {}): Promise<T> {
    const next = this.queue.then(async () => {
      this.child.stdin.write(`${JSON.stringify({ op, ...request })}\n`);
      const line = await this.replies.next();
      if (line.done) throw new Error(`the Celery driver exited: ${this.stderr}`);
      const reply = JSON.parse(line.value) as {
        ok: boolean;
        error?: PythonException & { traceback: string };
      };
      if (!reply.ok) throw new Error(`Python ${op} failed: ${reply.error?.traceback}`);
      return reply as T;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** `stub(name).delay(**kwargs)`: resolves with the task id. */
  async delay(name: string, kwargs: Record<string, unknown>): Promise<string> {
    return (await this.call<{ id: string }>('delay', { name, kwargs })).id;
  }

  /** `app.send_task(name, args, kwargs, **options)`: resolves with the task id. */
  async sendTask(
    name: string,
    request: { args?: unknown[]; kwargs?: Record<string, unknown>; options?: object },
  ): Promise<string> {
    return (await this.call<{ id: string }>('send_task', { name, ...request })).id;
  }

  /** `AsyncResult(id).get(timeout)`, polling every 0.5 s as Celery does. */
  get(id: string, timeout = 30): Promise<GetOutcome> {
    return this.call<GetOutcome>('get', { id, timeout });
  }

  /** AWS API calls the Python client made since the last reset, by operation. */
  async calls(reset = false): Promise<Record<string, number>> {
    return (await this.call<{ calls: Record<string, number> }>('calls', { reset })).calls;
  }

  close(): void {
    this.child.stdin.end();
    this.child.kill();
  }
}
