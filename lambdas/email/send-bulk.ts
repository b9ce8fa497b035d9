import { MessageRejected, type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { SendBulkEmailArgs } from '../../src/catalog/index.js';
import type { TaskContext } from '../../src/runtime/index.js';
import type { SendMarker, SendMarkers } from './send-markers.js';
import type { Suppressions } from './suppressions.js';

/** What happened to one recipient of a bulk send. */
export type RecipientOutcome =
  | { readonly to: string; readonly status: 'sent'; readonly messageId: string }
  | { readonly to: string; readonly status: 'suppressed' }
  | { readonly to: string; readonly status: 'rejected'; readonly error: string }
  /**
   * An earlier attempt stopped while SES had the message and got no answer
   * (network error, timeout, crash): it may or may not have been sent, and it
   * is not sent again, so that nobody gets it twice.
   */
  | { readonly to: string; readonly status: 'unconfirmed' };

export interface BulkSendResult {
  readonly sent: number;
  readonly suppressed: number;
  readonly rejected: number;
  readonly unconfirmed: number;
  readonly outcomes: readonly RecipientOutcome[];
}

/** Sends this many messages at once, well under SES's default send rate. */
const PARALLEL = 5;

type Recipient = SendBulkEmailArgs['recipients'][number];
type BulkContext = Pick<TaskContext, 'id' | 'attempt' | 'signal' | 'progress'>;

/**
 * `email.send_bulk`: one message per recipient, at most once per recipient
 * per task id. Before SES is called for an address, a marker is created for
 * it (task id, address) with a conditional write; a retry, a duplicate
 * delivery or a run after a crash finds the marker and does not send again.
 * SES's answer is recorded on the marker: sent (with its message id) or
 * rejected (a rejection is final and does not stop the others).
 *
 * Any other error stops the pool at once, no new recipient is started, and
 * the task fails so that the runtime retries it: an error SES answered with
 * (throttling, a 5xx) means the message was not accepted, so that marker is
 * given back and the retry sends it; an error without an answer (network,
 * abort) leaves the marker, and the recipient ends `unconfirmed` rather than
 * risking a second copy. Suppressed addresses are skipped.
 */
export async function sendBulk(
  ses: SESv2Client,
  suppressions: Pick<Suppressions, 'suppressedAmong'>,
  markers: Pick<SendMarkers, 'claim' | 'get' | 'settle' | 'release'>,
  args: SendBulkEmailArgs,
  ctx: BulkContext,
): Promise<BulkSendResult> {
  const { recipients } = args;
  const suppressed = await suppressions.suppressedAmong(recipients.map((r) => r.to));
  const outcomes: RecipientOutcome[] = new Array(recipients.length);
  let next = 0;
  let done = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && !ctx.signal.aborted && next < recipients.length) {
      const index = next++;
      const recipient = recipients[index] as Recipient;
      try {
        outcomes[index] = suppressed.has(recipient.to.toLowerCase())
          ? { to: recipient.to, status: 'suppressed' }
          : await sendOnce(ses, markers, args, recipient, ctx);
        await ctx.progress(++done, recipients.length, 'recipients');
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  if (failure) throw failure.error;
  ctx.signal.throwIfAborted();
  const count = (status: RecipientOutcome['status']) =>
    outcomes.filter((o) => o.status === status).length;
  return {
    sent: count('sent'),
    suppressed: count('suppressed'),
    rejected: count('rejected'),
    unconfirmed: count('unconfirmed'),
    outcomes,
  };
}

/** `{{name}}` in the body becomes the recipient's name (or "there"). */
export function personalise(text: string, name: string | undefined): string {
  return text.replaceAll('{{name}}', name ?? 'there');
}

/** Whether SES answered (the error has an HTTP status): then it did not accept the message. */
export function answeredBySes(error: unknown): boolean {
  return (
    typeof (error as { $metadata?: { httpStatusCode?: unknown } })?.$metadata?.httpStatusCode ===
    'number'
  );
}

async function sendOnce(
  ses: SESv2Client,
  markers: Pick<SendMarkers, 'claim' | 'get' | 'settle' | 'release'>,
  args: SendBulkEmailArgs,
  recipient: Recipient,
  ctx: BulkContext,
): Promise<RecipientOutcome> {
  if (!(await markers.claim(ctx.id, recipient.to, ctx.attempt))) {
    return fromMarker(recipient.to, await markers.get(ctx.id, recipient.to));
  }
  let messageId: string;
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
      { abortSignal: ctx.signal },
    );
    messageId = out.MessageId ?? '';
  } catch (error) {
    if (error instanceof MessageRejected) {
      await markers.settle(ctx.id, recipient.to, ctx.attempt, { error: error.message });
      return { to: recipient.to, status: 'rejected', error: error.message };
    }
    if (answeredBySes(error)) await markers.release(ctx.id, recipient.to, ctx.attempt);
    throw error;
  }
  await markers.settle(ctx.id, recipient.to, ctx.attempt, { messageId });
  return { to: recipient.to, status: 'sent', messageId };
}

function fromMarker(to: string, marker: SendMarker | undefined): RecipientOutcome {
  switch (marker?.state) {
    case 'SENT':
      return { to, status: 'sent', messageId: marker.messageId };
    case 'REJECTED':
      return { to, status: 'rejected', error: marker.error };
    case 'SENDING':
      return { to, status: 'unconfirmed' };
    default:
      // Released between our claim and our read: another run of this id holds it. Retry later.
      throw new Error(`the send marker of ${to} changed while it was read; retrying`);
  }
}
