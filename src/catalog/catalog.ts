import { z } from 'zod';
import { defineCatalog, task } from './define.js';

/** Payload of `email.send`: one message through Amazon SES. */
export const SendEmailArgs = z.object({
  /** Sender; its address or domain must be a verified SES identity. */
  from: z.email(),
  to: z.array(z.email()).min(1).max(50),
  subject: z.string().min(1).max(998),
  text: z.string().min(1),
  html: z.string().optional(),
  replyTo: z.email().optional(),
});
export type SendEmailArgs = z.infer<typeof SendEmailArgs>;

/** Payload of `email.check_quota`. */
export const CheckQuotaArgs = z.object({
  /** Log a warning when the last 24 h used more than this share of the sending quota. */
  warnAtPercent: z.number().min(1).max(100).default(80),
});
export type CheckQuotaArgs = z.infer<typeof CheckQuotaArgs>;

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

/** Short backoff for drills: 1, 2, 4 s, so end-to-end checks finish in seconds. */
const DRILL_BACKOFF = { baseSeconds: 1, factor: 2, maxSeconds: 4, jitter: 'none' } as const;

/**
 * The Lovage task catalog: the one place that names categories, tasks,
 * tiers and schedules. The stack, the runtime, the client and the CLI all
 * read it.
 */
export const catalog = defineCatalog({
  categories: {
    email: {
      timeoutSeconds: 30,
      memoryMb: 256,
      tasks: {
        'email.send': task({
          schema: SendEmailArgs,
          tier: 'high',
          description: 'Send one e-mail through Amazon SES',
        }),
        'email.check_quota': task({
          schema: CheckQuotaArgs,
          tier: 'low',
          resultTtlSeconds: 3600,
          description: 'Record SES sending-quota use and warn near the limit',
        }),
      },
    },
    diagnostics: {
      timeoutSeconds: 30,
      memoryMb: 256,
      tasks: {
        'diagnostics.ping': task({
          schema: PingArgs,
          description: 'Echo the message with runtime facts (like `celery inspect ping`)',
        }),
        'diagnostics.flaky': task({
          schema: FlakyArgs,
          maxRetries: 3,
          backoff: DRILL_BACKOFF,
          description: 'Fail with a retryable error until attempt > failTimes, then succeed',
        }),
        'diagnostics.work': task({
          schema: WorkArgs,
          softTimeLimitSeconds: 10,
          neverRetry: ['SoftTimeLimitExceededError'],
          maxRetries: 1,
          backoff: DRILL_BACKOFF,
          description: 'Hash for `steps` steps with progress; for time limits, progress and revoke',
        }),
        'diagnostics.fail': task({
          schema: FailArgs,
          maxRetries: 1,
          backoff: DRILL_BACKOFF,
          neverRetry: ['DrillConfigError'],
          description: 'Throw the requested error (unrecoverable or named)',
        }),
      },
    },
  },
  schedules: {
    'email-quota-check': {
      task: 'email.check_quota',
      every: { rate: '1 minute' },
      args: { warnAtPercent: 80 },
      description: 'SES quota use, every minute',
    },
  },
});

export type LovageCatalog = typeof catalog;
