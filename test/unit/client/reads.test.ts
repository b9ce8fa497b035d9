import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { catalog } from '../../../src/catalog/index.js';
import { LovageClient, QueryOptionsError, WaitTimeoutError } from '../../../src/client/index.js';
import { INDEX_SHARDS } from '../../../src/protocol/records.js';
import { config } from './fixtures.js';

const db = mockClient(DynamoDBDocumentClient);
const lovage = new LovageClient(catalog, config);

afterEach(() => db.reset());

const item = (id: string, at: string, state = 'SUCCESS') => ({
  pk: `TASK#${id}`,
  sk: 'TASK',
  id,
  task: 'email.check_quota',
  state,
  tier: 'low',
  attempt: 1,
  createdAt: at,
  updatedAt: at,
  gsi1sk: `${at}#${id}`,
  gsi2sk: `${at}#${id}`,
  leaseUntil: 1,
  expiresAt: 2,
});

describe('get', () => {
  it('reads the record consistently and returns state, result, progress and history without internals', async () => {
    db.on(GetCommand).resolves({
      Item: {
        ...item('a', '2026-11-23T10:00:00.000Z', 'PROGRESS'),
        progress: { current: 3, total: 10, at: '2026-11-23T10:00:01.000Z' },
        history: [{ state: 'STARTED', at: '2026-11-23T10:00:00.000Z', attempt: 1 }],
      },
    });
    const status = await lovage.get('a');
    expect(db.commandCalls(GetCommand)[0]?.args[0].input).toMatchObject({
      Key: { pk: 'TASK#a', sk: 'TASK' },
      ConsistentRead: true,
    });
    expect(status).toMatchObject({
      id: 'a',
      state: 'PROGRESS',
      progress: { current: 3, total: 10 },
    });
    expect(status.history).toHaveLength(1);
    expect(status).not.toHaveProperty('pk');
    expect(status).not.toHaveProperty('leaseUntil');
  });

  it('reports a task with no record as PENDING', async () => {
    db.on(GetCommand).resolves({});
    expect(await lovage.get('nobody')).toEqual({ id: 'nobody', state: 'PENDING' });
  });
});

describe('wait', () => {
  it('polls until the task finishes', async () => {
    db.on(GetCommand)
      .resolvesOnce({})
      .resolvesOnce({ Item: item('w', '2026-11-23T10:00:00.000Z', 'STARTED') })
      .resolves({ Item: item('w', '2026-11-23T10:00:00.000Z', 'SUCCESS') });
    const status = await lovage.wait('w', { intervalMs: 1 });
    expect(status.state).toBe('SUCCESS');
    expect(db.commandCalls(GetCommand)).toHaveLength(3);
  });

  it('throws WaitTimeoutError naming the task, the timeout and the last state', async () => {
    db.on(GetCommand).resolves({ Item: item('slow', '2026-11-23T10:00:00.000Z', 'STARTED') });
    const error = await lovage.wait('slow', { timeoutMs: 30, intervalMs: 5 }).catch((e) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(error.message).toBe(
      "task 'slow' did not finish within timeoutMs (30 ms); its last state was STARTED",
    );
  });
});

describe('list', () => {
  it('fans out over every byState shard and merges newest first, up to the limit', async () => {
    db.on(QueryCommand).callsFake((input) => {
      const shard = Number(String(input.ExpressionAttributeValues[':pk']).split('#').pop());
      // Shard s holds tasks updated at minute s and s + 10, newest first like DynamoDB with ScanIndexForward false.
      const minutes = [shard + 10, shard];
      return {
        Items: minutes.map((m) =>
          item(`s${shard}m${m}`, `2026-11-23T10:${String(m).padStart(2, '0')}:00.000Z`, 'FAILURE'),
        ),
      };
    });
    const found = await lovage.list({ state: 'FAILURE', since: '2026-11-23T09:00:00Z', limit: 5 });
    const queries = db.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(queries.map((q) => q.ExpressionAttributeValues?.[':pk']).sort()).toEqual(
      Array.from({ length: INDEX_SHARDS }, (_, s) => `STATE#FAILURE#${s}`),
    );
    expect(queries[0]).toMatchObject({
      IndexName: 'byState',
      ScanIndexForward: false,
      ExpressionAttributeValues: { ':since': '2026-11-23T09:00:00.000Z' },
    });
    expect(found.map((t) => t.id)).toEqual(['s7m17', 's6m16', 's5m15', 's4m14', 's3m13']);
  });

  it('lists one task by name through byName', async () => {
    db.on(QueryCommand).resolves({ Items: [] });
    await lovage.list({ task: 'email.send' });
    const pks = db
      .commandCalls(QueryCommand)
      .map((c) => c.args[0].input.ExpressionAttributeValues?.[':pk']);
    expect(pks).toHaveLength(INDEX_SHARDS);
    expect(pks.every((pk) => String(pk).startsWith('NAME#email.send#'))).toBe(true);
    expect(db.commandCalls(QueryCommand)[0]?.args[0].input.IndexName).toBe('byName');
  });

  it('filters a state listing by task and follows pages the filter thinned out', async () => {
    db.on(QueryCommand)
      .resolvesOnce({ Items: [], LastEvaluatedKey: { pk: 'x' } })
      .resolves({ Items: [item('f', '2026-11-23T10:00:00.000Z', 'FAILURE')] });
    const found = await lovage.list({ state: 'FAILURE', task: 'email.check_quota', limit: 1 });
    expect(found.map((t) => t.id)).toEqual(['f']);
    expect(db.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
      FilterExpression: '#task = :task',
      ExpressionAttributeValues: { ':task': 'email.check_quota' },
    });
  });

  it('lists every catalog task when neither task nor state is given', async () => {
    db.on(QueryCommand).resolves({ Items: [] });
    await lovage.list();
    expect(db.commandCalls(QueryCommand)).toHaveLength(catalog.tasks.size * INDEX_SHARDS);
  });

  it('fails if the limit, state or since is out of range', async () => {
    await expect(lovage.list({ limit: 0 })).rejects.toThrow(QueryOptionsError);
    await expect(lovage.list({ limit: 1001 })).rejects.toThrow(/limit \(1001\)/);
    // @ts-expect-error not a state
    await expect(lovage.list({ state: 'DONE' })).rejects.toThrow(/state 'DONE'/);
    await expect(lovage.list({ since: 'yesterday' })).rejects.toThrow(/since \(yesterday\)/);
    expect(db.calls()).toHaveLength(0);
  });
});
