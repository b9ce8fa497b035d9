import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { bucketOf, DURATION_BUCKETS_SECONDS } from '../../../src/protocol/stats.js';
import { contributionOf, statisticsReactor } from '../../../src/stream/index.js';
import { change, record } from './fixtures.js';

const started = record('STARTED');

describe('contributionOf', () => {
  it('counts a finished run by tier and state, its duration bucket and, for failures, its error type', () => {
    const failed = record('FAILURE', {
      tier: 'high',
      durationMs: 130,
      error: { type: 'TypeError', message: 'x' },
    });
    expect(contributionOf(change(failed, started))).toEqual({
      task: 'diagnostics.ping',
      minute: '2026-11-23T10:00',
      add: {
        'c:high:FAILURE': 1,
        'e:TypeError': 1,
        [`h:${bucketOf(130)}`]: 1,
        dsum: 130,
        dcount: 1,
      },
    });
  });

  it('counts nothing for STARTED, PROGRESS or a change that keeps the state', () => {
    expect(contributionOf(change(started))).toBeUndefined();
    expect(contributionOf(change(record('PROGRESS'), started))).toBeUndefined();
    expect(contributionOf(change(record('REVOKED'), record('REVOKED')))).toBeUndefined();
  });

  it('counts a revoke without a duration and files unknown task names under (unknown)', () => {
    expect(
      contributionOf(change(record('REVOKED', { task: 'made.up' })), new Set(['diagnostics.ping'])),
    ).toEqual({
      task: '(unknown)',
      minute: '2026-11-23T10:00',
      add: { 'c:normal:REVOKED': 1 },
    });
  });
});

describe('duration buckets', () => {
  it('are fixed, log-spaced and inclusive of their upper bound', () => {
    expect(DURATION_BUCKETS_SECONDS).toHaveLength(61);
    for (let i = 1; i < DURATION_BUCKETS_SECONDS.length; i++) {
      const ratio =
        (DURATION_BUCKETS_SECONDS[i] as number) / (DURATION_BUCKETS_SECONDS[i - 1] as number);
      expect(ratio).toBeGreaterThan(1.19);
      expect(ratio).toBeLessThan(1.34);
    }
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(1)).toBe(0);
    expect(bucketOf(1.01)).toBe(1);
    expect(bucketOf(1_000_000)).toBe(60);
    expect(bucketOf(1_000_001)).toBe(61);
  });
});

describe('statisticsReactor transactions', () => {
  const db = mockClient(DynamoDBDocumentClient);
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
  const transactions = () =>
    db.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems ?? []);
  beforeEach(() => {
    db.reset();
    db.on(TransactWriteCommand).resolves({});
    db.on(UpdateCommand).resolves({});
  });

  it('never puts more than 100 actions in one transaction, markers first, and counts every change', async () => {
    const batch = Array.from({ length: 250 }, (_, i) =>
      change(
        record('SUCCESS', {
          id: `t${i}`,
          task: ['a.x', 'b.y', 'c.z'][i % 3] as string,
          durationMs: 5,
        }),
        started,
      ),
    );
    await statisticsReactor({ db: client, tableName: 'stats', random: () => 0 }).react(batch);
    const all = transactions();
    expect(all.length).toBeGreaterThan(2);
    let markers = 0;
    let counted = 0;
    for (const items of all) {
      expect(items.length).toBeLessThanOrEqual(100);
      const firstUpdate = items.findIndex((a) => a.Update);
      expect(
        items
          .slice(0, firstUpdate)
          .every((a) => a.Put?.ConditionExpression === 'attribute_not_exists(pk)'),
      ).toBe(true);
      markers += firstUpdate;
      for (const action of items.slice(firstUpdate)) {
        const {
          Key,
          ExpressionAttributeNames = {},
          ExpressionAttributeValues = {},
        } = action.Update ?? {};
        if (!String(Key?.pk).startsWith('TOTAL#')) continue;
        const name = Object.entries(ExpressionAttributeNames).find(
          ([, v]) => v === 'c:normal:SUCCESS',
        )?.[0];
        counted += Number(ExpressionAttributeValues[`:${name?.slice(1)}`]);
      }
    }
    expect(markers).toBe(250);
    expect(counted).toBe(250);
  });

  it('drops a change whose marker already exists and writes the rest again', async () => {
    const batch = Array.from({ length: 3 }, (_, i) =>
      change(record('SUCCESS', { id: `t${i}` }), started),
    );
    db.on(TransactWriteCommand).rejectsOnce(
      new TransactionCanceledException({
        message: 'cancelled',
        $metadata: {},
        CancellationReasons: [
          { Code: 'None' },
          { Code: 'ConditionalCheckFailed' },
          { Code: 'None' },
          { Code: 'None' },
          { Code: 'None' },
        ],
      }),
    );
    await statisticsReactor({ db: client, tableName: 'stats' }).react(batch);
    const [first, second] = transactions();
    expect(first?.filter((a) => a.Put)).toHaveLength(3);
    expect(second?.filter((a) => a.Put).map((a) => a.Put?.Item?.pk)).toEqual([
      `CHANGE#${batch[0]?.eventId}`,
      `CHANGE#${batch[2]?.eventId}`,
    ]);
  });
});
