import { randomUUID } from 'node:crypto';
import {
  CloudFormationClient,
  DescribeStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { countOf, readTotals, type StatsSource } from '../../src/ops/stats.js';
import { ReactionError, statisticsReactor, type TaskChange } from '../../src/stream/index.js';
import { awsJson } from '../helpers/aws-json.js';
import { deployed, eventually } from '../helpers/deployed.js';
import { type Env, finished } from './runtime-helpers.js';

let env: Env;
let stats: StatsSource;

beforeAll(async () => {
  env = await deployed();
  const statsTable = env.config.statsTableName;
  if (!statsTable) throw new Error('the stack has no StatsTableName output; deploy this version');
  stats = { db: DynamoDBDocumentClient.from(new DynamoDBClient({})), statsTable };
});

const succeededOf = async (task: string) => {
  const [totals] = await readTotals(stats, [task]);
  return totals ? countOf(totals.counters, 'SUCCESS') : 0;
};

/** The task table's stream records of these task ids, in stream order, read with the Streams API. */
async function streamRecords(ids: ReadonlySet<string>): Promise<DynamoDBRecord[]> {
  const table = await new DynamoDBClient({}).send(
    new DescribeTableCommand({ TableName: env.config.tableName }),
  );
  const streamArn = table.Table?.LatestStreamArn;
  if (!streamArn) throw new Error('the task table has no stream');
  const described = await awsJson<{ StreamDescription: { Shards: { ShardId: string }[] } }>(
    'dynamodb',
    'DynamoDBStreams_20120810.DescribeStream',
    { StreamArn: streamArn },
  );
  const records: DynamoDBRecord[] = [];
  for (const { ShardId } of described.StreamDescription.Shards) {
    let { ShardIterator } = await awsJson<{ ShardIterator?: string }>(
      'dynamodb',
      'DynamoDBStreams_20120810.GetShardIterator',
      { StreamArn: streamArn, ShardId, ShardIteratorType: 'TRIM_HORIZON' },
    );
    while (ShardIterator) {
      const page = await awsJson<{ Records?: DynamoDBRecord[]; NextShardIterator?: string }>(
        'dynamodb',
        'DynamoDBStreams_20120810.GetRecords',
        { ShardIterator, Limit: 1000 },
      );
      for (const r of page.Records ?? []) {
        const pk = r.dynamodb?.Keys?.pk?.S ?? '';
        if (ids.has(pk.slice('TASK#'.length))) records.push({ ...r, eventSourceARN: streamArn });
      }
      if (!page.Records?.length) break;
      ShardIterator = page.NextShardIterator;
    }
  }
  return records;
}

async function observerName(): Promise<string> {
  const out = await new CloudFormationClient({}).send(
    new DescribeStackResourcesCommand({ StackName: env.config.stackName }),
  );
  const fn = out.StackResources?.find(
    (r) =>
      r.ResourceType === 'AWS::Lambda::Function' &&
      r.LogicalResourceId?.startsWith('StreamObserverFunction'),
  );
  if (!fn?.PhysicalResourceId) throw new Error('no task stream observer in the stack');
  return fn.PhysicalResourceId;
}

describe('the task stream observer counts each change once', () => {
  it('a replayed batch of real stream records changes no count', async () => {
    const k = 5;
    const before = await succeededOf('diagnostics.ping');
    const { sent } = await env.lovage.sendMany(
      Array.from({ length: k }, () => ({
        task: 'diagnostics.ping' as const,
        args: { message: 'replay' },
      })),
    );
    await Promise.all(sent.map((s) => finished(env, s.id)));
    await eventually('the pings counted', async () =>
      (await succeededOf('diagnostics.ping')) - before >= k ? true : undefined,
    );
    const counted = await succeededOf('diagnostics.ping');
    expect(counted - before).toBe(k);

    const records = await streamRecords(new Set(sent.map((s) => s.id)));
    // STARTED and SUCCESS for each task, at least.
    expect(records.length).toBeGreaterThanOrEqual(2 * k);
    const lambda = new LambdaClient({});
    const FunctionName = await observerName();
    const deliver = async (batch: DynamoDBRecord[]) => {
      const out = await lambda.send(
        new InvokeCommand({
          FunctionName,
          Payload: Buffer.from(JSON.stringify({ Records: batch })),
        }),
      );
      expect(out.FunctionError).toBeUndefined();
      return JSON.parse(Buffer.from(out.Payload ?? []).toString('utf8'));
    };
    // As the stream would redeliver: the whole batch, again, then bisected halves.
    const half = Math.ceil(records.length / 2);
    for (const batch of [records, records, records.slice(0, half), records.slice(half)]) {
      expect(await deliver(batch)).toEqual({ batchItemFailures: [] });
    }
    expect(await succeededOf('diagnostics.ping')).toBe(counted);
  });
});

/** Synthetic committed changes of a task of its own, so no other traffic touches its counters. */
function changes(task: string, n: number): TaskChange[] {
  const at = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    eventId: randomUUID(),
    kind: 'MODIFY' as const,
    at,
    before: {
      id: `t${i}`,
      task,
      tier: 'normal',
      state: 'STARTED' as const,
      attempt: 1,
      createdAt: '',
      updatedAt: '',
    },
    after: {
      id: `t${i}`,
      task,
      tier: 'normal',
      state: 'SUCCESS' as const,
      attempt: 1,
      createdAt: '',
      updatedAt: '',
      durationMs: 5 + i,
    },
  }));
}

describe('the statistics reactor against the emulated DynamoDB', () => {
  it('after a failure between two transactions, the redelivered batch counts only what was missing', async () => {
    const task = `replay.partial-${randomUUID().slice(0, 8)}`;
    const batch = changes(task, 150); // more than one TransactWriteItems (100 actions)
    const failing = new DynamoDBClient({});
    let transactions = 0;
    failing.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'TransactWriteItemsCommand' && ++transactions === 2) {
          throw Object.assign(new Error('injected: connection reset'), { name: 'NetworkingError' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'failSecondTransaction' },
    );
    const broken = statisticsReactor({
      db: DynamoDBDocumentClient.from(failing),
      tableName: stats.statsTable,
    });
    const error = await broken.react(batch).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReactionError);
    const firstUnhandled = batch.findIndex(
      (c) => c.eventId === (error as ReactionError).firstUnhandled,
    );
    expect(firstUnhandled).toBeGreaterThan(0);
    expect(await succeededOf(task)).toBe(firstUnhandled);

    const healthy = statisticsReactor({ db: stats.db, tableName: stats.statsTable });
    // The stream redelivers from the failed record; a bisect or retry may send the whole batch too.
    await healthy.react(batch.slice(firstUnhandled));
    await healthy.react(batch);
    expect(await succeededOf(task)).toBe(150);
  });

  it('two deliveries of one batch racing each other count it once', async () => {
    const task = `replay.race-${randomUUID().slice(0, 8)}`;
    const batch = changes(task, 40);
    const reactor = (shard: number) =>
      statisticsReactor({ db: stats.db, tableName: stats.statsTable, random: () => shard / 4 });
    await Promise.all([reactor(0).react(batch), reactor(1).react(batch), reactor(0).react(batch)]);
    const [totals] = await readTotals(stats, [task]);
    expect(totals && countOf(totals.counters, 'SUCCESS')).toBe(40);
    expect(totals?.counters.durationCount).toBe(40);
    expect(totals?.counters.histogram.reduce((a, b) => a + b, 0)).toBe(40);
  });
});
