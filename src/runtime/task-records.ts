import {
  type AttributeValue,
  ConditionalCheckFailedException,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Envelope } from '../protocol/envelope.js';
import {
  type FailingMark,
  type HistoryEntry,
  indexKeys,
  type ProgressMeta,
  type TaskError,
  type TaskRecord,
  taskKey,
} from '../protocol/records.js';
import { isoTime } from './clock.js';
import { attributeValues } from './marshal.js';
import { storedArgs } from './stored-args.js';
import { type TransitionUpdate, TransitionUpdateBuilder } from './transition-update.js';
import {
  type Condition,
  claimCondition,
  judge,
  type RuntimeState,
  statesCondition,
  untrackedCondition,
  type Verdict,
} from './transitions.js';

/** Outcome of trying to start (or expire) attempt n of a task. */
export type Claim =
  | { readonly claimed: true }
  /** The record said no; `verdict` says why and what this delivery should do instead. */
  | { readonly claimed: false; readonly verdict: Verdict; readonly record: TaskRecord | undefined };

/**
 * What a conditional write came to. A refused write returns the record that
 * refused it (ReturnValuesOnConditionCheckFailure), so finding out why costs
 * no extra read; `current` is undefined when the task has no record at all.
 */
export type Write =
  | { readonly written: true }
  | { readonly written: false; readonly current: TaskRecord | undefined };

const WRITTEN: Write = { written: true };

/** What a transition writes besides the state, its index keys and the history entry. */
export interface TransitionFields {
  readonly set?: Readonly<Record<string, unknown>>;
  readonly remove?: readonly string[];
  readonly error?: TaskError;
  readonly note?: string;
}

/** A task's identity as far as a record can be created from it. */
export type RecordSeed = Pick<
  Envelope,
  'id' | 'task' | 'tier' | 'attempt' | 'createdAt' | 'source' | 'correlationId'
> &
  Partial<Pick<Envelope, 'parentId' | 'rootId' | 'workflowId' | 'args'>>;

const epochSeconds = (ms: number) => Math.floor(ms / 1000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const TASK_KEY_PREFIX = taskKey('').pk;
/** How often keys a BatchGetItem left unprocessed are asked for again. */
const UNPROCESSED_ROUNDS = 4;

/**
 * The runtime's writes to the task table. Every transition is one conditional
 * UpdateItem that also appends its history entry (list_append), fenced by the
 * task's attempt (see `transitions.ts`), so two deliveries can never both act
 * on one attempt and history costs no extra write.
 */
export class TaskRecords {
  constructor(
    readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /**
   * Starts attempt n with a lease (`leaseMs`: until the hard time limit has
   * certainly passed) or, for an expired task, records EXPIRED. When the
   * record says no, the failed write returns the record itself, so finding
   * out why costs no extra read.
   */
  async enter(
    envelope: RecordSeed,
    to: 'STARTED' | 'EXPIRED',
    options: {
      readonly leaseMs?: number;
      readonly ttlSeconds: number;
      readonly now?: number;
      /** Refuse a task that must run alone (see `claimCondition`). */
      readonly together?: boolean;
    },
  ): Promise<Claim> {
    const now = options.now ?? Date.now();
    const at = isoTime(now);
    const fields: TransitionFields =
      to === 'STARTED'
        ? {
            set: { startedAt: at, leaseUntil: now + (options.leaseMs ?? 0) },
            remove: ['scheduleName', 'failing'],
          }
        : { set: { finishedAt: at }, remove: ['leaseUntil', 'scheduleName'] };
    const write = await this.transition(
      envelope,
      to,
      claimCondition(envelope.attempt, { together: options.together ?? false }),
      fields,
      options.ttlSeconds,
      now,
      at,
    );
    if (write.written) return { claimed: true };
    return {
      claimed: false,
      verdict: judge(write.current, envelope.attempt, now),
      record: write.current,
    };
  }

  /**
   * Moves attempt n to `to` under `condition` (see `transitions.ts`).
   */
  async settle(
    envelope: RecordSeed,
    to: 'SUCCESS' | 'FAILURE' | 'RETRY',
    condition: Condition,
    options: TransitionFields & { readonly ttlSeconds: number },
    now = Date.now(),
  ): Promise<Write> {
    const at = isoTime(now);
    const set: Record<string, unknown> = to === 'RETRY' ? {} : { finishedAt: at };
    Object.assign(set, options.set);
    const remove = ['leaseUntil', 'failing'];
    // A SUCCESS after retries keeps the earlier errors in its history only.
    if (to === 'SUCCESS') remove.push('error');
    if (options.remove) remove.push(...options.remove);
    return this.transition(
      envelope,
      to,
      condition,
      { ...options, set, remove },
      options.ttlSeconds,
      now,
      at,
    );
  }

  /**
   * First step of failing attempt n for good: remember the error and reason
   * on the running record, so that if this delivery dies before the dead
   * letter is sent, the next delivery sends it (rather than treating the run
   * as lost and retrying it). `set` may renew the lease.
   */
  async markFailing(
    id: string,
    failing: FailingMark,
    condition: Condition,
    set: Readonly<Record<string, unknown>> = {},
  ): Promise<Write> {
    const values: Record<string, unknown> = { ':failing': failing };
    const names: Record<string, string> = {};
    const sets = ['failing = :failing'];
    for (const [i, [key, value]] of Object.entries(set).entries()) {
      sets.push(`#m${i} = :m${i}`);
      names[`#m${i}`] = key;
      values[`:m${i}`] = value;
    }
    return this.update(id, condition, { sets, names, values });
  }

  /**
   * PROGRESS with its meta. The first write of a run appends a history entry
   * (and, for an untracked run, takes the lease that a claim would have);
   * later ones only replace the meta. Refused when attempt n is no longer
   * running here (revoked, or finished elsewhere).
   */
  async progress(
    envelope: RecordSeed,
    meta: ProgressMeta,
    options: {
      readonly condition: Condition;
      readonly first: boolean;
      readonly ttlSeconds: number;
      readonly leaseUntil?: number;
    },
    now = Date.now(),
  ): Promise<Write> {
    if (options.first) {
      const set: Record<string, unknown> = { progress: meta };
      if (options.leaseUntil !== undefined) set.leaseUntil = options.leaseUntil;
      return this.transition(
        envelope,
        'PROGRESS',
        options.condition,
        { set },
        options.ttlSeconds,
        now,
      );
    }
    return this.update(envelope.id, options.condition, {
      sets: ['#state = :state', 'progress = :progress', 'updatedAt = :at'],
      names: { '#state': 'state' },
      values: { ':state': 'PROGRESS', ':progress': meta, ':at': isoTime(now) },
    });
  }

  /**
   * Remembers the one-time schedule that will deliver attempt `attempt`, so a
   * revoke can delete it; only while that attempt is still due.
   */
  async noteSchedule(id: string, attempt: number, scheduleName: string): Promise<boolean> {
    const due = untrackedCondition(attempt);
    const write = await this.update(
      id,
      { ...due, expression: `attribute_exists(pk) AND (${due.expression})` },
      { sets: ['scheduleName = :name'], names: {}, values: { ':name': scheduleName } },
    );
    return write.written;
  }

  /**
   * Records a task that has no record yet as PENDING on its one-time
   * schedule (an eta beyond SQS's 900 s arrived with the message itself, as
   * a raw or Celery sender sends it), so that `get` shows its eta and a
   * revoke finds and deletes its schedule. Resolves false when a record
   * appeared meanwhile (then {@link noteSchedule} applies).
   */
  async notePending(
    envelope: RecordSeed & Pick<Envelope, 'eta' | 'expires'>,
    scheduleName: string,
    ttlSeconds: number,
    now = Date.now(),
  ): Promise<boolean> {
    const at = isoTime(now);
    const record = {
      id: envelope.id,
      task: envelope.task,
      state: 'PENDING' as const,
      tier: envelope.tier,
      attempt: envelope.attempt,
      createdAt: envelope.createdAt,
      updatedAt: at,
      source: envelope.source,
      scheduleName,
      history: [
        { state: 'PENDING', at, attempt: envelope.attempt, note: `scheduled for ${envelope.eta}` },
      ],
      ...(envelope.eta ? { eta: envelope.eta } : {}),
      ...(envelope.expires ? { expires: envelope.expires } : {}),
      ...(envelope.correlationId ? { correlationId: envelope.correlationId } : {}),
      ...(envelope.parentId ? { parentId: envelope.parentId } : {}),
      ...(envelope.rootId ? { rootId: envelope.rootId } : {}),
      ...(envelope.args !== undefined ? { args: storedArgs(envelope.args) } : {}),
    };
    const due = envelope.eta ? Date.parse(envelope.eta) : now;
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...taskKey(envelope.id),
            ...indexKeys(record),
            ...record,
            // Kept until the task's result TTL after it is due, so the record outlives the wait.
            expiresAt: epochSeconds(Math.max(now, due)) + ttlSeconds,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (caught) {
      if (caught instanceof ConditionalCheckFailedException) return false;
      throw caught;
    }
  }

  /** Appends to a REVOKED task's history that a running attempt noticed and stopped. */
  async noteRevokedRun(envelope: RecordSeed, note: string, now = Date.now()): Promise<boolean> {
    const entry: HistoryEntry = {
      state: 'REVOKED',
      at: isoTime(now),
      attempt: envelope.attempt,
      note,
    };
    const write = await this.update(envelope.id, statesCondition(['REVOKED']), {
      sets: ['history = list_append(if_not_exists(history, :empty), :entry)'],
      names: {},
      values: { ':empty': [], ':entry': [entry] },
    });
    return write.written;
  }

  /**
   * Records FAILURE for a message that could never run (bad envelope,
   * unknown task, invalid payload) — only when the id has no record at all,
   * so a stray bad copy never touches a live task. Resolves false when a
   * record exists.
   */
  async rejectUnstarted(
    seed: Pick<TaskRecord, 'id' | 'task' | 'tier' | 'createdAt'> &
      Partial<Pick<TaskRecord, 'source' | 'workflowId'>>,
    error: TaskError,
    ttlSeconds: number,
    now = Date.now(),
  ): Promise<boolean> {
    const at = isoTime(now);
    const item = { ...seed, state: 'FAILURE' as const, attempt: 1, updatedAt: at, finishedAt: at };
    const history: HistoryEntry[] = [
      { state: 'FAILURE', at, attempt: 1, error, note: 'rejected before running' },
    ];
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...taskKey(seed.id),
            ...indexKeys(item),
            ...item,
            error,
            history,
            expiresAt: epochSeconds(now) + ttlSeconds,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (caught) {
      if (caught instanceof ConditionalCheckFailedException) return false;
      throw caught;
    }
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: taskKey(id), ConsistentRead: true }),
    );
    return out.Item as TaskRecord | undefined;
  }

  /**
   * Strongly consistent reads of up to 100 distinct tasks in one
   * BatchGetItem; keys DynamoDB leaves unprocessed (throttling) are asked
   * again with backoff, and if some still are, the call fails.
   */
  async getMany(ids: readonly string[]): Promise<Map<string, TaskRecord>> {
    const found = new Map<string, TaskRecord>();
    let keys = ids.map(taskKey);
    for (let round = 0; keys.length > 0; round++) {
      if (round > 0) {
        if (round > UNPROCESSED_ROUNDS) {
          throw new Error(
            `DynamoDB left ${keys.length} task records unread after ${UNPROCESSED_ROUNDS} retries`,
          );
        }
        await sleep(25 * 2 ** round * (0.5 + Math.random() / 2));
      }
      const out = await this.db.send(
        new BatchGetCommand({
          RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } },
        }),
      );
      for (const item of out.Responses?.[this.tableName] ?? []) {
        // By key, not by the `id` attribute: the key is what was asked for.
        found.set(String(item.pk).slice(TASK_KEY_PREFIX.length), item as TaskRecord);
      }
      keys = (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as typeof keys;
    }
    return found;
  }

  /** The attributes a transition writes only when it creates the item. */
  private putIdentity(
    update: TransitionUpdateBuilder,
    envelope: RecordSeed,
    keys: ReturnType<typeof indexKeys>,
  ): void {
    update.put('id', envelope.id, true);
    update.put('task', envelope.task, true);
    update.put('tier', envelope.tier, true);
    update.put('createdAt', envelope.createdAt, true);
    update.put('source', envelope.source, true);
    update.put('gsi1pk', keys.gsi1pk, true);
    update.put('gsi1sk', keys.gsi1sk, true);
    update.put('correlationId', envelope.correlationId, true);
    update.put('parentId', envelope.parentId, true);
    update.put('rootId', envelope.rootId, true);
    update.put('workflowId', envelope.workflowId, true);
    update.put('args', storedArgs(envelope.args), true);
  }

  /**
   * One state change: state, index keys, TTL, the history entry and `fields`,
   * creating a complete item if there was none.
   */
  private async transition(
    envelope: RecordSeed,
    to: RuntimeState,
    condition: Condition,
    fields: TransitionFields,
    ttlSeconds: number,
    now: number,
    /** `now` as an ISO timestamp, when the caller has it already. */
    at = isoTime(now),
  ): Promise<Write> {
    const entry: { -readonly [K in keyof HistoryEntry]: HistoryEntry[K] } = {
      state: to,
      at,
      attempt: envelope.attempt,
    };
    if (fields.error) entry.error = fields.error;
    if (fields.note) entry.note = fields.note;
    const keys = indexKeys({
      id: envelope.id,
      task: envelope.task,
      state: to,
      createdAt: envelope.createdAt,
      updatedAt: at,
    });
    const update = new TransitionUpdateBuilder(condition);
    // Identity, written once when the item is created (a running attempt's item has it).
    if (!condition.existing) this.putIdentity(update, envelope, keys);
    // What changes with every transition.
    update.put('state', to, false);
    update.put('attempt', envelope.attempt, false);
    update.put('updatedAt', at, false);
    update.put('gsi2pk', keys.gsi2pk, false);
    update.put('gsi2sk', keys.gsi2sk, false);
    update.put('expiresAt', epochSeconds(now) + ttlSeconds, false);
    if (to === 'RETRY' || to === 'FAILURE') update.put('error', fields.error, false);
    const set = fields.set;
    if (set) for (const key in set) update.put(key, set[key], false);
    const removed = set ? fields.remove?.filter((key) => !(key in set)) : fields.remove;
    return this.send(envelope.id, update.build(entry, removed));
  }

  private async update(
    id: string,
    condition: Condition,
    parts: {
      sets: readonly string[];
      names: Record<string, string>;
      values: Record<string, unknown>;
      remove?: readonly string[];
    },
  ): Promise<Write> {
    for (const key in parts.values) {
      // A programming error, not a runtime condition: one placeholder meaning two things.
      if (key in condition.values) throw new Error(`placeholder ${key} is used twice`);
    }
    // Placeholders for removed names too: `error` is a DynamoDB reserved word.
    let remove = '';
    const names: Record<string, string> = { ...condition.names, ...parts.names };
    if (parts.remove && parts.remove.length > 0) {
      const placeholders = parts.remove.map((name, i) => {
        names[`#r${i}`] = name;
        return `#r${i}`;
      });
      remove = ` REMOVE ${placeholders.join(', ')}`;
    }
    return this.send(id, {
      updateExpression: `SET ${parts.sets.join(', ')}${remove}`,
      conditionExpression: condition.expression,
      names,
      values: attributeValues({ ...condition.values, ...parts.values }),
    });
  }

  /**
   * One conditional UpdateItem; a refused one returns the record that refused it.
   * Sent as a low-level UpdateItem whose values the runtime marshalled itself,
   * one value at a time, as the worker's document client marshals them
   * (`removeUndefinedValues`; see `marshal.ts`): the document client's
   * middleware walks the whole input (expressions and names included) to
   * marshal it, which cost more than all of the runtime's own work per write.
   */
  private async send(id: string, update: TransitionUpdate): Promise<Write> {
    const key = taskKey(id);
    try {
      await this.db.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: key.pk }, sk: { S: key.sk } },
          UpdateExpression: update.updateExpression,
          ConditionExpression: update.conditionExpression,
          ExpressionAttributeNames: update.names as Record<string, string>,
          ExpressionAttributeValues: update.values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return WRITTEN;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        const item = error.Item as Record<string, AttributeValue> | undefined;
        const current = item && Object.keys(item).length > 0 ? unmarshall(item) : undefined;
        return { written: false, current: current as TaskRecord | undefined };
      }
      throw error;
    }
  }
}
