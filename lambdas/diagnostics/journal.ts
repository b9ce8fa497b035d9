import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { TaskContext } from '../../src/runtime/index.js';

/** Partition of a drill task's journal in the task table (never a task item: those are `TASK#<id>`). */
export const journalPartition = (taskId: string) => `DRILL#${taskId}`;

/** Key of one drill run in the task table. */
export const journalKey = (taskId: string, attempt: number) => ({
  pk: journalPartition(taskId),
  sk: `RUN#${String(attempt).padStart(3, '0')}#${randomUUID()}`,
});

/**
 * Writes one journal item for this run before the drill does anything else,
 * so the drills count the handler runs really made (a crashed run included).
 */
export async function writeJournal(
  db: DynamoDBDocumentClient,
  tableName: string,
  ctx: Pick<TaskContext, 'id' | 'attempt'>,
): Promise<void> {
  await db.send(
    new PutCommand({
      TableName: tableName,
      Item: {
        ...journalKey(ctx.id, ctx.attempt),
        attempt: ctx.attempt,
        at: new Date().toISOString(),
        expiresAt: Math.floor(Date.now() / 1000) + 86_400,
      },
    }),
  );
}

/** Wraps a drill so that, with `journal: true` in its payload, each run is journaled first. */
export function journaled<A extends { journal: boolean }, R>(
  write: (ctx: TaskContext) => Promise<void>,
  drill: (args: A, ctx: TaskContext) => Promise<R>,
): (args: A, ctx: TaskContext) => Promise<R> {
  return async (args, ctx) => {
    if (args.journal) await write(ctx);
    return drill(args, ctx);
  };
}
