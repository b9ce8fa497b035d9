import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  BatchWriteCommand,
  type BatchWriteCommandOutput,
  type DynamoDBDocumentClient,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ArchiveArgs } from '../../src/catalog/index.js';
import { BUCKET_PREFIXES, DATA_KEYS } from '../../src/protocol/workload.js';
import type { TaskContext } from '../../src/runtime/index.js';
import { keySafe, toJsonLines } from '../shared/s3.js';

/** Kind of a filled order on the byKind index (written by the orders category). */
export const CLOSED_ORDER_KIND = 'CLOSED_ORDER';

export interface ArchiveResult {
  readonly archived: number;
  readonly key?: string;
}

/**
 * `sync.archive`: closed orders older than the cut-off go to
 * `sync/archive/orders/<date>/<task id>.jsonl`, then leave the table. The
 * object is written before anything is deleted, so a crash in between only
 * archives some orders twice (a re-run writes the same key).
 */
export async function archiveOrders(
  db: DynamoDBDocumentClient,
  s3: S3Client,
  tableName: string,
  bucket: string,
  args: ArchiveArgs,
  ctx: Pick<TaskContext, 'id' | 'signal'>,
  now = new Date(),
): Promise<ArchiveResult> {
  const cutoff = new Date(now.getTime() - args.olderThanDays * 86_400_000).toISOString();
  const { name, partitionKey, sortKey } = DATA_KEYS.byKind;
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: name,
        KeyConditionExpression: '#k = :kind AND #at < :cutoff',
        ExpressionAttributeNames: { '#k': partitionKey, '#at': sortKey },
        ExpressionAttributeValues: { ':kind': CLOSED_ORDER_KIND, ':cutoff': cutoff },
        ExclusiveStartKey: start,
        Limit: args.limit - items.length,
      }),
      { abortSignal: ctx.signal },
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start && items.length < args.limit);
  if (items.length === 0) return { archived: 0 };

  const key = `${BUCKET_PREFIXES.sync}archive/orders/${now.toISOString().slice(0, 10)}/${keySafe(ctx.id)}.jsonl`;
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: toJsonLines(items),
      ContentType: 'application/x-ndjson',
    }),
  );
  for (let i = 0; i < items.length; i += 25) {
    let requests:
      | NonNullable<ConstructorParameters<typeof BatchWriteCommand>[0]['RequestItems']>[string]
      | undefined = items.slice(i, i + 25).map((item) => ({
      DeleteRequest: { Key: { pk: item.pk, sk: item.sk } },
    }));
    while (requests && requests.length > 0) {
      const out: BatchWriteCommandOutput = await db.send(
        new BatchWriteCommand({ RequestItems: { [tableName]: requests } }),
      );
      requests = out.UnprocessedItems?.[tableName];
    }
  }
  return { archived: items.length, key };
}
