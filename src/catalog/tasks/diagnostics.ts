import { z } from 'zod';

/** Payload of `diagnostics.ping`: echoed back with facts about the runtime that ran it. */
export const PingArgs = z.object({ message: z.string().max(1000).default('ping') });
export type PingArgs = z.infer<typeof PingArgs>;

/** Payload of `diagnostics.flaky`: fails (retryably) until `ctx.attempt > failTimes`. */
export const FlakyArgs = z.object({ failTimes: z.number().int().min(0).max(20) });
export type FlakyArgs = z.infer<typeof FlakyArgs>;

/** Payload of `diagnostics.work`: `steps` units of hashing, reporting progress after each. */
export const WorkArgs = z.object({
  steps: z.number().int().min(1).max(100_000),
  /** SHA-256 rounds per step (real CPU work, not a sleep). */
  hashesPerStep: z.number().int().min(1).max(1_000_000).default(1000),
});
export type WorkArgs = z.infer<typeof WorkArgs>;

/** Payload of `diagnostics.fail`: the error to throw. */
export const FailArgs = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('unrecoverable'), message: z.string().max(500).default('drill') }),
  z.object({
    kind: z.literal('named'),
    /** The error's `name`; `DrillConfigError` is in the task's `neverRetry`, others are retried. */
    name: z.string().regex(/^[A-Za-z_$][\w$]*$/),
    message: z.string().max(500).default('drill'),
  }),
]);
export type FailArgs = z.infer<typeof FailArgs>;
