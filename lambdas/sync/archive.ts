import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ArchiveArgs } from '../../src/catalog/index.js';
import { type TaskRecord, taskKey } from '../../src/protocol/records.js';
import { BUCKET_PREFIXES, DATA_KEYS, DATA_KINDS } from '../../src/protocol/workload.js';
import type { TaskContext } from '../../src/runtime/index.js';
import { keySafe, toJsonLines } from '../shared/s3.js';

export interface ArchiveResult {
  /** Orders this run moved to S3 (in `key`) plus those it finished for an interrupted run. */
  readonly archived: number;
  /** This run's object, when it wrote one. */
  readonly key?: string;
  /** Objects of interrupted runs this run completed (their orders deleted). */
  readonly recovered: readonly string[];
}

/** Where `sync.archive` reads and what it checks claims against. */
export interface ArchiveTables {
  /** The domain table (orders). */
  readonly data: string;
  /** The task table: whether the run that claimed an order is still alive. */
  readonly tasks: string;
}

type Item = Record<string, unknown> & { pk: string; sk: string };

/** Attributes of a claim on an order, removed from what goes to S3. */
const CLAIM = ['archiveKey', 'archiveTask', 'archiveAttempt'] as const;
const DELETES_IN_FLIGHT = 10;

/**
 * `sync.archive`: closed orders older than the cut-off move to one object
 * per run, `sync/archive/orders/<date>/<task id>-a<attempt>.jsonl`, so that
 * every order ends in exactly one place, the table or one archive object:
 *
 * 1. claim: each order gets this run's object key, conditionally (an order
 *    claimed by a live run is left alone; two runs never take one order);
 * 2. write the object with exactly the claimed orders, never over an
 *    existing object (`If-None-Match: *`);
 * 3. delete each order, conditional on its claim, only after the object is stored.
 *
 * A run that died midway left claims; the next run finishes them: if the
 * dead run's object exists, the orders listed in it are deleted; if not,
 * nothing of them was deleted, and they are claimed afresh into this run's
 * object. A claimer is dead when its task record is no longer running that
 * attempt (finished, retrying, or its lease passed).
 */
export async function archiveOrders(
  db: DynamoDBDocumentClient,
  s3: S3Client,
  tables: ArchiveTables,
  bucket: string,
  args: ArchiveArgs,
  ctx: Pick<TaskContext, 'id' | 'attempt' | 'signal'>,
  now = new Date(),
): Promise<ArchiveResult> {
  const cutoff = new Date(now.getTime() - args.olderThanDays * 86_400_000).toISOString();
  const found = await closedOrders(db, tables.data, cutoff, args.limit, ctx.signal);
  const key = `${BUCKET_PREFIXES.sync}archive/orders/${now.toISOString().slice(0, 10)}/${keySafe(ctx.id)}-a${ctx.attempt}.jsonl`;

  const fresh: Item[] = [];
  const recovered: string[] = [];
  let archived = 0;
  for (const [claimKey, group] of groupByClaim(found)) {
    if (claimKey === undefined) {
      fresh.push(...group);
      continue;
    }
    const first = group[0] as Item;
    if (await claimerAlive(db, tables.tasks, first, now)) continue;
    const listed = await objectKeys(s3, bucket, claimKey);
    if (listed === undefined) {
      // The dead run's object was never written, so none of its orders were deleted.
      fresh.push(...group);
    } else {
      archived += await deleteClaimed(db, tables.data, listed, claimKey);
      recovered.push(claimKey);
    }
  }
  ctx.signal.throwIfAborted();

  const claimed = await claim(db, tables.data, fresh, key, ctx);
  if (claimed.length === 0) return { archived, recovered };
  ctx.signal.throwIfAborted();
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: toJsonLines(claimed.map(withoutClaim)),
      ContentType: 'application/x-ndjson',
      // Never over an earlier run's object: each key is written once.
      IfNoneMatch: '*',
    }),
    { abortSignal: ctx.signal },
  );
  archived += await deleteClaimed(db, tables.data, claimed, key);
  return { archived, key, recovered };
}

/** Closed orders created before `cutoff`, oldest first, at most `limit`. */
async function closedOrders(
  db: DynamoDBDocumentClient,
  table: string,
  cutoff: string,
  limit: number,
  signal: AbortSignal,
): Promise<Item[]> {
  const { name, partitionKey, sortKey } = DATA_KEYS.byKind;
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: table,
        IndexName: name,
        KeyConditionExpression: '#k = :kind AND #at < :cutoff',
        ExpressionAttributeNames: { '#k': partitionKey, '#at': sortKey },
        ExpressionAttributeValues: { ':kind': DATA_KINDS.closedOrder, ':cutoff': cutoff },
        ExclusiveStartKey: start,
        Limit: limit - items.length,
      }),
      { abortSignal: signal },
    );
    items.push(...((page.Items ?? []) as Item[]));
    start = page.LastEvaluatedKey;
  } while (start && items.length < limit);
  return items;
}

function groupByClaim(items: readonly Item[]): Map<string | undefined, Item[]> {
  const groups = new Map<string | undefined, Item[]>();
  for (const item of items) {
    const claimKey = typeof item.archiveKey === 'string' ? item.archiveKey : undefined;
    groups.set(claimKey, [...(groups.get(claimKey) ?? []), item]);
  }
  return groups;
}

/**
 * Whether the run that claimed `item` may still be working on it: its task
 * is STARTED or PROGRESS on the same attempt and its lease has not passed.
 */
export async function claimerAlive(
  db: DynamoDBDocumentClient,
  taskTable: string,
  item: Item,
  now: Date,
): Promise<boolean> {
  const out = await db.send(
    new GetCommand({
      TableName: taskTable,
      Key: taskKey(String(item.archiveTask)),
      ConsistentRead: true,
    }),
  );
  const record = out.Item as TaskRecord | undefined;
  return (
    record !== undefined &&
    (record.state === 'STARTED' || record.state === 'PROGRESS') &&
    record.attempt === item.archiveAttempt &&
    (record.leaseUntil === undefined || record.leaseUntil > now.getTime())
  );
}

/** The (pk, sk) of every order in object `key`, or undefined when there is no such object. */
async function objectKeys(s3: S3Client, bucket: string, key: string): Promise<Item[] | undefined> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  } catch (error) {
    if ((error as Error).name === 'NotFound' || (error as Error).name === 'NoSuchKey') {
      return undefined;
    }
    throw error;
  }
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const text = (await out.Body?.transformToString()) ?? '';
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const { pk, sk } = JSON.parse(line) as Item;
      return { pk, sk };
    });
}

/** Claims each of `items` for object `key`; resolves with the claimed orders as stored. */
async function claim(
  db: DynamoDBDocumentClient,
  table: string,
  items: readonly Item[],
  key: string,
  ctx: Pick<TaskContext, 'id' | 'attempt'>,
): Promise<Item[]> {
  const claimed = await Promise.all(
    items.map(async (item) => {
      const previous = typeof item.archiveKey === 'string' ? item.archiveKey : undefined;
      try {
        const out = await db.send(
          new UpdateCommand({
            TableName: table,
            Key: { pk: item.pk, sk: item.sk },
            UpdateExpression:
              'SET archiveKey = :key, archiveTask = :task, archiveAttempt = :attempt',
            ConditionExpression: `kind = :closed AND ${previous ? 'archiveKey = :previous' : 'attribute_not_exists(archiveKey)'}`,
            ExpressionAttributeValues: {
              ':key': key,
              ':task': ctx.id,
              ':attempt': ctx.attempt,
              ':closed': DATA_KINDS.closedOrder,
              ...(previous ? { ':previous': previous } : {}),
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return out.Attributes as Item;
      } catch (error) {
        // Claimed by another run, or gone: not ours to archive.
        if ((error as Error).name === 'ConditionalCheckFailedException') return undefined;
        throw error;
      }
    }),
  );
  return claimed.filter((item): item is Item => item !== undefined);
}

/** Deletes each order still claimed for `key`; resolves with how many this call deleted. */
async function deleteClaimed(
  db: DynamoDBDocumentClient,
  table: string,
  items: readonly Pick<Item, 'pk' | 'sk'>[],
  key: string,
): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < items.length; i += DELETES_IN_FLIGHT) {
    const results = await Promise.all(
      items.slice(i, i + DELETES_IN_FLIGHT).map((item) =>
        db
          .send(
            new DeleteCommand({
              TableName: table,
              Key: { pk: item.pk, sk: item.sk },
              ConditionExpression: 'archiveKey = :key',
              ExpressionAttributeValues: { ':key': key },
            }),
          )
          .then(
            () => 1,
            (error: Error) => {
              // Already deleted (by this run's earlier try, or the run that wrote the object).
              if (error.name === 'ConditionalCheckFailedException') return 0;
              throw error;
            },
          ),
      ),
    );
    deleted += results.reduce<number>((a, b) => a + b, 0);
  }
  return deleted;
}

function withoutClaim(item: Item): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...item };
  for (const attribute of CLAIM) delete copy[attribute];
  return copy;
}
