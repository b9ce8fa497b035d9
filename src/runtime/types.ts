import type { z } from 'zod';
import type { Catalog, CategoryInput } from '../catalog/index.js';
import type { TaskLogger } from './logging.js';

/** What a task handler gets besides its payload. */
export interface TaskContext {
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
}

/** A task's code: typed payload in, JSON-serialisable result out. */
export type TaskHandler<Args = unknown, Result = unknown> = (
  args: Args,
  ctx: TaskContext,
) => Promise<Result>;

type CategoriesOf<K> = K extends Catalog<infer C> ? C : never;
type TasksOf<C, Cat extends keyof C> = C[Cat] extends CategoryInput<infer T> ? T : never;

/** One handler per task of category `Cat`, each typed by its task's schema. */
export type TaskHandlers<K extends Catalog, Cat extends keyof CategoriesOf<K> & string> = {
  [N in keyof TasksOf<CategoriesOf<K>, Cat>]: TaskHandler<
    TasksOf<CategoriesOf<K>, Cat>[N] extends { schema: infer S extends z.ZodType }
      ? z.output<S>
      : never
  >;
};
