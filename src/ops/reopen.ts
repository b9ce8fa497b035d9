import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { indexKeys, type TaskRecord, type TaskState, taskKey } from '../protocol/records.js';
import type { Reopen } from './redrive.js';

/** What a redrive may do with a task, given its record and the attempt of the letter's envelope. */
export type ReopenVerdict =
  /** The record is changed to PENDING so that the redriven envelope runs. */
  | {
      readonly kind: 'reopen';
      readonly from: TaskState;
      /** The record's attempt after reopening: the envelope's when it is lower. */
      readonly attempt: number;
      /** The run was lost (lease passed while STARTED / PROGRESS): a crash or timeout. */
      readonly lost: boolean;
    }
  /** No record, or PENDING at an attempt the envelope reaches: it runs as it is. */
  | { readonly kind: 'admit' }
  /** The envelope must not be re-sent, because of `reason`. */
  | { readonly kind: 'refuse'; readonly reason: string };

/** The part of a task record that decides a reopen. */
export type ReopenFence = Pick<TaskRecord, 'state' | 'attempt'> &
  Partial<Pick<TaskRecord, 'leaseUntil'>>;

/**
 * The error a lost run leaves on the record: one of the runtime's
 * `LOST_RUN_ERRORS`, so the redriven task runs alone, never beside others.
 */
export const LOST_RUN_ERROR_TYPE = 'WorkerLostError';

/**
 * Whether a task may be redriven, as pure logic: FAILURE, and a run that was
 * lost (STARTED or PROGRESS whose lease has passed: its worker crashed or
 * timed out and the queue's redrive policy moved the message), are reopened.
 * A live lease, RETRY, SUCCESS, REVOKED and EXPIRED are never touched.
 *
 * @example
 * judgeReopen({ state: 'FAILURE', attempt: 4 }, 4, Date.now()); // { kind: 'reopen', ... }
 */
export function judgeReopen(
  record: ReopenFence | undefined,
  attempt: number,
  now: number,
): ReopenVerdict {
  if (!record) return { kind: 'admit' };
  const reopenAt = Math.min(record.attempt, attempt);
  switch (record.state) {
    case 'FAILURE':
      return { kind: 'reopen', from: 'FAILURE', attempt: reopenAt, lost: false };
    case 'STARTED':
    case 'PROGRESS': {
      // A run without a lease is judged as the runtime judges it: lost.
      const leaseUntil = Number(record.leaseUntil ?? 0);
      if (leaseUntil >= now) {
        return {
          kind: 'refuse',
          reason: `task is ${record.state} (attempt ${record.attempt} holds a live lease until ${new Date(leaseUntil).toISOString()})`,
        };
      }
      return { kind: 'reopen', from: record.state, attempt: reopenAt, lost: true };
    }
    case 'PENDING':
      return record.attempt <= attempt
        ? { kind: 'admit' }
        : {
            kind: 'refuse',
            reason: `task is PENDING at attempt ${record.attempt}: this attempt-${attempt} copy would be acknowledged without running`,
          };
    case 'RETRY':
      return {
        kind: 'refuse',
        reason: `task is RETRY (attempt ${record.attempt + 1} is already on its way)`,
      };
    case 'SUCCESS':
      return { kind: 'refuse', reason: 'task is SUCCESS (it has run again since)' };
    case 'REVOKED':
    case 'EXPIRED':
      return { kind: 'refuse', reason: `task is ${record.state}` };
  }
}

export interface ReopenOptions {
  /** Judge only, change nothing. @defaultValue false */
  readonly dryRun?: boolean;
  readonly now?: Date;
}

/** Tries a reopen this often when the record keeps changing under it. */
const MAX_TRIES = 3;

/**
 * Makes task `id` runnable again before a redrive re-sends its envelope of
 * `attempt` (see {@link judgeReopen}): sets PENDING, lowers `attempt` to the
 * envelope's when that is lower (so the runtime admits the envelope),
 * appends a history entry, and removes `finishedAt`, `leaseUntil` and
 * `failing`. A lost run also gets a `WorkerLostError`, so that it runs
 * alone. The write is conditional on the record as it was read, so a task
 * that changes meanwhile (it ran, it was revoked) is judged again, never
 * overwritten.
 *
 * @example
 * const verdict = await reopenTask(db, tableName, envelope.id, envelope.attempt);
 * if (verdict.kind !== 'refuse') await resend(letter);
 */
export async function reopenTask(
  db: DynamoDBDocumentClient,
  tableName: string,
  id: string,
  attempt: number,
  options: ReopenOptions = {},
): Promise<ReopenVerdict> {
  const now = options.now ?? new Date();
  for (let tries = 1; ; tries++) {
    const { Item } = await db.send(
      new GetCommand({ TableName: tableName, Key: taskKey(id), ConsistentRead: true }),
    );
    const record = Item as TaskRecord | undefined;
    const verdict = judgeReopen(record, attempt, now.getTime());
    if (verdict.kind !== 'reopen' || !record || options.dryRun) return verdict;
    try {
      await db.send(reopenUpdate(tableName, record, verdict, now));
      return verdict;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException) || tries >= MAX_TRIES) throw error;
    }
  }
}

/**
 * The `reopen` a redrive takes, on the task table: {@link reopenTask} for each letter's task
 * and attempt. What the CLI and the UI pass to `redrive`.
 *
 * @example
 * await redrive(config, sqs, filter, { catalog, reopen: reopenInTable(db, config.tableName) });
 */
export function reopenInTable(db: DynamoDBDocumentClient, tableName: string): Reopen {
  return (task, { dryRun }) => reopenTask(db, tableName, task.id, task.attempt, { dryRun });
}

function reopenUpdate(
  tableName: string,
  record: TaskRecord,
  verdict: Extract<ReopenVerdict, { kind: 'reopen' }>,
  now: Date,
): UpdateCommand {
  const at = now.toISOString();
  const { gsi2pk, gsi2sk } = indexKeys({ ...record, state: 'PENDING', updatedAt: at });
  const lostError = verdict.lost
    ? {
        type: LOST_RUN_ERROR_TYPE,
        message: `attempt ${record.attempt} stopped without an outcome (its worker crashed or timed out); the redrive policy moved it to the dead-letter queue`,
      }
    : undefined;
  const entry = {
    state: 'PENDING',
    at,
    attempt: verdict.attempt,
    ...(lostError ? { error: lostError } : {}),
    note: 'redriven from the dead-letter queue',
  };
  // Written only if the record is still what was judged: same state, same attempt, and for a
  // lost run a lease that has passed.
  const seen = verdict.lost
    ? '#state IN (:started, :progress) AND #attempt = :seen AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)'
    : '#state = :failure AND #attempt = :seen';
  return new UpdateCommand({
    TableName: tableName,
    Key: taskKey(record.id),
    UpdateExpression: `SET #state = :pending, #attempt = :attempt, updatedAt = :at, gsi2pk = :gsi2pk, gsi2sk = :gsi2sk, #history = list_append(if_not_exists(#history, :empty), :entry)${lostError ? ', #error = :error' : ''} REMOVE finishedAt, leaseUntil, failing`,
    ConditionExpression: `attribute_exists(pk) AND ${seen}`,
    ExpressionAttributeNames: {
      '#state': 'state',
      '#attempt': 'attempt',
      '#history': 'history',
      ...(lostError ? { '#error': 'error' } : {}),
    },
    ExpressionAttributeValues: {
      ':pending': 'PENDING',
      ':attempt': verdict.attempt,
      ':seen': record.attempt,
      ':at': at,
      ':gsi2pk': gsi2pk,
      ':gsi2sk': gsi2sk,
      ':empty': [],
      ':entry': [entry],
      ...(lostError ? { ':error': lostError } : {}),
      ...(verdict.lost
        ? { ':started': 'STARTED', ':progress': 'PROGRESS', ':now': now.getTime() }
        : { ':failure': 'FAILURE' }),
    },
  });
}
