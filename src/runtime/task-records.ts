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
  indexKeys,
  type TaskError,
  type TaskRecord,
  type TaskState,
  taskKey,
} from '../protocol/records.js';

/** Outcome of trying to start a task. */
export type Claim =
  | { readonly kind: 'claimed' }
  /** Already SUCCESS, FAILURE, REVOKED or EXPIRED: acknowledge without running. */
  | { readonly kind: 'finished'; readonly state: TaskState }
  /** Another delivery holds a live lease: try again later, never run in parallel. */
  | { readonly kind: 'running'; readonly leaseUntil: number };

const epochSeconds = (ms: number) => Math.floor(ms / 1000);

/**
 * The runtime's writes to the task table. Every transition is a conditional
 * write, so two deliveries of one task id can never both run it.
 */
export class TaskRecords {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Marks the task STARTED with a lease that ends when the function's hard
   * time limit has certainly passed. A record in STARTED whose lease ran out
   * belongs to a crashed or timed-out run and may be taken over.
   */
  async claim(
    envelope: Envelope,
    leaseMs: number,
    ttlSeconds: number,
    now = Date.now(),
  ): Promise<Claim> {
    const at = new Date(now).toISOString();
    const item = {
      id: envelope.id,
      task: envelope.task,
      state: 'STARTED' as const,
      tier: envelope.tier,
      attempt: envelope.attempt,
      createdAt: envelope.createdAt,
      updatedAt: at,
      startedAt: at,
      leaseUntil: now + leaseMs,
      source: envelope.source,
      ...(envelope.correlationId ? { correlationId: envelope.correlationId } : {}),
    };
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...taskKey(envelope.id),
            ...indexKeys(item),
            ...item,
            expiresAt: epochSeconds(now) + ttlSeconds,
          },
          ConditionExpression:
            'attribute_not_exists(pk) OR #state IN (:pending, :retry) OR (#state IN (:started, :progress) AND leaseUntil < :now)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':pending': 'PENDING',
            ':retry': 'RETRY',
            ':started': 'STARTED',
            ':progress': 'PROGRESS',
            ':now': now,
          },
        }),
      );
      return { kind: 'claimed' };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const current = await this.get(envelope.id);
    if (current && FINISHED_STATES.includes(current.state)) {
      return { kind: 'finished', state: current.state };
    }
    return { kind: 'running', leaseUntil: Number(current?.leaseUntil ?? now) };
  }

  /** STARTED -> SUCCESS, with the result, kept for the task's result TTL. */
  async succeed(id: string, result: unknown, ttlSeconds: number, now = Date.now()): Promise<void> {
    await this.finish(id, 'SUCCESS', { result: result ?? null }, ttlSeconds, now);
  }

  /** STARTED -> FAILURE, with the error. */
  async fail(id: string, error: TaskError, ttlSeconds: number, now = Date.now()): Promise<void> {
    await this.finish(id, 'FAILURE', { error }, ttlSeconds, now);
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
      error,
    };
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...taskKey(record.id),
            ...indexKeys(item),
            ...item,
            expiresAt: epochSeconds(now) + ttlSeconds,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR NOT (#state IN (:success, :failure))',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':success': 'SUCCESS', ':failure': 'FAILURE' },
        }),
      );
    } catch (caught) {
      if (!(caught instanceof ConditionalCheckFailedException)) throw caught;
    }
  }

  async get(id: string): Promise<(TaskRecord & { leaseUntil?: number }) | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: taskKey(id), ConsistentRead: true }),
    );
    return out.Item as (TaskRecord & { leaseUntil?: number }) | undefined;
  }

  private async finish(
    id: string,
    state: 'SUCCESS' | 'FAILURE',
    fields: { result?: unknown; error?: TaskError },
    ttlSeconds: number,
    now: number,
  ): Promise<void> {
    const at = new Date(now).toISOString();
    const current = { id, state, updatedAt: at };
    const names: Record<string, string> = { '#state': 'state' };
    const values: Record<string, unknown> = {
      ':state': state,
      ':at': at,
      ':exp': epochSeconds(now) + ttlSeconds,
      ':started': 'STARTED',
      ':progress': 'PROGRESS',
    };
    const sets = ['#state = :state', 'updatedAt = :at', 'finishedAt = :at', 'expiresAt = :exp'];
    for (const [key, value] of Object.entries(fields)) {
      names[`#${key}`] = key;
      values[`:${key}`] = value;
      sets.push(`#${key} = :${key}`);
    }
    // The index keys of the new state; gsi1 (by name) does not change.
    const { gsi2pk, gsi2sk } = indexKeys({ ...current, task: '', createdAt: '' });
    values[':gsi2pk'] = gsi2pk;
    values[':gsi2sk'] = gsi2sk;
    sets.push('gsi2pk = :gsi2pk', 'gsi2sk = :gsi2sk');
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: taskKey(id),
        UpdateExpression: `SET ${sets.join(', ')} REMOVE leaseUntil`,
        ConditionExpression: '#state IN (:started, :progress)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }
}
