import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  ConflictException,
  CreateScheduleCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { catalog } from '../../../src/catalog/index.js';
import { LovageClient, ScheduleDeliveryError } from '../../../src/client/index.js';
import { delayScheduleName } from '../../../src/protocol/delays.js';
import { shardOf } from '../../../src/protocol/records.js';
import { config } from './fixtures.js';

const db = mockClient(DynamoDBDocumentClient);
const scheduler = mockClient(SchedulerClient);
const lovage = new LovageClient(catalog, config, { scheduler: new SchedulerClient({}) });

afterEach(() => {
  db.reset();
  scheduler.reset();
});

const farAway = () => new Date(Date.now() + 2 * 3_600_000);

describe('send with a far eta', () => {
  it('writes a PENDING record with eta and schedule name, then a self-deleting at() schedule to the tier queue', async () => {
    db.on(PutCommand).resolves({});
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    const eta = farAway();
    const expires = new Date(eta.getTime() + 60_000);
    const handle = await lovage.send('email.check_quota', {}, { id: 'late-1', eta, expires });

    const name = delayScheduleName('late-1', 1, 'email.check_quota');
    expect(handle).toEqual({
      id: 'late-1',
      task: 'email.check_quota',
      tier: 'low',
      delivery: 'schedule',
      scheduleName: name,
      eta: eta.toISOString(),
    });
    const put = db.commandCalls(PutCommand)[0]?.args[0].input;
    expect(put?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(put?.Item).toMatchObject({
      pk: 'TASK#late-1',
      state: 'PENDING',
      eta: eta.toISOString(),
      expires: expires.toISOString(),
      scheduleName: name,
      gsi1pk: `NAME#email.check_quota#${shardOf('late-1')}`,
      gsi2pk: `STATE#PENDING#${shardOf('late-1')}`,
      history: [expect.objectContaining({ state: 'PENDING', attempt: 1 })],
    });
    // Kept until the task's result TTL (3600 s for check_quota) after it is due.
    expect(put?.Item?.expiresAt).toBe(Math.ceil(eta.getTime() / 1000) + 3600);

    const request = scheduler.commandCalls(CreateScheduleCommand)[0]?.args[0].input;
    expect(request).toMatchObject({
      Name: name,
      GroupName: 'delays',
      ActionAfterCompletion: 'DELETE',
      ScheduleExpression: `at(${new Date(Math.ceil(eta.getTime() / 1000) * 1000).toISOString().slice(0, 19)})`,
      Target: {
        Arn: 'arn:aws:sqs:eu-west-1:123456789012:email-low',
        RoleArn: config.delayRoleArn,
      },
    });
    expect(JSON.parse(request?.Target?.Input ?? '')).toMatchObject({
      id: 'late-1',
      eta: eta.toISOString(),
      expires: expires.toISOString(),
    });
  });

  it('completes a half-done send: the record is there and PENDING, the schedule already exists', async () => {
    db.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'x', $metadata: {} }));
    db.on(GetCommand).resolves({
      Item: {
        id: 'late-2',
        state: 'PENDING',
        scheduleName: delayScheduleName('late-2', 1, 'email.check_quota'),
      },
    });
    scheduler
      .on(CreateScheduleCommand)
      .rejects(new ConflictException({ message: 'exists', Message: 'exists', $metadata: {} }));
    const handle = await lovage.send('email.check_quota', {}, { id: 'late-2', eta: farAway() });
    expect(handle.delivery).toBe('schedule');
    expect(scheduler.commandCalls(CreateScheduleCommand)).toHaveLength(1);
  });

  it('does not schedule an id that already ran (it runs once)', async () => {
    db.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'x', $metadata: {} }));
    db.on(GetCommand).resolves({ Item: { id: 'late-3', state: 'SUCCESS' } });
    await lovage.send('email.check_quota', {}, { id: 'late-3', eta: farAway() });
    expect(scheduler.calls()).toHaveLength(0);
  });

  it('throws ScheduleDeliveryError, saying a resend completes it, when the schedule cannot be created', async () => {
    db.on(PutCommand).resolves({});
    scheduler.on(CreateScheduleCommand).rejects(new Error('AccessDenied'));
    await expect(
      lovage.send('email.check_quota', {}, { id: 'late-4', eta: farAway() }),
    ).rejects.toThrow(ScheduleDeliveryError);
    await expect(
      lovage.send('email.check_quota', {}, { id: 'late-4', eta: farAway() }),
    ).rejects.toThrow(/sending again with the same id completes it/);
  });
});
