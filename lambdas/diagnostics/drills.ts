import { setTimeout } from 'node:timers/promises';
import type {
  BadResultArgs,
  CrashArgs,
  FailArgs,
  FlakyArgs,
  HangArgs,
  PingArgs,
  StubbornArgs,
} from '../../src/catalog/index.js';
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

/** `diagnostics.crash`: kills its worker process while `ctx.attempt <= times`, then succeeds. */
export async function crash(
  args: CrashArgs,
  ctx: Pick<TaskContext, 'attempt'>,
  exit: (code: number) => never = process.exit,
): Promise<{ survivedOnAttempt: number }> {
  if (ctx.attempt <= args.times) exit(1);
  return { survivedOnAttempt: ctx.attempt };
}

/**
 * `diagnostics.hang`: while `ctx.attempt <= times`, never returns: it awaits
 * a promise that never settles, or spins in synchronous code (no timer can
 * fire) until the function timeout stops it. Then it succeeds.
 */
export async function hang(
  args: HangArgs,
  ctx: Pick<TaskContext, 'attempt'>,
): Promise<{ returnedOnAttempt: number }> {
  if (ctx.attempt <= args.times) {
    if (args.mode === 'spin') {
      for (;;) {
        // Synchronous on purpose: the event loop never turns again.
      }
    }
    await new Promise<never>(() => undefined);
  }
  return { returnedOnAttempt: ctx.attempt };
}

/** `diagnostics.stubborn`: ignores `ctx.signal` and keeps working `seconds`, then returns. */
export async function stubborn(
  args: StubbornArgs,
  ctx: Pick<TaskContext, 'signal' | 'attempt'>,
): Promise<{ abortedBeforeReturn: boolean; attempt: number }> {
  await setTimeout(args.seconds * 1000);
  return { abortedBeforeReturn: ctx.signal.aborted, attempt: ctx.attempt };
}

/** `diagnostics.bad_result`: a result a task record cannot store. */
export async function badResult(args: BadResultArgs): Promise<unknown> {
  if (args.kind === 'not_json') return { total: 10n };
  return { filler: 'x'.repeat(args.bytes) };
}
