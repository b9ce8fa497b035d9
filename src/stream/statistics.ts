import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  bucketOf,
  COUNTED_STATES,
  type CountedState,
  DEFAULT_STATS_RETENTION_DAYS,
  MARKER_TTL_SECONDS,
  MAX_ERROR_TYPE_LENGTH,
  minuteOf,
  STAT_ATTRIBUTES,
  STATS_SHARDS,
  statsKeys,
  UNKNOWN_TASK,
} from '../protocol/stats.js';
import { ReactionError } from './errors.js';
import type { TaskChange, TaskChangeReactor } from './types.js';

/** TransactWriteItems takes at most 100 actions. */
const MAX_ACTIONS = 100;
/** Attempts of one transaction that conflicts with a concurrent one on the same counters. */
const MAX_CONFLICT_RETRIES = 8;

/** What one committed change adds to its task's counters. */
export interface Contribution {
  readonly task: string;
  readonly minute: string;
  /** Counter attribute -> amount. */
  readonly add: Readonly<Record<string, number>>;
}

/**
 * What a change counts for, or undefined when it counts for nothing: the
 * task entered SUCCESS, FAILURE, RETRY, REVOKED or EXPIRED (by tier); a
 * failed run (RETRY or FAILURE) also counts its error type; a run that
 * finished (SUCCESS, FAILURE, RETRY with `durationMs`) adds its duration to
 * the histogram. The minute is the commit time's, so a redelivered change
 * lands in the same minute.
 */
export function contributionOf(
  change: TaskChange,
  knownTasks?: ReadonlySet<string>,
): Contribution | undefined {
  const { before, after } = change;
  if (!after || before?.state === after.state) return undefined;
  const state = COUNTED_STATES.find((s) => s === after.state) as CountedState | undefined;
  if (!state) return undefined;
  const add: Record<string, number> = {
    [STAT_ATTRIBUTES.count(after.tier ?? 'unknown', state)]: 1,
  };
  if ((state === 'FAILURE' || state === 'RETRY') && after.error?.type) {
    add[STAT_ATTRIBUTES.error(after.error.type.slice(0, MAX_ERROR_TYPE_LENGTH))] = 1;
  }
  const duration = Number(after.durationMs);
  if (
    (state === 'SUCCESS' || state === 'FAILURE' || state === 'RETRY') &&
    after.durationMs !== undefined &&
    Number.isFinite(duration)
  ) {
    add[STAT_ATTRIBUTES.bucket(bucketOf(duration))] = 1;
    add[STAT_ATTRIBUTES.durationSum] = Math.max(0, duration);
    add[STAT_ATTRIBUTES.durationCount] = 1;
  }
  const task = !knownTasks || knownTasks.has(after.task) ? after.task : UNKNOWN_TASK;
  return { task, minute: minuteOf(change.at), add };
}

export interface StatisticsReactorOptions {
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Catalog task names; others are counted under UNKNOWN_TASK. @defaultValue every name is kept */
  readonly knownTasks?: ReadonlySet<string>;
  /** @defaultValue DEFAULT_STATS_RETENTION_DAYS */
  readonly retentionDays?: number;
  /** @defaultValue Math.random (picks the shard of a batch and jitters retries) */
  readonly random?: () => number;
}

interface Counted {
  readonly change: TaskChange;
  readonly contribution: Contribution;
}

/**
 * Per-minute and running statistics of every task, counted exactly once per
 * change. Each group of changes is one TransactWriteItems: for every change
 * a marker item `CHANGE#<eventId>` that must not exist yet, and for every
 * (task, minute) and task total the sum of the group's contributions. A
 * change that was counted before (a redelivered batch, a retry after a
 * partial failure, a bisected batch) fails its marker's condition; the
 * transaction then writes nothing, the change is dropped from the group and
 * the rest is written again. A crash between two groups leaves the first
 * one counted with its markers, so the redelivery skips exactly it.
 */
export function statisticsReactor(options: StatisticsReactorOptions): TaskChangeReactor {
  const name = 'statistics';
  const random = options.random ?? Math.random;
  const retentionSeconds = (options.retentionDays ?? DEFAULT_STATS_RETENTION_DAYS) * 86_400;
  return {
    name,
    async react(changes) {
      const counted = changes.flatMap((change) => {
        const contribution = contributionOf(change, options.knownTasks);
        return contribution ? [{ change, contribution }] : [];
      });
      const shard = Math.floor(random() * STATS_SHARDS) % STATS_SHARDS;
      const build = (group: readonly Counted[]) =>
        transaction(options.tableName, group, shard, retentionSeconds);
      for (const group of groups(counted)) {
        try {
          await writeOnce(options.db, group, build, random);
        } catch (error) {
          const first = group[0] as Counted;
          throw new ReactionError(
            name,
            first.change.eventId,
            `could not count ${group.length} change(s): ${(error as Error).message}`,
            { cause: error },
          );
        }
      }
      await noteBeatTicks(options.db, options.tableName, changes);
    },
  };
}

/** Splits changes, in stream order, into groups that fit one transaction each. */
function groups(counted: readonly Counted[]): Counted[][] {
  const out: Counted[][] = [];
  let current: Counted[] = [];
  let keys = new Set<string>();
  for (const item of counted) {
    const { task, minute } = item.contribution;
    const added = [`M${task}\u0000${minute}`, `T${task}`].filter((k) => !keys.has(k));
    if (current.length + 1 + keys.size + added.length > MAX_ACTIONS) {
      out.push(current);
      current = [];
      keys = new Set();
      added.splice(0, added.length, `M${task}\u0000${minute}`, `T${task}`);
    }
    current.push(item);
    for (const k of added) keys.add(k);
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Writes a group, dropping changes already counted, retrying conflicts with backoff. */
async function writeOnce(
  db: DynamoDBDocumentClient,
  group: readonly Counted[],
  build: (group: readonly Counted[]) => TransactWriteCommandInput,
  random: () => number,
): Promise<void> {
  let left = [...group];
  let conflicts = 0;
  while (left.length > 0) {
    try {
      await db.send(new TransactWriteCommand(build(left)));
      return;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      // Markers are the first actions, one per change, in the same order.
      const seen = new Set(
        left.filter((_, i) => reasons[i]?.Code === 'ConditionalCheckFailed').map((c) => c.change),
      );
      if (seen.size > 0) {
        left = left.filter((c) => !seen.has(c.change));
        continue;
      }
      const retryable = reasons.some(
        (r) => r.Code === 'TransactionConflict' || r.Code === 'ThrottlingError',
      );
      if (!retryable || ++conflicts > MAX_CONFLICT_RETRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, 2 ** conflicts * 10 * (0.5 + random())));
    }
  }
}

/** Markers first (their index is the change's), then one update per minute item and per total. */
function transaction(
  tableName: string,
  group: readonly Counted[],
  shard: number,
  retentionSeconds: number,
): TransactWriteCommandInput {
  const now = Math.floor(Date.now() / 1000);
  const markers = group.map(({ change, contribution }) => ({
    Put: {
      TableName: tableName,
      Item: {
        ...statsKeys.marker(change.eventId),
        task: contribution.task,
        expiresAt: now + MARKER_TTL_SECONDS,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  }));
  const sums = new Map<
    string,
    { key: Record<string, string>; task: string; expiresAt?: number; add: Record<string, number> }
  >();
  const addTo = (
    id: string,
    make: () => { key: Record<string, string>; task: string; expiresAt?: number },
    add: Readonly<Record<string, number>>,
  ) => {
    const entry = sums.get(id) ?? { ...make(), add: {} };
    for (const [name, amount] of Object.entries(add))
      entry.add[name] = (entry.add[name] ?? 0) + amount;
    sums.set(id, entry);
  };
  for (const { contribution } of group) {
    const { task, minute, add } = contribution;
    addTo(
      `M${task}\u0000${minute}`,
      () => ({
        key: statsKeys.minute(task, minute, shard),
        task,
        expiresAt: Math.floor(Date.parse(`${minute}:00Z`) / 1000) + retentionSeconds,
      }),
      add,
    );
    addTo(`T${task}`, () => ({ key: statsKeys.total(task, shard), task }), add);
  }
  const updates = [...sums.values()].map(({ key, task, expiresAt, add }) => {
    const names: Record<string, string> = { '#task': 'task' };
    const values: Record<string, unknown> = { ':task': task };
    const adds = Object.entries(add).map(([name, amount], i) => {
      names[`#a${i}`] = name;
      values[`:a${i}`] = amount;
      return `#a${i} :a${i}`;
    });
    const sets = ['#task = :task'];
    if (expiresAt !== undefined) {
      names['#exp'] = 'expiresAt';
      values[':exp'] = expiresAt;
      sets.push('#exp = :exp');
    }
    return {
      Update: {
        TableName: tableName,
        Key: key,
        UpdateExpression: `SET ${sets.join(', ')} ADD ${adds.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
  });
  return { TransactItems: [...markers, ...updates] };
}

/**
 * Remembers when each beat schedule last produced a task (its first write
 * carries `source: beat:<name>`), for the health check's "schedule has not
 * fired" reason. Idempotent: it only ever moves the time forward.
 */
async function noteBeatTicks(
  db: DynamoDBDocumentClient,
  tableName: string,
  changes: readonly TaskChange[],
): Promise<void> {
  const latest = new Map<string, number>();
  for (const { kind, after, at } of changes) {
    if (kind !== 'INSERT' || !after?.source?.startsWith('beat:')) continue;
    const schedule = after.source.slice('beat:'.length);
    latest.set(schedule, Math.max(latest.get(schedule) ?? 0, at));
  }
  await Promise.all(
    [...latest].map(([schedule, at]) =>
      db
        .send(
          new UpdateCommand({
            TableName: tableName,
            Key: statsKeys.beat(schedule),
            UpdateExpression: 'SET lastAt = :at',
            ConditionExpression: 'attribute_not_exists(lastAt) OR lastAt < :at',
            ExpressionAttributeValues: { ':at': new Date(at).toISOString() },
          }),
        )
        .catch((error: Error) => {
          if (error.name !== 'ConditionalCheckFailedException') throw error;
        }),
    ),
  );
}
