import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { catalog } from '../../../src/catalog/index.js';
import { LovageClient } from '../../../src/client/index.js';
import { delayScheduleName } from '../../../src/protocol/delays.js';
import { shardOf } from '../../../src/protocol/records.js';
import { config } from './fixtures.js';

const db = mockClient(DynamoDBDocumentClient);
const scheduler = mockClient(SchedulerClient);
const lovage = new LovageClient(catalog, config, { scheduler: new SchedulerClient({}) });
const notFound = () =>
  new ResourceNotFoundException({ message: 'gone', Message: 'gone', $metadata: {} });
const conflict = () => new ConditionalCheckFailedException({ message: 'changed', $metadata: {} });

afterEach(() => {
  db.reset();
  scheduler.reset();
});

const pending = {
  pk: 'TASK#t1',
  sk: 'TASK',
  id: 't1',
  task: 'email.check_quota',
  state: 'PENDING',
  tier: 'low',
  attempt: 1,
  createdAt: '2026-11-23T10:00:00.000Z',
  updatedAt: '2026-11-23T10:00:00.000Z',
  scheduleName: delayScheduleName('t1', 1, 'email.check_quota'),
  history: [{ state: 'PENDING', at: '2026-11-23T10:00:00.000Z', attempt: 1 }],
};

describe('revoke', () => {
  it('marks a scheduled task REVOKED from the state it read, appends history and deletes its schedule', async () => {
    db.on(GetCommand).resolves({ Item: pending });
    db.on(UpdateCommand).resolves({});
    scheduler
      .on(DeleteScheduleCommand)
      .rejects(notFound())
      .on(DeleteScheduleCommand, { Name: pending.scheduleName })
      .resolves({});

    const result = await lovage.revoke('t1', { reason: 'order cancelled' });
    expect(result).toEqual({ id: 't1', state: 'REVOKED', revoked: true, scheduleDeleted: true });

    const update = db.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(update?.ConditionExpression).toBe('#state = :seen');
    expect(update?.ExpressionAttributeValues).toMatchObject({
      ':revoked': 'REVOKED',
      ':seen': 'PENDING',
      ':gsi2pk': `STATE#REVOKED#${shardOf('t1')}`,
      ':entry': [
        expect.objectContaining({ state: 'REVOKED', attempt: 1, note: 'order cancelled' }),
      ],
    });
    expect(update?.UpdateExpression).toMatch(/history = list_append\(if_not_exists\(history/);
    expect(String(update?.ExpressionAttributeValues?.[':gsi2sk'])).toMatch(/#t1$/);
    const deleted = scheduler.commandCalls(DeleteScheduleCommand).map((c) => c.args[0].input);
    expect(deleted).toContainEqual({ Name: pending.scheduleName, GroupName: 'delays' });
  });

  it('creates a REVOKED record for a task with none yet, so a later delivery is skipped', async () => {
    db.on(GetCommand).resolves({});
    db.on(PutCommand).resolves({});
    scheduler.on(DeleteScheduleCommand).rejects(notFound());

    const result = await lovage.revoke('t2', { task: 'email.send' });
    expect(result).toEqual({ id: 't2', state: 'REVOKED', revoked: true, scheduleDeleted: false });
    const put = db.commandCalls(PutCommand)[0]?.args[0].input;
    expect(put?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(put?.Item).toMatchObject({
      pk: 'TASK#t2',
      state: 'REVOKED',
      task: 'email.send',
      gsi1pk: `NAME#email.send#${shardOf('t2')}`,
      gsi2pk: `STATE#REVOKED#${shardOf('t2')}`,
      history: [expect.objectContaining({ state: 'REVOKED' })],
    });
  });

  it('leaves the by-name index alone when the task name is unknown', async () => {
    db.on(GetCommand).resolves({});
    db.on(PutCommand).resolves({});
    scheduler.on(DeleteScheduleCommand).rejects(notFound());
    await lovage.revoke('t3');
    const item = db.commandCalls(PutCommand)[0]?.args[0].input.Item;
    expect(item).not.toHaveProperty('gsi1pk');
    expect(item).toHaveProperty('gsi2pk', `STATE#REVOKED#${shardOf('t3')}`);
  });

  it('never overwrites a finished task', async () => {
    db.on(GetCommand).resolves({ Item: { ...pending, state: 'SUCCESS' } });
    const result = await lovage.revoke('t1');
    expect(result).toEqual({ id: 't1', state: 'SUCCESS', revoked: false, scheduleDeleted: false });
    expect(db.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(scheduler.calls()).toHaveLength(0);
  });

  it('reads again when the runtime wins the race, and then respects the result', async () => {
    db.on(GetCommand)
      .resolvesOnce({ Item: { ...pending, state: 'STARTED' } })
      .resolves({ Item: { ...pending, state: 'SUCCESS' } });
    db.on(UpdateCommand).rejects(conflict());
    const result = await lovage.revoke('t1');
    expect(result).toMatchObject({ state: 'SUCCESS', revoked: false });
    expect(db.commandCalls(GetCommand)).toHaveLength(2);
  });

  it('fails if the task name is not in the catalog', async () => {
    await expect(lovage.revoke('t1', { task: 'email.nope' })).rejects.toThrow(/unknown task/);
  });
});

describe('how long a revoke is remembered', () => {
  it('outlives SQS longest retention plus its longest delay, from now or from a later eta', async () => {
    const { revokedExpiry, REVOKED_RETENTION_SECONDS } = await import(
      '../../../src/client/revoke.js'
    );
    expect(REVOKED_RETENTION_SECONDS).toBe(14 * 86_400 + 900);
    const now = new Date('2026-11-30T10:00:00Z');
    const base = Math.floor(now.getTime() / 1000);
    expect(revokedExpiry(now, undefined)).toBe(base + REVOKED_RETENTION_SECONDS);
    expect(revokedExpiry(now, { eta: '2026-11-01T00:00:00Z' })).toBe(
      base + REVOKED_RETENTION_SECONDS,
    );
    const eta = '2027-03-01T00:00:00Z';
    expect(revokedExpiry(now, { eta })).toBe(Date.parse(eta) / 1000 + REVOKED_RETENTION_SECONDS);
  });
});
