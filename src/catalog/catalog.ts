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
