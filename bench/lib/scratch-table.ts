import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  type DynamoDBClient,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';

/**
 * Creates an on-demand table with string keys (hash, then range) under a fresh name and waits
 * until it exists; the bench deletes it when done.
 *
 * @example
 * const table = await scratchTable(db, ['pk', 'sk']);
 */
export async function scratchTable(
  db: DynamoDBClient,
  keys: [string, ...string[]],
  prefix = 'lovage-bench',
): Promise<string> {
  const name = `${prefix}-${randomUUID().slice(0, 8)}`;
  await db.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: keys.map((k, i) => ({ AttributeName: k, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
      AttributeDefinitions: keys.map((k) => ({ AttributeName: k, AttributeType: 'S' })),
    }),
  );
  await waitUntilTableExists({ client: db, maxWaitTime: 60 }, { TableName: name });
  return name;
}
