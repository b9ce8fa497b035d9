/**
 * Sends N `email.check_quota` tasks with `sendMany` and waits until every
 * one is SUCCESS, printing how long sending and finishing took. Run against
 * the emulator (or any deployed stack):
 *
 *   AWS_ENDPOINT_URL=http://127.0.0.1:4566 npx tsx bench/send-many.ts 1000
 */
import { randomUUID } from 'node:crypto';
import { catalog } from '../src/catalog/index.js';
import { LovageClient, type SendManyResult } from '../src/client/index.js';

export interface BulkRun {
  readonly result: SendManyResult;
  readonly sendMs: number;
  readonly finishMs: number;
  /** Final state of every sent task, by id. */
  readonly states: ReadonlyMap<string, string>;
}

/**
 * Sends `count` quota checks in one `sendMany` and polls the byName index
 * (falling back to `get` for the last few) until each is finished or
 * `timeoutMs` passes.
 *
 * @example
 * const run = await sendManyAndWait(lovage, 1000);
 * console.log(run.sendMs, run.finishMs);
 */
export async function sendManyAndWait(
  lovage: LovageClient<typeof catalog>,
  count: number,
  timeoutMs = 600_000,
): Promise<BulkRun> {
  const run = randomUUID().slice(0, 8);
  const since = new Date(Date.now() - 1000);
  const t0 = performance.now();
  const result = await lovage.sendMany(
    Array.from({ length: count }, (_, i) => ({
      task: 'email.check_quota' as const,
      args: { warnAtPercent: 99 },
      options: { id: `bulk-${run}-${i}` },
    })),
  );
  const sendMs = performance.now() - t0;
  const open = new Set(result.sent.map((s) => s.id));
  const states = new Map<string, string>();
  const deadline = Date.now() + timeoutMs;
  while (open.size > 0 && Date.now() < deadline) {
    if (open.size > 50) {
      const page = await lovage.list({ task: 'email.check_quota', since, limit: 1000 });
      for (const task of page) settle(task.id, task.state);
    } else {
      for (const id of [...open]) settle(id, (await lovage.get(id)).state);
    }
    if (open.size > 0) await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return { result, sendMs, finishMs: performance.now() - t0, states };

  function settle(id: string, state: string): void {
    if (!open.has(id) || !['SUCCESS', 'FAILURE', 'REVOKED', 'EXPIRED'].includes(state)) return;
    states.set(id, state);
    open.delete(id);
  }
}

/** One line of figures, for the bench and the integration test alike. */
export function describeRun(count: number, run: BulkRun): string {
  const success = [...run.states.values()].filter((s) => s === 'SUCCESS').length;
  const perSecond = (count / (run.finishMs / 1000)).toFixed(1);
  return `sendMany ${count}: sent ${run.result.sent.length}, failed ${run.result.failed.length} in ${run.sendMs.toFixed(0)} ms; ${success} SUCCESS after ${(run.finishMs / 1000).toFixed(1)} s (${perSecond} tasks/s end to end)`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const count = Number(process.argv[2] ?? 1000);
  const lovage = await LovageClient.fromStack(catalog);
  const run = await sendManyAndWait(lovage, count);
  console.log(describeRun(count, run));
}
