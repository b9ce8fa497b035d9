import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SystemHealthArgs } from '../../src/catalog/index.js';
import { INDEX_SHARDS, TABLE_KEYS } from '../../src/protocol/records.js';
import type { TaskContext } from '../../src/runtime/index.js';
import { expiresInDays } from '../shared/env.js';
import type { AppRegistry } from './apps.js';

export interface SystemHealth {
  readonly status: 'ok' | 'degraded';
  readonly failures: number;
  readonly appsDown: readonly string[];
  readonly window: { readonly from: string; readonly to: string };
}

/** `degraded` when failures exceed the limit or any application is down. */
export function assess(
  failures: number,
  appsDown: readonly string[],
  maxFailures: number,
): SystemHealth['status'] {
  return failures > maxFailures || appsDown.length > 0 ? 'degraded' : 'ok';
}

/**
 * `monitoring.system_health`: counts FAILURE records of the last window in
 * the task table (sharded byState index, COUNT only) and the registered
 * applications whose last check was down; stores the snapshot under
 * `HEALTH#system` (latest and history).
 */
export async function systemHealth(
  db: DynamoDBDocumentClient,
  taskTable: string,
  registry: AppRegistry,
  args: SystemHealthArgs,
  ctx: Pick<TaskContext, 'signal'>,
  now = new Date(),
): Promise<SystemHealth> {
  const window = {
    from: new Date(now.getTime() - args.windowMinutes * 60_000).toISOString(),
    to: now.toISOString(),
  };
  const { name, partitionKey, sortKey } = TABLE_KEYS.byState;
  const counts = await Promise.all(
    Array.from({ length: INDEX_SHARDS }, async (_, shard) => {
      let count = 0;
      let start: Record<string, unknown> | undefined;
      do {
        const page = await db.send(
          new QueryCommand({
            TableName: taskTable,
            IndexName: name,
            KeyConditionExpression: '#pk = :pk AND #sk >= :from',
            ExpressionAttributeNames: { '#pk': partitionKey, '#sk': sortKey },
            ExpressionAttributeValues: { ':pk': `STATE#FAILURE#${shard}`, ':from': window.from },
            Select: 'COUNT',
            ExclusiveStartKey: start,
          }),
          { abortSignal: ctx.signal },
        );
        count += page.Count ?? 0;
        start = page.LastEvaluatedKey;
      } while (start);
      return count;
    }),
  );
  const failures = counts.reduce((a, b) => a + b, 0);
  const appsDown = (await registry.all()).filter((a) => a.lastStatus === 'down').map((a) => a.name);
  const health: SystemHealth = {
    status: assess(failures, appsDown, args.maxFailures),
    failures,
    appsDown,
    window,
  };
  for (const sk of ['LATEST', `AT#${window.to}`]) {
    await db.send(
      new PutCommand({
        TableName: registry.tableName,
        Item: {
          pk: 'HEALTH#system',
          sk,
          ...health,
          ...(sk === 'LATEST' ? {} : { expiresAt: expiresInDays(7) }),
        },
      }),
    );
  }
  return health;
}
