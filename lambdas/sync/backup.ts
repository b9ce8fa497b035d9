import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { BackupArgs } from '../../src/catalog/index.js';
import { BUCKET_PREFIXES } from '../../src/protocol/workload.js';
import type { TaskContext } from '../../src/runtime/index.js';
import { keySafe, toJsonLines } from '../shared/s3.js';

export interface BackupResult {
  readonly source: BackupArgs['source'];
  readonly items: number;
  readonly bytes: number;
  readonly key: string;
}

/**
 * `sync.backup`: scans a whole table (page by page, stopping if the task is
 * aborted) and writes it to `sync/backups/<source>/<date>/<task id>.jsonl`.
 */
export async function backup(
  db: DynamoDBDocumentClient,
  s3: S3Client,
  bucket: string,
  tables: Readonly<Record<BackupArgs['source'], string>>,
  args: BackupArgs,
  ctx: Pick<TaskContext, 'id' | 'signal'>,
  now = new Date(),
): Promise<BackupResult> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new ScanCommand({ TableName: tables[args.source], ExclusiveStartKey: start }),
      { abortSignal: ctx.signal },
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  const body = toJsonLines(items);
  const key = `${BUCKET_PREFIXES.sync}backups/${args.source}/${now.toISOString().slice(0, 10)}/${keySafe(ctx.id)}.jsonl`;
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: body,
      ContentType: 'application/x-ndjson',
    }),
    { abortSignal: ctx.signal },
  );
  return { source: args.source, items: items.length, bytes: Buffer.byteLength(body), key };
}
