import * as z from 'zod';

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
 * Payload of `email.send_bulk`: one message per recipient, each with its own
 * outcome. Each address may appear once (compared case-insensitively): a
 * task sends to an address at most once.
 */
export const SendBulkEmailArgs = z.object({
  from: z.email(),
  subject: z.string().min(1).max(998),
  /** Plain-text body; `{{name}}` is replaced by each recipient's name. */
  text: z.string().min(1),
  recipients: z
    .array(z.object({ to: z.email(), name: z.string().max(200).optional() }))
    .min(1)
    .max(500)
    .superRefine((recipients, ctx) => {
      const seen = new Map<string, number>();
      recipients.forEach((r, i) => {
        const first = seen.get(r.to.toLowerCase());
        if (first === undefined) seen.set(r.to.toLowerCase(), i);
        else
          ctx.addIssue({
            code: 'custom',
            path: [i, 'to'],
            message: `${r.to} is already recipient ${first}; each address may appear once`,
          });
      });
    }),
});
export type SendBulkEmailArgs = z.infer<typeof SendBulkEmailArgs>;

/**
 * Payload of `email.process_bounce`: the `detail` of an SES "Email Bounced"
 * event (SES event destination -> EventBridge), the fields the task reads.
 */
export const BounceEventArgs = z.object({
  eventType: z.literal('Bounce'),
  bounce: z.object({
    /** `Permanent` addresses are suppressed; `Transient` ones only counted. */
    bounceType: z.enum(['Permanent', 'Transient', 'Undetermined']),
    bounceSubType: z.string().optional(),
    bouncedRecipients: z.array(z.object({ emailAddress: z.email() })).min(1),
    timestamp: z.iso.datetime({ offset: true }).optional(),
  }),
  mail: z.object({ messageId: z.string().min(1) }).optional(),
});
export type BounceEventArgs = z.infer<typeof BounceEventArgs>;
