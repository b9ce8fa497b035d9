import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import {
  DeleteMessageCommand,
  type Message,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { catalog } from '../../src/catalog/index.js';
import { LovageClient, type QueuePair } from '../../src/client/index.js';
import { INDEX_SHARDS, TABLE_KEYS } from '../../src/protocol/records.js';

/** Clients for the stack deployed by `npm run local:deploy` (or any stack named by LOVAGE_STACK_NAME). */
export async function deployed() {
  const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
  const dynamodb = new DynamoDBClient({});
  const lovage = await LovageClient.fromStack(catalog, { sqs, dynamodb });
  const queue = (category: string, tier: string): QueuePair => {
    const pair = lovage.config.queues[`${category}/${tier}`];
    if (!pair) throw new Error(`stack has no ${category}/${tier} queue`);
    return pair;
  };
  return { lovage, sqs, db: DynamoDBDocumentClient.from(dynamodb), queue, config: lovage.config };
}

/**
 * The sender every e-mail test uses. On the emulator the identity is created
 * (and verified) on the spot; against a real account set LOVAGE_TEST_SENDER to
 * an address on an identity you have verified.
 */
export async function verifiedSender(): Promise<string> {
  if (process.env.LOVAGE_TEST_SENDER) return process.env.LOVAGE_TEST_SENDER;
  const domain = 'lovage.test';
  await new SESv2Client({})
    .send(new CreateEmailIdentityCommand({ EmailIdentity: domain }))
    .catch((error: Error) => {
      if (error.name !== 'AlreadyExistsException') throw error;
    });
  return `noreply@${domain}`;
}

/** Polls `probe` until it returns something other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs = 60_000, intervalMs = 500 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`,
  );
}

/**
 * Receives from `queueUrl` until a message matching `match` turns up; deletes
 * and returns it. Others are made visible again at once.
 */
export async function takeMessage(
  sqs: SQSClient,
  queueUrl: string,
  match: (message: Message) => boolean,
  timeoutMs = 60_000,
): Promise<Message> {
  return eventually(
    `a matching message in ${queueUrl}`,
    async () => {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 2,
          MessageAttributeNames: ['All'],
          WaitTimeSeconds: 1,
        }),
      );
      const found = (out.Messages ?? []).find(match);
      if (found) {
        await sqs.send(
          new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: found.ReceiptHandle }),
        );
      }
      return found;
    },
    { timeoutMs, intervalMs: 200 },
  );
}

export async function purge(sqs: SQSClient, ...queueUrls: string[]): Promise<void> {
  await Promise.all(queueUrls.map((QueueUrl) => sqs.send(new PurgeQueueCommand({ QueueUrl }))));
}

/** Records of `task` created at or after `since`, newest first, read from the sharded byName index. */
export async function recordsOfTask(
  db: DynamoDBDocumentClient,
  tableName: string,
  task: string,
  since: string,
): Promise<Record<string, unknown>[]> {
  const { name, partitionKey, sortKey } = TABLE_KEYS.byName;
  const pages = await Promise.all(
    Array.from({ length: INDEX_SHARDS }, (_, shard) =>
      db.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: name,
          KeyConditionExpression: '#pk = :pk AND #sk >= :since',
          ExpressionAttributeNames: { '#pk': partitionKey, '#sk': sortKey },
          ExpressionAttributeValues: { ':pk': `NAME#${task}#${shard}`, ':since': since },
        }),
      ),
    ),
  );
  return pages
    .flatMap((p) => p.Items ?? [])
    .sort((a, b) => String(b[sortKey]).localeCompare(String(a[sortKey])));
}
