import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Catalog } from '../catalog/index.js';
import {
  FINISHED_STATES,
  INDEX_SHARDS,
  STATES,
  TABLE_KEYS,
  type TaskRecord,
  taskKey,
} from '../protocol/records.js';
import { mapLimit, sleep } from './concurrency.js';
import { QueryOptionsError, WaitTimeoutError } from './errors.js';
import type { ListOptions, TaskStatus, WaitOptions } from './types.js';

/** Partition queries of one `list` call in flight at once. */
const LIST_CONCURRENCY = 16;
export const LIST_DEFAULT_LIMIT = 50;
export const LIST_MAX_LIMIT = 1000;

/**
 * Reads the task's record. A task with no record yet is PENDING (Celery's
 * meaning: unknown or not started).
 *
 * @example
 * const status = await getTask(db, config.tableName, id);
 * if (status.state === 'FAILURE') console.error(status.error);
 */
export async function getTask(
  db: DynamoDBDocumentClient,
  tableName: string,
  id: string,
): Promise<TaskStatus> {
  const out = await db.send(
    new GetCommand({ TableName: tableName, Key: taskKey(id), ConsistentRead: true }),
  );
  return out.Item ? toStatus(out.Item as TaskRecord) : { id, state: 'PENDING' };
}

/**
 * Polls `read` until the task is SUCCESS, FAILURE, REVOKED or EXPIRED, with
 * growing pauses; throws WaitTimeoutError naming the last state seen.
 *
 * @example
 * const done = await waitFor(id, () => getTask(db, table, id), { timeoutMs: 30_000 });
 */
export async function waitFor(
  id: string,
  read: () => Promise<TaskStatus>,
  options: WaitOptions = {},
): Promise<TaskStatus> {
  const { timeoutMs = 60_000, intervalMs = 250, maxIntervalMs = 2_000 } = options;
  for (const [name, value] of Object.entries({ timeoutMs, intervalMs, maxIntervalMs })) {
    if (!Number.isFinite(value) || value < 0) {
      throw new QueryOptionsError(`${name} (${value}) must be a finite number of ms, 0 or more`);
    }
  }
  const deadline = Date.now() + timeoutMs;
  let pause = intervalMs;
  for (;;) {
    const status = await read();
    options.onPoll?.(status);
    if (FINISHED_STATES.includes(status.state)) return status;
    const left = deadline - Date.now();
    if (left <= 0) throw new WaitTimeoutError(id, status.state, timeoutMs);
    await sleep(Math.min(pause, left));
    pause = Math.min(maxIntervalMs, pause * 1.5);
  }
}

/**
 * Recent tasks, newest first, from the sharded GSIs (never a Scan): by state
 * through `byState` (ordered by last update, filtered by task if given), else
 * by task name through `byName` (ordered by creation; all catalog tasks when
 * no task is given). Every shard is queried in parallel and the pages merged.
 * `parentId` / `rootId` filter what the index returns: a task's children are
 * found among the tasks of the window, page by page.
 *
 * @example
 * const failures = await listTasks(db, table, catalog, { state: 'FAILURE', since: new Date(Date.now() - 3600_000) });
 */
export async function listTasks(
  db: DynamoDBDocumentClient,
  tableName: string,
  catalog: Catalog,
  options: ListOptions = {},
): Promise<TaskStatus[]> {
  const { limit, since } = validateListOptions(catalog, options);

  const index = options.state ? TABLE_KEYS.byState : TABLE_KEYS.byName;
  const partitions = options.state
    ? shards((shard) => `STATE#${options.state}#${shard}`)
    : (options.task ? [options.task] : [...catalog.tasks.keys()]).flatMap((task) =>
        shards((shard) => `NAME#${task}#${shard}`),
      );
  const base: QueryCommandInput = {
    TableName: tableName,
    IndexName: index.name,
    KeyConditionExpression: '#pk = :pk AND #sk >= :since',
    ExpressionAttributeNames: { '#pk': index.partitionKey, '#sk': index.sortKey },
    ExpressionAttributeValues: { ':since': since },
    ScanIndexForward: false,
  };
  // What the index's key cannot select is filtered; pages are followed until `limit` match.
  const filters = {
    task: options.state ? options.task : undefined,
    parentId: options.parentId,
    rootId: options.rootId,
  };
  const conditions: string[] = [];
  for (const [attribute, value] of Object.entries(filters)) {
    if (value === undefined) continue;
    conditions.push(`#${attribute} = :${attribute}`);
    base.ExpressionAttributeNames = {
      ...base.ExpressionAttributeNames,
      [`#${attribute}`]: attribute,
    };
    base.ExpressionAttributeValues = {
      ...base.ExpressionAttributeValues,
      [`:${attribute}`]: value,
    };
  }
  if (conditions.length > 0) base.FilterExpression = conditions.join(' AND ');
  const pages = await mapLimit(partitions, LIST_CONCURRENCY, (pk) =>
    queryPartition(
      db,
      { ...base, ExpressionAttributeValues: { ...base.ExpressionAttributeValues, ':pk': pk } },
      limit,
    ),
  );
  return pages
    .flat()
    .sort((a, b) => String(b[index.sortKey]).localeCompare(String(a[index.sortKey])))
    .slice(0, limit)
    .map((item) => toStatus(item as unknown as TaskRecord));
}

/** The newest `limit` items of one index partition (following pages when a filter thins them out). */
async function queryPartition(
  db: DynamoDBDocumentClient,
  input: QueryCommandInput,
  limit: number,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db.send(
      new QueryCommand({ ...input, Limit: limit, ...(start ? { ExclusiveStartKey: start } : {}) }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start && items.length < limit);
  return items.slice(0, limit);
}

/**
 * The checks of {@link listTasks} that need no table: limit, state, task name (UnknownTaskError)
 * and since, so that a tool can reject bad input before it looks for a stack.
 *
 * @example
 * validateListOptions(catalog, { task: 'email.sendd' }); // throws UnknownTaskError
 */
export function validateListOptions(
  catalog: Catalog,
  options: ListOptions = {},
): { limit: number; since: string } {
  const limit = options.limit ?? LIST_DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > LIST_MAX_LIMIT) {
    throw new QueryOptionsError(
      `limit (${limit}) must be a whole number from 1 to ${LIST_MAX_LIMIT}`,
    );
  }
  if (options.state !== undefined && !STATES.includes(options.state)) {
    throw new QueryOptionsError(`state '${options.state}' is not one of ${STATES.join(', ')}`);
  }
  if (options.task !== undefined) catalog.task(options.task);
  return { limit, since: sinceOf(options.since) };
}

const shards = (key: (shard: number) => string) =>
  Array.from({ length: INDEX_SHARDS }, (_, shard) => key(shard));

function sinceOf(value: ListOptions['since']): string {
  if (value === undefined) return new Date(Date.now() - 86_400_000).toISOString();
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new QueryOptionsError(`since (${String(value)}) must be a valid Date or ISO-8601 time`);
  }
  return date.toISOString();
}

/** The public view of a stored record: no key attributes, leases or TTLs. */
export function toStatus(item: TaskRecord): TaskStatus {
  const optional = [
    'task',
    'tier',
    'attempt',
    'result',
    'durationMs',
    'error',
    'progress',
    'history',
    'createdAt',
    'updatedAt',
    'startedAt',
    'finishedAt',
    'eta',
    'expires',
    'correlationId',
    'parentId',
    'rootId',
    'workflowId',
    'source',
    'args',
  ] as const;
  const status: Record<string, unknown> = { id: item.id, state: item.state };
  for (const key of optional) if (item[key] !== undefined) status[key] = item[key];
  return status as unknown as TaskStatus;
}
