import { randomUUID } from 'node:crypto';
import { SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { PayloadValidationError } from '../../src/catalog/index.js';
import { taskKey } from '../../src/protocol/records.js';
import {
  deployed,
  eventually,
  recordsOfTask,
  takeMessage,
  verifiedSender,
} from '../helpers/deployed.js';

let env: Awaited<ReturnType<typeof deployed>>;
let sender: string;

beforeAll(async () => {
  env = await deployed();
  sender = await verifiedSender();
});

const waitForFinish = (id: string, timeoutMs = 60_000) => env.lovage.wait(id, { timeoutMs });

const attribute = (
  message: { MessageAttributes?: Record<string, { StringValue?: string }> },
  name: string,
) => message.MessageAttributes?.[name]?.StringValue;

describe('client -> queue -> worker -> table', () => {
  it('runs a task sent with the client and stores SUCCESS with its result', async () => {
    const handle = await env.lovage.send('email.send', {
      from: sender,
      to: ['success@simulator.amazonses.com'],
      subject: 'Welcome to Lovage',
      text: 'Hello from the integration test',
    });
    expect(handle.tier).toBe('high');

    const status = await waitForFinish(handle.id);
    expect(status).toMatchObject({ state: 'SUCCESS', task: 'email.send', attempt: 1 });
    expect(status.result).toMatchObject({ messageId: expect.stringMatching(/.+/), recipients: 1 });

    // The item itself, as any reader of the table sees it.
    const item = await env.db.send(
      new GetCommand({ TableName: env.config.tableName, Key: taskKey(handle.id) }),
    );
    expect(item.Item).toMatchObject({ state: 'SUCCESS', finishedAt: expect.any(String) });
    expect(item.Item?.expiresAt).toBeGreaterThan(Date.now() / 1000 + 23 * 3600);
  });

  it('runs a task sent with the raw AWS SDK using the documented envelope', async () => {
    const id = `raw-${randomUUID()}`;
    await env.sqs.send(
      new SendMessageCommand({
        QueueUrl: env.queue('email', 'low').url,
        MessageBody: JSON.stringify({
          v: 1,
          id,
          task: 'email.check_quota',
          args: { warnAtPercent: 90 },
          tier: 'low',
          createdAt: new Date().toISOString(),
          source: 'aws-sdk',
        }),
        MessageAttributes: {
          'lovage-task': { DataType: 'String', StringValue: 'email.check_quota' },
          'lovage-id': { DataType: 'String', StringValue: id },
        },
      }),
    );
    const status = await waitForFinish(id);
    expect(status.state).toBe('SUCCESS');
    expect(status.result).toMatchObject({
      max24HourSend: expect.any(Number),
      percentUsed: expect.any(Number),
    });
  });

  it('rejects a bad payload at the caller, before anything is sent', async () => {
    await expect(
      // @ts-expect-error `to` must be a list of addresses; the type system says so too
      env.lovage.send('email.send', { from: sender, to: 'nobody', subject: 's', text: 't' }),
    ).rejects.toThrow(PayloadValidationError);
  });
});

describe('failures end in the DLQ with the reason', () => {
  it('records FAILURE and dead-letters a task that always throws (SES rejects an unverified sender)', async () => {
    const handle = await env.lovage.send('email.send', {
      from: `noreply@unverified-${randomUUID().slice(0, 8)}.test`,
      to: ['success@simulator.amazonses.com'],
      subject: 'never sent',
      text: 'never sent',
    });
    const status = await waitForFinish(handle.id);
    expect(status.state).toBe('FAILURE');
    expect(status.error).toMatchObject({
      type: 'UnrecoverableError',
      message: expect.stringMatching(/not verified/),
    });

    const letter = await takeMessage(
      env.sqs,
      env.queue('email', 'high').dlq,
      (m) => attribute(m, 'lovage-id') === handle.id,
    );
    expect(attribute(letter, 'lovage-error-type')).toBe('UnrecoverableError');
    expect(attribute(letter, 'lovage-error-message')).toMatch(/not verified/);
    expect(JSON.parse(letter.Body ?? '{}')).toMatchObject({
      id: handle.id,
      task: 'email.send',
      v: 1,
    });
  });

  it('dead-letters a poison message without disturbing the rest of its batch', async () => {
    const ids = Array.from({ length: 4 }, () => `batch-${randomUUID()}`);
    const poisonId = `poison-${randomUUID()}`;
    const entries = ids.map((id, i) => ({
      Id: `ok${i}`,
      MessageBody: JSON.stringify({
        v: 1,
        id,
        task: 'email.check_quota',
        args: {},
        tier: 'low',
        createdAt: new Date().toISOString(),
      }),
    }));
    entries.push({
      Id: 'poison',
      MessageBody: JSON.stringify({
        v: 1,
        id: poisonId,
        task: 'email.check_quota',
        args: { warnAtPercent: 'lots' },
        tier: 'low',
        createdAt: new Date().toISOString(),
      }),
    });
    entries.push({ Id: 'garbage', MessageBody: 'this is not an envelope' });
    await env.sqs.send(
      new SendMessageBatchCommand({ QueueUrl: env.queue('email', 'low').url, Entries: entries }),
    );

    for (const id of ids) expect((await waitForFinish(id)).state).toBe('SUCCESS');
    const poison = await waitForFinish(poisonId);
    expect(poison).toMatchObject({ state: 'FAILURE', error: { type: 'PayloadValidationError' } });
    expect(poison.error?.message).toMatch(/warnAtPercent/);

    const dlq = env.queue('email', 'low').dlq;
    const poisonLetter = await takeMessage(
      env.sqs,
      dlq,
      (m) => attribute(m, 'lovage-id') === poisonId,
    );
    expect(attribute(poisonLetter, 'lovage-error-type')).toBe('PayloadValidationError');
    const garbage = await takeMessage(env.sqs, dlq, (m) => m.Body === 'this is not an envelope');
    expect(attribute(garbage, 'lovage-error-type')).toBe('EnvelopeError');
    expect(attribute(garbage, 'lovage-error-message')).toMatch(/body is not JSON/);
  });
});

describe('beat', () => {
  it('delivers the schedule tick to its queue and the worker runs it', async () => {
    const since = new Date(Date.now() - 5 * 60_000).toISOString();
    // rate(1 minute): the first tick comes at most a minute (plus the emulator's sweep) after deploy.
    const tick = await eventually(
      'a beat tick of email.check_quota to succeed',
      async () => {
        const records = await recordsOfTask(
          env.db,
          env.config.tableName,
          'email.check_quota',
          since,
        );
        return records.find(
          (r) => String(r.source) === 'beat:email-quota-check' && r.state === 'SUCCESS',
        );
      },
      { timeoutMs: 150_000, intervalMs: 2_000 },
    );
    expect(String(tick.id)).toMatch(/^beat:email-quota-check:/);
    expect(tick.result).toMatchObject({ max24HourSend: expect.any(Number) });
  });
});
