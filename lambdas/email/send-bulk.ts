import { MessageRejected, type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { SendBulkEmailArgs } from '../../src/catalog/index.js';
import type { TaskContext } from '../../src/runtime/index.js';
import type { Suppressions } from './suppressions.js';

/** What happened to one recipient of a bulk send. */
export type RecipientOutcome =
  | { readonly to: string; readonly status: 'sent'; readonly messageId: string }
  | { readonly to: string; readonly status: 'suppressed' }
  | { readonly to: string; readonly status: 'rejected'; readonly error: string };

export interface BulkSendResult {
  readonly sent: number;
  readonly suppressed: number;
  readonly rejected: number;
  readonly outcomes: readonly RecipientOutcome[];
}

/** Sends this many messages at once, well under SES's default send rate. */
const PARALLEL = 5;

/**
 * `email.send_bulk`: one message per recipient. Suppressed addresses are
 * skipped, a rejected recipient is recorded and does not stop the others;
 * any other error (throttling, network) fails the task so that it is retried.
 */
export async function sendBulk(
  ses: SESv2Client,
  suppressions: Pick<Suppressions, 'suppressedAmong'>,
  args: SendBulkEmailArgs,
  ctx: Pick<TaskContext, 'signal'>,
): Promise<BulkSendResult> {
  const suppressed = await suppressions.suppressedAmong(args.recipients.map((r) => r.to));
  const outcomes: RecipientOutcome[] = new Array(args.recipients.length);
  let next = 0;
  const worker = async () => {
    while (next < args.recipients.length) {
      const index = next++;
      const recipient = args.recipients[index];
      if (!recipient) continue;
      outcomes[index] = suppressed.has(recipient.to.toLowerCase())
        ? { to: recipient.to, status: 'suppressed' }
        : await sendOne(ses, args, recipient, ctx.signal);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  const count = (status: RecipientOutcome['status']) =>
    outcomes.filter((o) => o.status === status).length;
  return {
    sent: count('sent'),
    suppressed: count('suppressed'),
    rejected: count('rejected'),
    outcomes,
  };
}

/** `{{name}}` in the body becomes the recipient's name (or "there"). */
export function personalise(text: string, name: string | undefined): string {
  return text.replaceAll('{{name}}', name ?? 'there');
}

async function sendOne(
  ses: SESv2Client,
  args: SendBulkEmailArgs,
  recipient: SendBulkEmailArgs['recipients'][number],
  signal: AbortSignal,
): Promise<RecipientOutcome> {
  try {
    const out = await ses.send(
      new SendEmailCommand({
        FromEmailAddress: args.from,
        Destination: { ToAddresses: [recipient.to] },
        Content: {
          Simple: {
            Subject: { Data: args.subject, Charset: 'UTF-8' },
            Body: { Text: { Data: personalise(args.text, recipient.name), Charset: 'UTF-8' } },
          },
        },
      }),
      { abortSignal: signal },
    );
    if (!out.MessageId) throw new Error('SES accepted the message but returned no MessageId');
    return { to: recipient.to, status: 'sent', messageId: out.MessageId };
  } catch (error) {
    if (error instanceof MessageRejected) {
      return { to: recipient.to, status: 'rejected', error: error.message };
    }
    throw error;
  }
}
