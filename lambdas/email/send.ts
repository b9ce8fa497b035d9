import { MessageRejected, type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { SendEmailArgs } from '../../src/catalog/index.js';
import { type TaskContext, UnrecoverableError } from '../../src/runtime/index.js';

export interface SendEmailResult {
  readonly messageId: string;
  readonly recipients: number;
}

/** `email.send`: one message through SES v2. A rejected message (unverified sender, sandbox recipient) is final. */
export async function sendEmail(
  ses: SESv2Client,
  args: SendEmailArgs,
  ctx: Pick<TaskContext, 'signal'>,
): Promise<SendEmailResult> {
  const body = {
    Text: { Data: args.text, Charset: 'UTF-8' },
    ...(args.html ? { Html: { Data: args.html, Charset: 'UTF-8' } } : {}),
  };
  try {
    const out = await ses.send(
      new SendEmailCommand({
        FromEmailAddress: args.from,
        Destination: { ToAddresses: args.to },
        ...(args.replyTo ? { ReplyToAddresses: [args.replyTo] } : {}),
        Content: { Simple: { Subject: { Data: args.subject, Charset: 'UTF-8' }, Body: body } },
      }),
      { abortSignal: ctx.signal },
    );
    if (!out.MessageId) throw new Error('SES accepted the message but returned no MessageId');
    return { messageId: out.MessageId, recipients: args.to.length };
  } catch (error) {
    if (error instanceof MessageRejected) {
      throw new UnrecoverableError(`SES rejected the message: ${error.message}`, { cause: error });
    }
    throw error;
  }
}
