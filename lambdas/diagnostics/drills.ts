import type { FailArgs, FlakyArgs, PingArgs } from '../../src/catalog/index.js';
import { LovageError } from '../../src/errors.js';
import { type TaskContext, UnrecoverableError } from '../../src/runtime/index.js';

export interface PingResult {
  readonly echo: string;
  readonly attempt: number;
  readonly runtime: {
    readonly node: string;
    readonly region: string | undefined;
    readonly functionName: string | undefined;
    readonly memoryMb: number | undefined;
  };
  readonly at: string;
}

/** `diagnostics.ping`: the message back, and what ran it. */
export async function ping(args: PingArgs, ctx: Pick<TaskContext, 'attempt'>): Promise<PingResult> {
  const memory = process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE;
  return {
    echo: args.message,
    attempt: ctx.attempt,
    runtime: {
      node: process.version,
      region: process.env.AWS_REGION,
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      memoryMb: memory ? Number(memory) : undefined,
    },
    at: new Date().toISOString(),
  };
}

/** The retryable error `diagnostics.flaky` throws while it still has failures to spend. */
export class FlakyDrillError extends LovageError {
  constructor(attempt: number, failTimes: number) {
    super(`flaky drill: attempt ${attempt} fails (failTimes ${failTimes})`);
    this.name = 'FlakyDrillError';
  }
}

/** `diagnostics.flaky`: fails until `ctx.attempt > failTimes`, then reports the attempt it succeeded on. */
export async function flaky(
  args: FlakyArgs,
  ctx: Pick<TaskContext, 'attempt'>,
): Promise<{ succeededOnAttempt: number }> {
  if (ctx.attempt <= args.failTimes) throw new FlakyDrillError(ctx.attempt, args.failTimes);
  return { succeededOnAttempt: ctx.attempt };
}

/** An error with any `name`, so a drill can exercise retryOn / neverRetry lists. */
export class NamedDrillError extends LovageError {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** `diagnostics.fail`: always throws the requested kind of error. */
export async function fail(args: FailArgs): Promise<never> {
  if (args.kind === 'unrecoverable') throw new UnrecoverableError(args.message);
  throw new NamedDrillError(args.name, args.message);
}
