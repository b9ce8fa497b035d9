import { randomUUID } from 'node:crypto';
import {
  DeleteRuleCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { queueArnOf, type TaskStatus } from '../../src/client/index.js';
import { atExpression } from '../../src/protocol/delays.js';
import { taskKey } from '../../src/protocol/records.js';
import { deployed, eventually, takeMessage, verifiedSender } from '../helpers/deployed.js';

let env: Awaited<ReturnType<typeof deployed>>;
let sender: string;
const scheduler = new SchedulerClient({});
const started = new Date(Date.now() - 1000);

beforeAll(async () => {
  env = await deployed();
  sender = await verifiedSender();
});

/** The schedule in the delay group, or undefined once it is gone. */
async function delaySchedule(name: string) {
  try {
    return await scheduler.send(
      new GetScheduleCommand({ Name: name, GroupName: env.config.delayScheduleGroup }),
    );
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

const item = async (id: string) =>
  (await env.db.send(new GetCommand({ TableName: env.config.tableName, Key: taskKey(id) }))).Item;

describe('send, get, wait', () => {
  it('sends an e-mail task, waits for SUCCESS and reads its result', async () => {
    const handle = await env.lovage.send(
      'email.send',
      {
        from: sender,
        to: ['success@simulator.amazonses.com'],
        subject: 'client test',
        text: 'hello',
      },
      { correlationId: 'client-it' },
    );
    expect(handle).toMatchObject({ task: 'email.send', tier: 'high', delivery: 'queue' });
    const status = await env.lovage.wait(handle.id, { timeoutMs: 90_000 });
    expect(status).toMatchObject({ id: handle.id, state: 'SUCCESS', task: 'email.send' });
    expect(status.result).toMatchObject({ messageId: expect.stringMatching(/.+/), recipients: 1 });
    expect((await item(handle.id))?.state).toBe('SUCCESS');
  });

  it('runs a countdown task no earlier than its eta (SQS DelaySeconds)', async () => {
    const handle = await env.lovage.send(
      'email.check_quota',
      { warnAtPercent: 99 },
      { countdownSeconds: 5 },
    );
    expect(handle.delivery).toBe('queue');
    const status = await env.lovage.wait(handle.id, { timeoutMs: 90_000 });
    expect(status.state).toBe('SUCCESS');
    expect(Date.parse(status.startedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(handle.eta ?? ''));
  });

  it('times out waiting for a task that never runs, with a WaitTimeoutError', async () => {
    const id = `never-${randomUUID()}`;
    await expect(env.lovage.wait(id, { timeoutMs: 1_500 })).rejects.toThrow(
      `task '${id}' did not finish within timeoutMs (1500 ms); its last state was PENDING`,
    );
  });
});

describe('eta beyond 15 minutes', () => {
  it('creates a self-deleting one-time schedule with the envelope, and revoke deletes it', async () => {
    const handle = await env.lovage.send('email.check_quota', {}, { countdownSeconds: 3_600 });
    expect(handle.delivery).toBe('schedule');
    const name = handle.scheduleName ?? '';

    const schedule = await delaySchedule(name);
    expect(schedule).toMatchObject({
      GroupName: env.config.delayScheduleGroup,
      ScheduleExpression: atExpression(new Date(handle.eta ?? '')),
      ActionAfterCompletion: 'DELETE',
      Target: {
        Arn: queueArnOf(env.config, env.queue('email', 'low').url),
        RoleArn: env.config.delayRoleArn,
      },
    });
    expect(JSON.parse(schedule?.Target?.Input ?? '')).toMatchObject({
      v: 1,
      id: handle.id,
      task: 'email.check_quota',
      eta: handle.eta,
    });
    const pending = await env.lovage.get(handle.id);
    expect(pending).toMatchObject({ state: 'PENDING', eta: handle.eta });
    expect((await item(handle.id))?.scheduleName).toBe(name);

    const revoked = await env.lovage.revoke(handle.id, { reason: 'integration test' });
    expect(revoked).toEqual({
      id: handle.id,
      state: 'REVOKED',
      revoked: true,
      scheduleDeleted: true,
    });
    expect(await delaySchedule(name)).toBeUndefined();
    const status = await env.lovage.get(handle.id);
    expect(status.state).toBe('REVOKED');
    expect(status.history?.map((h) => [h.state, h.note])).toEqual([
      ['PENDING', `scheduled for ${handle.eta}`],
      ['REVOKED', 'integration test'],
    ]);
  });

  it('delivers a near eta through the same one-time schedule path, which fires, runs and deletes itself', async () => {
    const handle = await env.lovage.send(
      'email.check_quota',
      { warnAtPercent: 95 },
      { countdownSeconds: 12, viaScheduler: true },
    );
    expect(handle.delivery).toBe('schedule');
    expect(await delaySchedule(handle.scheduleName ?? '')).toBeDefined();
    expect((await env.lovage.get(handle.id)).state).toBe('PENDING');

    // The emulator's Scheduler sweeps every 10 s, so allow a few sweeps.
    const status = await env.lovage.wait(handle.id, { timeoutMs: 120_000 });
    expect(status.state).toBe('SUCCESS');
    expect(status.result).toMatchObject({ max24HourSend: expect.any(Number) });
    expect(Date.parse(status.startedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(handle.eta ?? ''));
    expect(await delaySchedule(handle.scheduleName ?? '')).toBeUndefined();
  });
});

describe('revoke', () => {
  it('skips a queued task that was revoked before it was delivered', async () => {
    const { sent, failed } = await env.lovage.sendMany([
      { task: 'email.check_quota', args: {}, options: { countdownSeconds: 4 } },
      { task: 'email.check_quota', args: {}, options: { countdownSeconds: 4 } },
    ]);
    expect(failed).toEqual([]);
    const [victim, sentinel] = sent;
    const result = await env.lovage.revoke(victim?.id ?? '');
    expect(result).toMatchObject({ state: 'REVOKED', revoked: true });

    // The sentinel went out in the same batch with the same delay: once it has run, the victim was delivered too.
    expect((await env.lovage.wait(sentinel?.id ?? '', { timeoutMs: 90_000 })).state).toBe(
      'SUCCESS',
    );
    const victimStatus = await eventually(
      'the revoked copy to be delivered and acknowledged',
      async () => {
        const attributes = await env.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: env.queue('email', 'low').url,
            AttributeNames: ['ApproximateNumberOfMessagesDelayed'],
          }),
        );
        return Number(attributes.Attributes?.ApproximateNumberOfMessagesDelayed ?? 1) === 0
          ? env.lovage.get(victim?.id ?? '')
          : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(victimStatus.state).toBe('REVOKED');
    expect(victimStatus.result).toBeUndefined();
    expect(victimStatus.startedAt).toBeUndefined();
  });

  it('leaves a finished task as it is', async () => {
    const handle = await env.lovage.send('email.check_quota', {});
    await env.lovage.wait(handle.id, { timeoutMs: 90_000 });
    expect(await env.lovage.revoke(handle.id)).toEqual({
      id: handle.id,
      state: 'SUCCESS',
      revoked: false,
      scheduleDeleted: false,
    });
    expect((await item(handle.id))?.state).toBe('SUCCESS');
  });
});

describe('list', () => {
  it('finds this file’s tasks through the indexes, newest first, by task and by state', async () => {
    const byTask = await env.lovage.list({ task: 'email.check_quota', since: started, limit: 200 });
    expect(byTask.length).toBeGreaterThanOrEqual(4);
    const created = byTask.map((t) => t.createdAt ?? '');
    expect(created).toEqual([...created].sort().reverse());
    expect(byTask.every((t) => t.task === 'email.check_quota')).toBe(true);

    const revoked = await env.lovage.list({ state: 'REVOKED', since: started });
    expect(revoked.length).toBeGreaterThanOrEqual(2);
    expect(revoked.every((t: TaskStatus) => t.state === 'REVOKED')).toBe(true);

    const two = await env.lovage.list({ state: 'SUCCESS', task: 'email.check_quota', limit: 2 });
    expect(two).toHaveLength(2);
    expect(two.every((t) => t.state === 'SUCCESS' && t.task === 'email.check_quota')).toBe(true);
  });
});

describe('publish', () => {
  it('puts a domain event on the stack bus, where a rule delivers it', async () => {
    const events = new EventBridgeClient({});
    const marker = randomUUID();
    const source = `lovage.client-test.${marker.slice(0, 8)}`;
    const queue = await env.sqs.send(
      new CreateQueueCommand({ QueueName: `client-events-${marker}` }),
    );
    const url = queue.QueueUrl ?? '';
    const arn = queueArnOf(env.config, url);
    const rule = `client-test-${marker.slice(0, 8)}`;
    await env.sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: url,
        Attributes: {
          Policy: JSON.stringify({
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'events.amazonaws.com' },
                Action: 'sqs:SendMessage',
                Resource: arn,
              },
            ],
          }),
        },
      }),
    );
    await events.send(
      new PutRuleCommand({
        Name: rule,
        EventBusName: env.config.eventBusName,
        EventPattern: JSON.stringify({ source: [source] }),
      }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: rule,
        EventBusName: env.config.eventBusName,
        Targets: [{ Id: 'q', Arn: arn }],
      }),
    );
    try {
      const eventId = await env.lovage.publish({
        source,
        detailType: 'OrderPlaced',
        detail: { orderId: marker },
      });
      const message = await takeMessage(env.sqs, url, (m) => (m.Body ?? '').includes(marker));
      expect(JSON.parse(message.Body ?? '')).toMatchObject({
        id: eventId,
        source,
        'detail-type': 'OrderPlaced',
        detail: { orderId: marker },
      });
    } finally {
      await events.send(
        new RemoveTargetsCommand({ Rule: rule, EventBusName: env.config.eventBusName, Ids: ['q'] }),
      );
      await events.send(
        new DeleteRuleCommand({ Name: rule, EventBusName: env.config.eventBusName }),
      );
      await env.sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
    }
  });
});
