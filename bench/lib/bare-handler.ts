/**
 * The bare pipeline's function (bench/lib/bare-pipeline.ts): what an SQS → Lambda → DynamoDB
 * job does with nothing around it. Each record's body is `{"id": "..."}`; the handler writes
 * one item per record with the time it was done, all records of a batch at once, and reports
 * the records whose write failed as batch item failures.
 */
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

const db = new DynamoDBClient({});
const table = process.env.BARE_TABLE;

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const failed: SQSBatchResponse['batchItemFailures'] = [];
  await Promise.all(
    event.Records.map(async (record) => {
      try {
        const { id } = JSON.parse(record.body) as { id: string };
        await db.send(
          new PutItemCommand({
            TableName: table,
            Item: { id: { S: id }, doneAt: { N: String(Date.now()) } },
          }),
        );
      } catch {
        failed.push({ itemIdentifier: record.messageId });
      }
    }),
  );
  return { batchItemFailures: failed };
}
