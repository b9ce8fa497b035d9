import type {
  AddArgs,
  CollectArgs,
  NoteFailureArgs,
  RetryLaterArgs,
  SpawnArgs,
} from '../../src/catalog/index.js';
import { LovageError } from '../../src/errors.js';
import type { TaskContext } from '../../src/runtime/index.js';

/** `diagnostics.add`: the value plus `add`, and the trail with this step's id appended. */
export async function add(
  args: AddArgs,
  ctx: Pick<TaskContext, 'id'>,
): Promise<{ value: number; trail: string[] }> {
  return { value: args.value + args.add, trail: [...args.trail, ctx.id] };
}

/** `diagnostics.collect`: how many results a chord callback got, and the sum of their `value`s. */
export async function collect(args: CollectArgs): Promise<{ count: number; sum: number }> {
  const values = args.results.map((r) =>
    typeof r === 'object' && r !== null && typeof (r as { value?: unknown }).value === 'number'
      ? (r as { value: number }).value
      : 0,
  );
  return { count: args.results.length, sum: values.reduce((a, b) => a + b, 0) };
}

class SpawnDrillError extends LovageError {
  constructor(attempt: number) {
    super(`failing after sending, as asked (attempt ${attempt})`);
    this.name = 'SpawnDrillError';
  }
}

/**
 * `diagnostics.spawn`: sends `children` journaled pings with `ctx.send`, then fails (retryably)
 * while `attempt <= failAfterSendTimes`, so the re-run sends the same children again.
 */
export async function spawn(
  args: SpawnArgs,
  ctx: Pick<TaskContext, 'send' | 'attempt'>,
): Promise<{ children: string[] }> {
  const children: string[] = [];
  for (let i = 0; i < args.children; i++) {
    const child = await ctx.send('diagnostics.ping', { message: `child ${i}`, journal: true });
    children.push(child.id);
  }
  if (args.across) {
    const child = await ctx.send(
      'logs.generate',
      { date: '2026-11-30', files: 1, linesPerFile: 1, seed: 4242 },
      { key: 'across' },
    );
    children.push(child.id);
  }
  if (ctx.attempt <= args.failAfterSendTimes) throw new SpawnDrillError(ctx.attempt);
  return { children };
}

/** `diagnostics.retry_later`: `ctx.retry` with its countdown while `attempt <= times`. */
export async function retryLater(
  args: RetryLaterArgs,
  ctx: Pick<TaskContext, 'retry' | 'attempt'>,
): Promise<{ succeededOnAttempt: number }> {
  if (ctx.attempt <= args.times) {
    ctx.retry({ countdownSeconds: args.countdownSeconds, reason: `drill: attempt ${ctx.attempt}` });
  }
  return { succeededOnAttempt: ctx.attempt };
}

/** `diagnostics.note_failure`: which workflow and step failed (a linkError drill). */
export async function noteFailure(
  args: NoteFailureArgs,
): Promise<{ workflowId: string; stepId: string }> {
  return { workflowId: args.failure.workflowId, stepId: args.failure.stepId };
}
