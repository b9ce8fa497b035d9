import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { Catalog } from '../catalog/index.js';
import { CELERY_ENV } from '../protocol/env.js';
import type { TaskRecord } from '../protocol/records.js';
import type { TaskChange, TaskChangeReactor } from '../stream/types.js';
import {
  CELERY_ITEM,
  type CeleryMeta,
  celeryMeta,
  isMirrored,
  recordVersion,
  resultItem,
  sameMeta,
} from './result-items.js';

/** Result TTL of a record that carries no `expiresAt` (Lovage's default). */
const DEFAULT_TTL_SECONDS = 86_400;

/** One item to write: a task's newest state in a batch of changes. */
export interface PlannedWrite {
  readonly meta: CeleryMeta;
  readonly version: string;
  /** Epoch seconds: the task record's own `expiresAt`, so both go together. */
  readonly expiresAt: number;
}

/** What one call of {@link CeleryResultMirror.mirror} did. */
export interface MirrorReport {
  /** Items put. */
  readonly written: number;
  /** Items not put: the table already held a SUCCESS or a newer state. */
  readonly refused: number;
}

export interface CeleryResultMirrorOptions {
  readonly db: DynamoDBClient;
  /** The Celery result table (hash key `id`). */
  readonly tableName: string;
  /**
   * Result TTL in seconds of a task whose record has no `expiresAt`.
   * @default 86400
   */
  readonly resultTtlSeconds?: (task: string) => number | undefined;
  /** @default Date.now */
  readonly clock?: () => number;
  /**
   * Puts in flight at once.
   * @default 16
   */
  readonly concurrency?: number;
}

/**
 * Decides what a batch of task changes writes (pure). Per task, only its
 * newest state in the batch is written: the item is the task's current
 * state, as Celery's own backend keeps it, so a state superseded within one
 * batch costs nothing. A task whose state reads the same to Celery before
 * and after the batch (a schedule noted, a revoked run's note) is skipped.
 * REMOVE (TTL) changes are ignored: the item has its own TTL.
 */
export function planWrites(
  changes: readonly TaskChange[],
  ttlOf: (record: TaskRecord) => number,
): PlannedWrite[] {
  const tasks = new Map<string, { first: TaskChange; last: TaskRecord }>();
  for (const change of changes) {
    const after = change.after;
    if (!after || !isMirrored(after, change.kind === 'INSERT')) continue;
    const seen = tasks.get(after.id);
    tasks.set(after.id, { first: seen?.first ?? change, last: after });
  }
  const writes: PlannedWrite[] = [];
  for (const { first, last } of tasks.values()) {
    const meta = celeryMeta(last);
    if (!meta) continue;
    if (first.before && sameMeta(celeryMeta(first.before), meta)) continue;
    writes.push({ meta, version: recordVersion(last), expiresAt: ttlOf(last) });
  }
  return writes;
}

/**
 * Mirrors Celery-originated tasks into the Celery result table, in the
 * layout Celery's stock DynamoDB backend reads, so `AsyncResult(id).get()`
 * in Python returns or raises: a {@link TaskChangeReactor} for the task
 * stream observer. Every put is conditional: it never replaces a SUCCESS
 * (Celery's own rule) and never replaces an item computed from a newer
 * record ({@link recordVersion}), so a batch delivered again, or late,
 * rewrites the same items and loses no state.
 *
 * @example
 * const reactors = [new CeleryResultMirror({ db: new DynamoDBClient({}), tableName })];
 */
export class CeleryResultMirror implements TaskChangeReactor {
  readonly name = 'celery-results';

  /**
   * The mirror configured by the stack (`LOVAGE_CELERY_RESULT_TABLE`), or
   * `undefined` when the stack has no Celery result table.
   */
  static fromEnvironment(
    catalog?: Catalog,
    env: NodeJS.ProcessEnv = process.env,
  ): CeleryResultMirror | undefined {
    const tableName = env[CELERY_ENV.resultTable];
    if (!tableName) return undefined;
    return new CeleryResultMirror({
      db: new DynamoDBClient({}),
      tableName,
      resultTtlSeconds: (task) => catalog?.tasks.get(task)?.resultTtlSeconds,
    });
  }

  constructor(private readonly options: CeleryResultMirrorOptions) {}

  async react(changes: readonly TaskChange[]): Promise<void> {
    await this.mirror(changes);
  }

  /**
   * {@link react}, reporting what was written. Every planned put is tried;
   * if any failed for a reason other than its condition, the first such
   * error is thrown afterwards, so the observer retries the batch.
   */
  async mirror(changes: readonly TaskChange[]): Promise<MirrorReport> {
    const now = (this.options.clock ?? Date.now)();
    const writes = planWrites(changes, (record) => this.expiresAt(record, now));
    let written = 0;
    let refused = 0;
    const errors: unknown[] = [];
    const queue = [...writes];
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        try {
          if (await this.put(next, now)) written++;
          else refused++;
        } catch (error) {
          errors.push(error);
        }
      }
    };
    const lanes = Math.max(1, Math.min(this.options.concurrency ?? 16, writes.length));
    await Promise.all(Array.from({ length: lanes }, worker));
    if (errors.length > 0) throw errors[0];
    return { written, refused };
  }

  /** One conditional put; false when the condition refused it. */
  private async put(write: PlannedWrite, now: number): Promise<boolean> {
    try {
      await this.options.db.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: resultItem(write.meta, { expiresAt: write.expiresAt, version: write.version, now }),
          ConditionExpression:
            'attribute_not_exists(#id) OR (#status <> :success AND ' +
            '(attribute_not_exists(#version) OR #version <= :version))',
          ExpressionAttributeNames: {
            '#id': CELERY_ITEM.key,
            '#status': CELERY_ITEM.status,
            '#version': CELERY_ITEM.version,
          },
          ExpressionAttributeValues: {
            ':success': { S: 'SUCCESS' },
            ':version': { S: write.version },
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private expiresAt(record: TaskRecord, now: number): number {
    const own = (record as { expiresAt?: unknown }).expiresAt;
    if (typeof own === 'number' && Number.isFinite(own)) return own;
    const ttl = this.options.resultTtlSeconds?.(record.task) ?? DEFAULT_TTL_SECONDS;
    return Math.floor(now / 1000) + ttl;
  }
}
