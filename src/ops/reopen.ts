import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { indexKeys, taskKey } from '../protocol/records.js';

/**
 * FAILURE -> PENDING, so a redriven envelope runs again instead of being acknowledged as a
 * duplicate of a finished task. Returns false when the task is not in FAILURE (it ran again,
 * was revoked). A task with no record needs no reopening: the runtime runs it anyway.
 *
 * @example
 * if (await reopenFailedTask(db, tableName, id)) await resend(letter);
 */
export async function reopenFailedTask(
  db: DynamoDBDocumentClient,
  tableName: string,
  id: string,
  attempt = 1,
  now = new Date(),
): Promise<boolean> {
  const at = now.toISOString();
  const { gsi2pk, gsi2sk } = indexKeys({
    id,
    task: '',
    state: 'PENDING',
    createdAt: '',
    updatedAt: at,
  });
  try {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: taskKey(id),
        UpdateExpression:
          'SET #state = :pending, updatedAt = :at, gsi2pk = :gsi2pk, gsi2sk = :gsi2sk, #history = list_append(if_not_exists(#history, :empty), :entry) REMOVE finishedAt, leaseUntil',
        ConditionExpression: 'attribute_exists(pk) AND #state = :failure',
        ExpressionAttributeNames: { '#state': 'state', '#history': 'history' },
        ExpressionAttributeValues: {
          ':pending': 'PENDING',
          ':failure': 'FAILURE',
          ':at': at,
          ':gsi2pk': gsi2pk,
          ':gsi2sk': gsi2sk,
          ':empty': [],
          ':entry': [
            { state: 'PENDING', at, attempt, note: 'redriven from the dead-letter queue' },
          ],
        },
      }),
    );
    return true;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const current = await db.send(
      new GetCommand({ TableName: tableName, Key: taskKey(id), ConsistentRead: true }),
    );
    return current.Item === undefined;
  }
}
