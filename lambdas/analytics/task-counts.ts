import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { INDEX_SHARDS, STATES, TABLE_KEYS, type TaskState } from '../../src/protocol/records.js';

/** Task name -> state -> number of records that reached that state in the window. */
export type TaskCounts = Record<string, Partial<Record<TaskState, number>>>;

export interface CountWindow {
  /** Inclusive, ISO time. */
  readonly from: string;
  /** Exclusive, ISO time. */
  readonly to: string;
}

/**
 * Counts task records by name and state whose last change falls in the
 * window, reading the sharded byState index (every state x every shard in
 * parallel, page by page; no Scan).
 */
export async function countTasks(
  db: DynamoDBDocumentClient,
  tableName: string,
  window: CountWindow,
  signal?: AbortSignal,
): Promise<TaskCounts> {
  const { name, partitionKey, sortKey } = TABLE_KEYS.byState;
  const counts: TaskCounts = {};
  const queries = STATES.flatMap((state) =>
    Array.from({ length: INDEX_SHARDS }, (_, shard) => ({ state, shard })),
  );
  await Promise.all(
    queries.map(async ({ state, shard }) => {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await db.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: name,
            KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
            ExpressionAttributeNames: { '#pk': partitionKey, '#sk': sortKey, '#task': 'task' },
            ExpressionAttributeValues: {
              ':pk': `STATE#${state}#${shard}`,
              ':from': window.from,
              // Sort keys are `<updatedAt>#<id>`; '#' sorts below every id character.
              ':to': window.to,
            },
            ProjectionExpression: '#task',
            ExclusiveStartKey: start,
          }),
          { abortSignal: signal },
        );
        for (const item of page.Items ?? []) {
          const task = String(item.task);
          const row = counts[task] ?? {};
          row[state] = (row[state] ?? 0) + 1;
          counts[task] = row;
        }
        start = page.LastEvaluatedKey;
      } while (start);
    }),
  );
  return counts;
}

/** Sum of every count, per state. */
export function totals(counts: TaskCounts): Partial<Record<TaskState, number>> {
  const sum: Partial<Record<TaskState, number>> = {};
  for (const row of Object.values(counts)) {
    for (const [state, n] of Object.entries(row) as [TaskState, number][]) {
      sum[state] = (sum[state] ?? 0) + n;
    }
  }
  return sum;
}

/** The UTC day `YYYY-MM-DD` as a window. */
export function dayWindow(date: string): CountWindow {
  const from = new Date(`${date}T00:00:00.000Z`);
  return { from: from.toISOString(), to: new Date(from.getTime() + 86_400_000).toISOString() };
}

/** `YYYY-MM-DD` of the day before `now`, UTC. */
export function yesterday(now: Date): string {
  return new Date(now.getTime() - 86_400_000).toISOString().slice(0, 10);
}
