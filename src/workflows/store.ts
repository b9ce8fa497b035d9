import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { type TaskRecord, taskKey } from '../protocol/records.js';

/** Most keys in one BatchGetItem. */
const BATCH_GET_KEYS = 100;
/** Tries of a batch's unprocessed keys (throttling), with growing pauses. */
const BATCH_GET_TRIES = 8;

/**
 * The task records of `ids` that exist, by id: BatchGetItem, 100 keys a request, consistent
 * reads, unprocessed keys tried again. `projection` limits the attributes read back (it does
 * not lower the read's cost).
 */
export async function taskRecords(
  db: DynamoDBDocumentClient,
  tableName: string,
  ids: readonly string[],
  projection?: readonly string[],
): Promise<Map<string, TaskRecord>> {
  const found = new Map<string, TaskRecord>();
  const names = projection
    ? Object.fromEntries(projection.map((name, i) => [`#p${i}`, name]))
    : undefined;
  for (let i = 0; i < ids.length; i += BATCH_GET_KEYS) {
    let keys: Record<string, unknown>[] | undefined = ids
      .slice(i, i + BATCH_GET_KEYS)
      .map((id) => taskKey(id));
    for (let tries = 1; keys && keys.length > 0; tries++) {
      if (tries > BATCH_GET_TRIES) {
        throw new Error(
          `BatchGetItem left ${keys.length} keys unprocessed after ${BATCH_GET_TRIES} tries`,
        );
      }
      if (tries > 1) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** tries));
      const out: BatchGetCommandOutput = await db.send(
        new BatchGetCommand({
          RequestItems: {
            [tableName]: {
              Keys: keys,
              ConsistentRead: true,
              ...(names
                ? {
                    ProjectionExpression: Object.keys(names).join(', '),
                    ExpressionAttributeNames: names,
                  }
                : {}),
            },
          },
        }),
      );
      for (const item of out.Responses?.[tableName] ?? []) {
        found.set(String(item.id), item as TaskRecord);
      }
      keys = out.UnprocessedKeys?.[tableName]?.Keys;
    }
  }
  return found;
}
