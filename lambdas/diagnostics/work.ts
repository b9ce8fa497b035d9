import { createHash } from 'node:crypto';
import { setImmediate, setTimeout } from 'node:timers/promises';
import type { WorkArgs } from '../../src/catalog/index.js';
import type { TaskContext } from '../../src/runtime/index.js';

export interface WorkResult {
  readonly steps: number;
  readonly digest: string;
}

/**
 * `diagnostics.work`: `steps` units of real CPU work (chained SHA-256), with
 * `ctx.progress` after each step and the signal checked before each, so it
 * exercises the soft time limit, progress writes and revoke-while-running.
 */
export async function work(
  args: WorkArgs,
  ctx: Pick<TaskContext, 'signal' | 'progress'>,
): Promise<WorkResult> {
  let digest = Buffer.alloc(32);
  for (let step = 1; step <= args.steps; step++) {
    ctx.signal.throwIfAborted();
    for (let i = 0; i < args.hashesPerStep; i++) {
      digest = createHash('sha256').update(digest).digest();
    }
    await ctx.progress(step, args.steps, `step ${step} of ${args.steps}`);
    // Lets timers (the soft time limit) and I/O run between CPU-bound steps.
    if (args.pauseMs > 0) await setTimeout(args.pauseMs, undefined, { signal: ctx.signal });
    else await setImmediate();
  }
  return { steps: args.steps, digest: digest.toString('hex') };
}
