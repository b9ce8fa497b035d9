import type { Catalog } from '../catalog/index.js';
import { LIST_MAX_LIMIT, type LovageClient, QueryOptionsError } from '../client/index.js';
import type { TaskStatus } from '../client/types.js';

export interface SlowTaskOptions {
  /** Runs that took at least this long, ms. */
  readonly overMs: number;
  readonly task?: string;
  /** @defaultValue 24 hours ago */
  readonly since?: Date | string;
  /** @defaultValue 50 */
  readonly limit?: number;
}

/**
 * Finished tasks (SUCCESS or FAILURE) whose last run took at least
 * `overMs`, slowest first. Reads the newest LIST_MAX_LIMIT finished tasks of
 * each state in the window from the state index and keeps the slow ones, so
 * on a busy system it looks at the most recent ones only.
 *
 * @example
 * const slow = await slowTasks(lovage, { overMs: 5_000, since: new Date(Date.now() - 3_600_000) });
 */
export async function slowTasks<K extends Catalog>(
  lovage: LovageClient<K>,
  options: SlowTaskOptions,
): Promise<TaskStatus[]> {
  const { overMs, limit = 50 } = options;
  if (!Number.isFinite(overMs) || overMs < 0) {
    throw new QueryOptionsError(`over (${overMs}) must be a duration in ms, 0 or more`);
  }
  if (!Number.isInteger(limit) || limit < 1 || limit > LIST_MAX_LIMIT) {
    throw new QueryOptionsError(
      `limit (${limit}) must be a whole number from 1 to ${LIST_MAX_LIMIT}`,
    );
  }
  const read = (state: 'SUCCESS' | 'FAILURE') =>
    lovage.list({
      state,
      limit: LIST_MAX_LIMIT,
      ...(options.task ? { task: options.task } : {}),
      ...(options.since ? { since: options.since } : {}),
    });
  const [succeeded, failed] = await Promise.all([read('SUCCESS'), read('FAILURE')]);
  return [...succeeded, ...failed]
    .filter((t) => (t.durationMs ?? -1) >= overMs)
    .sort((a, b) => (b.durationMs ?? 0) - (a.durationMs ?? 0))
    .slice(0, limit);
}
