import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Envelope } from '../protocol/envelope.js';
import {
  FINISHED_STATES,
  type HistoryEntry,
  indexKeys,
  type ProgressMeta,
  type TaskError,
  type TaskRecord,
  type TaskState,
  taskKey,
} from '../protocol/records.js';
import {
  type Condition,
  conditionFor,
  leaseExpiredCondition,
  type RuntimeState,
  statesCondition,
} from './transitions.js';

/** Outcome of trying to move a queued task to STARTED (or EXPIRED). */
export type Claim =
  | { readonly kind: 'claimed' }
  /** Already SUCCESS, FAILURE, REVOKED or EXPIRED: acknowledge without running. */
  | { readonly kind: 'finished'; readonly state: TaskState }
  /** Another delivery holds a live lease: try again later, never run in parallel. */
  | { readonly kind: 'running'; readonly leaseUntil: number };

/** What a transition writes besides the state, its index keys and the history entry. */
export interface TransitionFields {
  readonly set?: Readonly<Record<string, unknown>>;
  readonly remove?: readonly string[];
  readonly error?: TaskError;
  readonly note?: string;
}

const epochSeconds = (ms: number) => Math.floor(ms / 1000);

/**
 * The runtime's writes to the task table. Every transition is one conditional
 * UpdateItem that also appends its history entry (list_append), so two
 * deliveries of one id can never both run it and history costs no extra write.
 */
export class TaskRecords {
  constructor(
    readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /**
   * Moves a queued task (no record, PENDING or RETRY) to STARTED with a lease
   * (`leaseMs`, until the hard time limit has certainly passed) or to EXPIRED.
   * A run whose lease ran out (crash or timeout) is taken over, and the new
   * history entry says so.
   */
  async enter(
    envelope: Envelope,
    to: 'STARTED' | 'EXPIRED',
    options: { readonly leaseMs?: number; readonly ttlSeconds: number; readonly now?: number },
  ): Promise<Claim> {
    const now = options.now ?? Date.now();
    const at = new Date(now).toISOString();
    const set: Record<string, unknown> =
      to === 'STARTED'
        ? { attempt: envelope.attempt, startedAt: at, leaseUntil: now + (options.leaseMs ?? 0) }
        : { attempt: envelope.attempt, finishedAt: at };
    const fields = { set, remove: to === 'STARTED' ? ['scheduleName'] : ['leaseUntil'] };
    if (
      await this.transition(envelope, to, conditionFor(to, true), fields, options.ttlSeconds, now)
    )
      return { kind: 'claimed' };

    const current = await this.get(envelope.id);
    if (!current) return { kind: 'running', leaseUntil: now };
    if (FINISHED_STATES.includes(current.state)) return { kind: 'finished', state: current.state };
    const leaseUntil = Number(current.leaseUntil ?? 0);
    if (leaseUntil >= now || !['STARTED', 'PROGRESS'].includes(current.state)) {
      return { kind: 'running', leaseUntil: Math.max(leaseUntil, now) };
    }
    const lost: TaskError = {
      type: 'WorkerLostError',
      message: `attempt ${current.attempt} started at ${current.startedAt ?? '?'} ended without an outcome when its lease ran out at ${new Date(leaseUntil).toISOString()} (the function crashed or timed out)`,
    };
    const takeover = { ...fields, error: lost, note: 'took over a run whose lease had ended' };
    if (
      await this.transition(
        envelope,
        to,
        leaseExpiredCondition(now),
        takeover,
        options.ttlSeconds,
        now,
      )
    )
      return { kind: 'claimed' };
    return { kind: 'running', leaseUntil: now };
  }

  /**
   * Moves a running task (or, untracked, a not yet finished one) to `to`.
   * Resolves false when the condition failed: the task was revoked or already
   * finished meanwhile, and the write did nothing.
   */
  async settle(
    envelope: Envelope,
    to: 'SUCCESS' | 'FAILURE' | 'RETRY',
    options: TransitionFields & { readonly tracked: boolean; readonly ttlSeconds: number },
    now = Date.now(),
  ): Promise<boolean> {
    const at = new Date(now).toISOString();
    const finished = to === 'RETRY' ? {} : { finishedAt: at };
    const fields = {
      ...options,
      set: { attempt: envelope.attempt, ...finished, ...options.set },
      // A SUCCESS after retries keeps the earlier errors in its history only.
      remove: ['leaseUntil', ...(to === 'SUCCESS' ? ['error'] : []), ...(options.remove ?? [])],
    };
    return this.transition(
      envelope,
      to,
      conditionFor(to, options.tracked),
      fields,
      options.ttlSeconds,
      now,
    );
  }

  /**
   * PROGRESS with its meta. The first write of a run appends a history entry;
   * later ones only replace the meta. False when the task is no longer
   * running (revoked, or finished by another delivery).
   */
  async progress(
    envelope: Envelope,
    meta: ProgressMeta,
    options: { readonly tracked: boolean; readonly first: boolean; readonly ttlSeconds: number },
    now = Date.now(),
  ): Promise<boolean> {
    const fields = { set: { progress: meta, attempt: envelope.attempt } };
    const condition = conditionFor('PROGRESS', options.tracked);
    if (options.first)
      return this.transition(envelope, 'PROGRESS', condition, fields, options.ttlSeconds, now);
    return this.update(envelope.id, condition, {
      sets: ['#state = :state', 'progress = :progress', 'updatedAt = :at'],
      names: { '#state': 'state' },
      values: { ':state': 'PROGRESS', ':progress': meta, ':at': new Date(now).toISOString() },
    });
  }

  /** Remembers the one-time schedule that will deliver the task, so a revoke can delete it. */
  async noteSchedule(id: string, scheduleName: string): Promise<boolean> {
    return this.update(id, statesCondition(['PENDING', 'RETRY']), {
      sets: ['scheduleName = :name'],
      names: {},
      values: { ':name': scheduleName },
    });
  }

  /** Appends to a REVOKED task's history that a running attempt noticed and stopped. */
  async noteRevokedRun(envelope: Envelope, note: string, now = Date.now()): Promise<boolean> {
    const entry: HistoryEntry = {
      state: 'REVOKED',
      at: new Date(now).toISOString(),
      attempt: envelope.attempt,
      note,
    };
    return this.update(envelope.id, statesCondition(['REVOKED']), {
      sets: ['history = list_append(if_not_exists(history, :empty), :entry)'],
      names: {},
      values: { ':empty': [], ':entry': [entry] },
    });
  }

  /**
   * Records FAILURE for a message that could not even be started (bad
   * envelope, unknown task, invalid payload), unless the id already finished.
   */
  async rejectUnstarted(
    record: Pick<TaskRecord, 'id' | 'task' | 'tier' | 'createdAt'> & { source?: string },
    error: TaskError,
    ttlSeconds: number,
    now = Date.now(),
  ): Promise<void> {
    const at = new Date(now).toISOString();
    const item = {
      ...record,
      state: 'FAILURE' as const,
      attempt: 1,
      updatedAt: at,
      finishedAt: at,
    };
    const history: HistoryEntry[] = [{ state: 'FAILURE', at, attempt: 1, error }];
    const queued = statesCondition(['NONE', 'PENDING', 'RETRY']);
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...taskKey(record.id),
            ...indexKeys(item),
            ...item,
            error,
            history,
            expiresAt: epochSeconds(now) + ttlSeconds,
          },
          ConditionExpression: queued.expression,
          ExpressionAttributeNames: queued.names,
          ExpressionAttributeValues: queued.values,
        }),
      );
    } catch (caught) {
      if (!(caught instanceof ConditionalCheckFailedException)) throw caught;
    }
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: taskKey(id), ConsistentRead: true }),
    );
    return out.Item as TaskRecord | undefined;
  }

  /**
   * One state change: state, index keys, TTL, the history entry and `fields`,
   * creating a complete item if there was none. False if `condition` failed.
   */
  private async transition(
    envelope: Envelope,
    to: RuntimeState,
    condition: Condition,
    fields: TransitionFields,
    ttlSeconds: number,
    now: number,
  ): Promise<boolean> {
    const at = new Date(now).toISOString();
    const entry: HistoryEntry = {
      state: to,
      at,
      attempt: envelope.attempt,
      ...(fields.error ? { error: fields.error } : {}),
      ...(fields.note ? { note: fields.note } : {}),
    };
    const keys = indexKeys({ ...envelope, state: to, updatedAt: at });
    const created: Record<string, unknown> = {
      id: envelope.id,
      task: envelope.task,
      tier: envelope.tier,
      createdAt: envelope.createdAt,
      source: envelope.source,
      gsi1pk: keys.gsi1pk,
      gsi1sk: keys.gsi1sk,
      ...(envelope.correlationId ? { correlationId: envelope.correlationId } : {}),
    };
    const changed: Record<string, unknown> = {
      state: to,
      updatedAt: at,
      gsi2pk: keys.gsi2pk,
      gsi2sk: keys.gsi2sk,
      expiresAt: epochSeconds(now) + ttlSeconds,
      ...(to === 'RETRY' || to === 'FAILURE' ? { error: fields.error } : {}),
      ...fields.set,
    };
    const names: Record<string, string> = { ...condition.names };
    const values: Record<string, unknown> = {
      ...condition.values,
      ':empty': [],
      ':entry': [entry],
    };
    const sets = ['#history = list_append(if_not_exists(#history, :empty), :entry)'];
    names['#history'] = 'history';
    let i = 0;
    for (const [key, value] of Object.entries(created)) {
      names[`#c${i}`] = key;
      values[`:c${i}`] = value;
      sets.push(`#c${i} = if_not_exists(#c${i}, :c${i})`);
      i++;
    }
    for (const [key, value] of Object.entries(changed)) {
      if (value === undefined) continue;
      names[`#c${i}`] = key;
      values[`:c${i}`] = value;
      sets.push(`#c${i} = :c${i}`);
      i++;
    }
    const removed = (fields.remove ?? []).filter((key) => !(key in changed));
    return this.update(envelope.id, condition, { sets, names, values, remove: removed });
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
  ): Promise<boolean> {
    // Placeholders for removed names too: `error` is a DynamoDB reserved word.
    const removed = (parts.remove ?? []).map((name, i) => [`#r${i}`, name] as const);
    const remove = removed.length ? ` REMOVE ${removed.map(([p]) => p).join(', ')}` : '';
    const names = { ...condition.names, ...parts.names, ...Object.fromEntries(removed) };
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: taskKey(id),
          UpdateExpression: `SET ${parts.sets.join(', ')}${remove}`,
          ConditionExpression: condition.expression,
          ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: { ...condition.values, ...parts.values },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
