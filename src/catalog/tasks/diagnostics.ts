import * as z from 'zod';

/**
 * Every drill can keep a journal: with `journal: true` each run writes one
 * item (`DRILL#<task id>` / `RUN#<attempt>#<uuid>`, kept a day) to the task
 * table before it does anything else, so a drill counts the handler runs it
 * really made, per attempt — crashed ones included.
 */
const journal = z.boolean().default(false);

/** Payload of `diagnostics.ping`: echoed back with facts about the runtime that ran it. */
export const PingArgs = z.object({ message: z.string().max(1000).default('ping'), journal });
export type PingArgs = z.infer<typeof PingArgs>;

/** Payload of `diagnostics.flaky`: fails (retryably) until `ctx.attempt > failTimes`. */
export const FlakyArgs = z.object({ failTimes: z.number().int().min(0).max(20), journal });
export type FlakyArgs = z.infer<typeof FlakyArgs>;

/** Payload of `diagnostics.crash`: kills its worker process (exit 1) while `ctx.attempt <= times`. */
export const CrashArgs = z.object({ times: z.number().int().min(0).max(20).default(20), journal });
export type CrashArgs = z.infer<typeof CrashArgs>;

/**
 * Payload of `diagnostics.hang`: while `ctx.attempt <= times`, never returns —
 * awaiting forever (`await`), or spinning in synchronous code where no timer
 * can fire (`spin`) — until the function timeout stops it.
 */
export const HangArgs = z.object({
  times: z.number().int().min(0).max(20).default(20),
  mode: z.enum(['await', 'spin']).default('await'),
  journal,
});
export type HangArgs = z.infer<typeof HangArgs>;

/** Payload of `diagnostics.stubborn`: ignores its signal and works `seconds` past the soft limit. */
export const StubbornArgs = z.object({ seconds: z.number().min(0).max(8).default(3), journal });
export type StubbornArgs = z.infer<typeof StubbornArgs>;

/** Payload of `diagnostics.bad_result`: returns what a task record cannot store. */
export const BadResultArgs = z.object({
  kind: z.enum(['too_large', 'not_json']),
  /** For `too_large`: the result's size as JSON. */
  bytes: z.number().int().min(1).max(2_000_000).default(450_000),
  journal,
});
export type BadResultArgs = z.infer<typeof BadResultArgs>;

/** Payload of `diagnostics.work`: `steps` units of hashing, reporting progress after each. */
export const WorkArgs = z.object({
  steps: z.number().int().min(1).max(100_000),
  /** SHA-256 rounds per step (real CPU work, not a sleep). */
  hashesPerStep: z.number().int().min(1).max(1_000_000).default(1000),
  /** A pause after each step (ms), for runs whose length should not depend on the CPU. */
  pauseMs: z.number().int().min(0).max(2000).default(0),
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

/**
 * Payload of `diagnostics.add`, the workflow drill: returns `{ value: value + add, trail }`
 * with its own id appended to `trail`, so a chain's result shows every step ran, in order,
 * and passed its result on.
 */
export const AddArgs = z.object({
  value: z.number().default(0),
  add: z.number().default(1),
  trail: z.array(z.string()).max(100).default([]),
  journal,
});
export type AddArgs = z.infer<typeof AddArgs>;

/** Payload of `diagnostics.collect`, a chord callback: counts and sums its members' results. */
export const CollectArgs = z.object({ results: z.array(z.unknown()).max(1000), journal });
export type CollectArgs = z.infer<typeof CollectArgs>;

/** Payload of `diagnostics.spawn`: queues `children` journaled pings with `ctx.send`. */
export const SpawnArgs = z.object({
  children: z.number().int().min(0).max(50),
  /** Throw (a retryable error) after sending, on attempts up to this: a re-run sends again. */
  failAfterSendTimes: z.number().int().min(0).max(5).default(0),
  /** Also send one `logs.generate` (another category's task, listed in the category's `sends`). */
  across: z.boolean().default(false),
  journal,
});
export type SpawnArgs = z.infer<typeof SpawnArgs>;

/** Payload of `diagnostics.retry_later`: `ctx.retry` while `ctx.attempt <= times`. */
export const RetryLaterArgs = z.object({
  times: z.number().int().min(0).max(20),
  countdownSeconds: z.number().int().min(0).max(3600).default(1),
  journal,
});
export type RetryLaterArgs = z.infer<typeof RetryLaterArgs>;

/** Payload of `diagnostics.note_failure`, a linkError: the failure a workflow ended with. */
export const NoteFailureArgs = z.object({
  failure: z.object({
    workflowId: z.string(),
    stepId: z.string(),
    task: z.string(),
    reason: z.string(),
  }),
  journal,
});
export type NoteFailureArgs = z.infer<typeof NoteFailureArgs>;
