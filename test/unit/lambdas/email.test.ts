import { Logger } from '@aws-lambda-powertools/logger';
import { MessageRejected, SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { processBounce } from '../../../lambdas/email/process-bounce.js';
import { personalise, sendBulk } from '../../../lambdas/email/send-bulk.js';

const signal = new AbortController().signal;
const logger = new Logger({ logLevel: 'SILENT' });

describe('email.send_bulk', () => {
  it('sends to each recipient, skips suppressed ones and records a rejection without stopping the rest', async () => {
    const ses = mockClient(SESv2Client);
    ses
      .on(SendEmailCommand, { Destination: { ToAddresses: ['bad@example.com'] } })
      .rejects(new MessageRejected({ message: 'Email address is not verified', $metadata: {} }));
    ses
      .on(SendEmailCommand, { Destination: { ToAddresses: ['ada@example.com'] } })
      .resolves({ MessageId: 'm-1' });
    const result = await sendBulk(
      ses as unknown as SESv2Client,
      { suppressedAmong: async () => new Set(['gone@example.com']) },
      {
        from: 'noreply@example.com',
        subject: 's',
        text: 'Hi {{name}}',
        recipients: [
          { to: 'ada@example.com', name: 'Ada' },
          { to: 'Gone@example.com' },
          { to: 'bad@example.com' },
        ],
      },
      { signal },
    );
    expect(result).toMatchObject({ sent: 1, suppressed: 1, rejected: 1 });
    expect(result.outcomes).toEqual([
      { to: 'ada@example.com', status: 'sent', messageId: 'm-1' },
      { to: 'Gone@example.com', status: 'suppressed' },
      { to: 'bad@example.com', status: 'rejected', error: 'Email address is not verified' },
    ]);
    const sent = ses
      .commandCalls(SendEmailCommand)
      .map((c) => c.args[0].input.Content?.Simple?.Body?.Text?.Data);
    expect(sent).toContain('Hi Ada');
  });

  it('fails the task on an error SES might not repeat (throttling), so the runtime retries it', async () => {
    const ses = mockClient(SESv2Client);
    ses
      .on(SendEmailCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));
    await expect(
      sendBulk(
        ses as unknown as SESv2Client,
        { suppressedAmong: async () => new Set() },
        {
          from: 'noreply@example.com',
          subject: 's',
          text: 't',
          recipients: [{ to: 'a@example.com' }],
        },
        { signal },
      ),
    ).rejects.toThrow('Rate exceeded');
  });

  it('fills in a default name', () => {
    expect(personalise('Hi {{name}}, {{name}}!', undefined)).toBe('Hi there, there!');
  });
});

describe('email.process_bounce', () => {
  it('suppresses every address of a permanent bounce, once each, in lower case', async () => {
    const suppressed: [string, string][] = [];
    const result = await processBounce(
      { suppress: async (address, reason) => void suppressed.push([address, reason]) },
      {
        eventType: 'Bounce',
        bounce: {
          bounceType: 'Permanent',
          bounceSubType: 'NoEmail',
          bouncedRecipients: [{ emailAddress: 'A@example.com' }, { emailAddress: 'a@example.com' }],
        },
      },
      { logger },
    );
    expect(result.suppressed).toEqual(['a@example.com']);
    expect(suppressed).toEqual([['a@example.com', 'bounce:NoEmail']]);
  });

  it('only counts a transient bounce', async () => {
    const result = await processBounce(
      {
        suppress: async () => {
          throw new Error('must not suppress');
        },
      },
      {
        eventType: 'Bounce',
        bounce: { bounceType: 'Transient', bouncedRecipients: [{ emailAddress: 'b@example.com' }] },
      },
      { logger },
    );
    expect(result).toEqual({ bounceType: 'Transient', suppressed: [], ignored: ['b@example.com'] });
  });
});
