import type { z } from 'zod';
import type { Catalog, CategoryInput, TaskArgs, TaskNamesOf } from '../catalog/index.js';
import type { ChildHandle, ChildSendOptions } from './children.js';
import type { TaskLogger } from './logging.js';
import type { RetryOptions } from './retry-request.js';

/** What a task handler gets besides its payload; `K` types `send` against the catalog. */
export interface TaskContext<K extends Catalog = Catalog> {
  /** The task id (stable across retries and duplicate deliveries). */
  readonly id: string;
  readonly task: string;
  /** 1 on the first run. */
  readonly attempt: number;
  readonly correlationId: string | undefined;
  /**
   * Aborted when the task must stop: its reason is a `SoftTimeLimitExceededError`
   * (soft time limit) or a `TaskRevokedError` (revoked while running). Pass it to
   * SDK calls (`{ abortSignal: ctx.signal }`) and check it between steps.
   */
  readonly signal: AbortSignal;
  /** Logger with the task id, name, attempt and correlation id on every line. */
  readonly logger: TaskLogger;
  /**
   * Records PROGRESS with `{ current, total, message }` (readable by id while the
   * task runs). Writes are throttled (at most one a second, plus the final
   * `current === total`), so it is cheap to call every step. It is also the
   * task's checkpoint: it throws the signal's reason once the task was revoked
   * or ran past its soft time limit.
   *
   * @example
   * for (const [i, row] of rows.entries()) {
   *   await importRow(row);
   *   await ctx.progress(i + 1, rows.length, 'importing');
   * }
   */
  progress(current: number, total: number, message?: string): Promise<void>;
  /**
   * Queues a child task, validated like the client's `send`. Its id is derived from this
   * task's (`<id>+0`, `<id>+1`, ... in the order this run sends them, or `<id>+<key>`), so a
   * re-run of this task sends the same ids and each child runs once; its record carries this
   * task's id as `parentId` and the root of the tree as `rootId`. A category may send its own
   * tasks, and those its catalog entry lists in `sends`.
   *
   * @example
   * for (const [i, file] of files.entries()) {
   *   await ctx.send('logs.process_file', { date, fileId: file }, { key: `file-${i}` });
   * }
   */
  send<N extends TaskNamesOf<CategoriesOf<K>>>(
    task: N,
    args: TaskArgs<CategoriesOf<K>, N>,
    options?: ChildSendOptions,
  ): Promise<ChildHandle>;
  /**
   * Ends this run and retries the task after `countdownSeconds` (instead of its backoff),
   * like Celery's `self.retry(countdown=...)`. Counts against `maxRetries`: past them the
   * task fails for good with a MaxRetriesExceededError. It throws; do not catch it.
   *
   * @example
   * if (!uploaded) ctx.retry({ countdownSeconds: 30, reason: 'the file is not uploaded yet' });
   */
  retry(options: RetryOptions): never;
}

/** A task's code: typed payload in, JSON-serialisable result out. */
export type TaskHandler<Args = unknown, Result = unknown, K extends Catalog = Catalog> = (
  args: Args,
  ctx: TaskContext<K>,
) => Promise<Result>;

type CategoriesOf<K> = K extends Catalog<infer C> ? C : never;
type TasksOf<C, Cat extends keyof C> = C[Cat] extends CategoryInput<infer T> ? T : never;

/** One handler per task of category `Cat`, each typed by its task's schema. */
export type TaskHandlers<K extends Catalog, Cat extends keyof CategoriesOf<K> & string> = {
  [N in keyof TasksOf<CategoriesOf<K>, Cat>]: TaskHandler<
    TasksOf<CategoriesOf<K>, Cat>[N] extends { schema: infer S extends z.ZodType }
      ? z.output<S>
      : never,
    unknown,
    K
  >;
};
