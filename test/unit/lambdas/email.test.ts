import { Logger } from '@aws-lambda-powertools/logger';
import {
  MessageRejected,
  SESv2Client,
  SendEmailCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { processBounce } from '../../../lambdas/email/process-bounce.js';
import { answeredBySes, personalise, sendBulk } from '../../../lambdas/email/send-bulk.js';
import type { SendMarker } from '../../../lambdas/email/send-markers.js';
import { SendBulkEmailArgs } from '../../../src/catalog/index.js';

const signal = new AbortController().signal;
const logger = new Logger({ logLevel: 'SILENT' });

/**
 * The marker store's contract in memory: a claim succeeds once per (task, address), a
 * settle or release only on the claim of the same attempt. The real conditional writes are
 * exercised against the emulator's DynamoDB in test/integration/handlers.test.ts.
 */
function memoryMarkers() {
  const items = new Map<string, SendMarker>();
  const key = (taskId: string, address: string) => `${taskId}|${address.toLowerCase()}`;
  const ownClaim = (taskId: string, address: string, attempt: number) => {
    const marker = items.get(key(taskId, address));
    if (marker?.state !== 'SENDING' || marker.attempt !== attempt) {
      throw Object.assign(new Error('condition'), { name: 'ConditionalCheckFailedException' });
    }
  };
  return {
    items,
    async claim(taskId: string, address: string, attempt: number) {
      if (items.has(key(taskId, address))) return false;
      items.set(key(taskId, address), { state: 'SENDING', attempt, at: 'now' });
      return true;
    },
    async get(taskId: string, address: string) {
      return items.get(key(taskId, address));
    },
    async settle(
      taskId: string,
      address: string,
      attempt: number,
      outcome: { messageId: string } | { error: string },
    ) {
      ownClaim(taskId, address, attempt);
      items.set(
        key(taskId, address),
        'messageId' in outcome
          ? { state: 'SENT', attempt, messageId: outcome.messageId }
          : { state: 'REJECTED', attempt, error: outcome.error },
      );
    },
    async release(taskId: string, address: string, attempt: number) {
      ownClaim(taskId, address, attempt);
      items.delete(key(taskId, address));
    },
  };
}

const noSuppressions = { suppressedAmong: async () => new Set<string>() };
const bulk = (count: number) => ({
  from: 'noreply@example.com',
  subject: 's',
  text: 'Hi {{name}}',
  recipients: Array.from({ length: count }, (_, i) => ({ to: `r${i}@example.com` })),
});
const ctxOf = (attempt: number) => ({ id: 'bulk-1', attempt, signal, progress: async () => {} });
const throttled = () =>
  new TooManyRequestsException({
    message: 'Maximum sending rate exceeded.',
    $metadata: { httpStatusCode: 429 },
  });
const sentTo = (ses: ReturnType<typeof mockClient>) =>
  ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input.Destination?.ToAddresses?.[0]);

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
      memoryMarkers(),
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
      ctxOf(1),
    );
    expect(result).toMatchObject({ sent: 1, suppressed: 1, rejected: 1, unconfirmed: 0 });
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

  it('stops the pool at a throttle on recipient k, and the retry sends each remaining recipient once', async () => {
    const markers = memoryMarkers();
    const ses = mockClient(SESv2Client);
    let calls = 0;
    ses.on(SendEmailCommand).callsFake(async (input) => {
      calls++;
      if (input.Destination.ToAddresses[0] === 'r7@example.com') throw throttled();
      return { MessageId: `m-${input.Destination.ToAddresses[0]}` };
    });
    await expect(
      sendBulk(ses as unknown as SESv2Client, noSuppressions, markers, bulk(40), ctxOf(1)),
    ).rejects.toThrow('Maximum sending rate exceeded.');
    // Five workers: the one that failed and at most four sends already in flight; nothing after.
    expect(calls).toBeLessThanOrEqual(8 + 4);
    expect(markers.items.has('bulk-1|r7@example.com')).toBe(false);
    const firstRun = sentTo(ses).filter((to) => to !== 'r7@example.com');

    ses.reset();
    ses.on(SendEmailCommand).callsFake(async (input) => ({
      MessageId: `m-${input.Destination.ToAddresses[0]}`,
    }));
    const retry = await sendBulk(
      ses as unknown as SESv2Client,
      noSuppressions,
      markers,
      bulk(40),
      ctxOf(2),
    );
    const secondRun = sentTo(ses);
    expect(retry).toMatchObject({ sent: 40, unconfirmed: 0 });
    expect(secondRun).toContain('r7@example.com');
    expect([...firstRun, ...secondRun].sort()).toEqual(
      bulk(40)
        .recipients.map((r) => r.to)
        .sort(),
    );
    expect(retry.outcomes[0]).toEqual({
      to: 'r0@example.com',
      status: 'sent',
      messageId: 'm-r0@example.com',
    });
  });

  it('never sends again to a recipient whose send got no answer: it ends unconfirmed', async () => {
    const markers = memoryMarkers();
    const ses = mockClient(SESv2Client);
    ses.on(SendEmailCommand).callsFake(async (input) => {
      if (input.Destination.ToAddresses[0] !== 'r1@example.com') return { MessageId: 'm' };
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    });
    await expect(
      sendBulk(ses as unknown as SESv2Client, noSuppressions, markers, bulk(3), ctxOf(1)),
    ).rejects.toThrow('socket hang up');
    ses.reset();
    ses.on(SendEmailCommand).resolves({ MessageId: 'm2' });
    const retry = await sendBulk(
      ses as unknown as SESv2Client,
      noSuppressions,
      markers,
      bulk(3),
      ctxOf(2),
    );
    expect(sentTo(ses)).not.toContain('r1@example.com');
    expect(retry.outcomes[1]).toEqual({ to: 'r1@example.com', status: 'unconfirmed' });
    expect(retry).toMatchObject({ unconfirmed: 1 });
  });

  it('tells an SES answer (nothing sent) from a lost one', () => {
    expect(answeredBySes(throttled())).toBe(true);
    expect(answeredBySes(Object.assign(new Error('reset'), { $metadata: { attempts: 1 } }))).toBe(
      false,
    );
  });

  it('refuses a payload that names one address twice, before anything is sent', () => {
    const parsed = SendBulkEmailArgs.safeParse({
      ...bulk(2),
      recipients: [{ to: 'a@example.com' }, { to: 'A@example.com' }],
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]).toMatchObject({
      path: ['recipients', 1, 'to'],
      message: 'A@example.com is already recipient 0; each address may appear once',
    });
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
