import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteScheduleCommand,
  ResourceNotFoundException,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { delayScheduleName } from '../protocol/delays.js';
import { type HistoryEntry, indexKeys, type TaskRecord, taskKey } from '../protocol/records.js';
import type { StackConfig } from './stack-config.js';
import type { RevokeOptions, RevokeResult } from './types.js';

/**
 * How long a REVOKED record is kept after the latest time a copy of the task
 * could still arrive: SQS's longest retention (14 days, whatever a tier
 * queue is set to) plus its longest delay (900 s, which every deferral or
 * re-send can add again from the time it is made). A copy arriving in that
 * window finds REVOKED and is skipped.
 */
export const REVOKED_RETENTION_SECONDS = 14 * 86_400 + 900;
/** States a revoke never overwrites. */
const FINAL = ['SUCCESS', 'FAILURE', 'EXPIRED'] as const;
/** Re-reads after losing a race with the runtime's own write. */
const MAX_TRIES = 5;

export interface RevokeDependencies {
  readonly db: DynamoDBDocumentClient;
  readonly scheduler: SchedulerClient;
  readonly config: StackConfig;
}

/**
 * Marks a task REVOKED with a conditional write (creating its record if it
 * has none yet, never overwriting SUCCESS, FAILURE or EXPIRED), appends the
 * transition to its history, then deletes its pending one-time schedule, if
 * any. A queued copy is skipped by the runtime; a running one is aborted at
 * its next progress checkpoint.
 *
 * @example
 * const { revoked, scheduleDeleted } = await revokeTask({ db, scheduler, config }, id, { reason: 'order cancelled' });
 */
export async function revokeTask(
  deps: RevokeDependencies,
  id: string,
  options: RevokeOptions = {},
): Promise<RevokeResult> {
  const { tableName } = deps.config;
  for (let tries = 1; ; tries++) {
    const out = await deps.db.send(
      new GetCommand({ TableName: tableName, Key: taskKey(id), ConsistentRead: true }),
    );
    const item = out.Item as TaskRecord | undefined;
    if (item && (FINAL as readonly string[]).includes(item.state)) {
      return { id, state: item.state, revoked: false, scheduleDeleted: false };
    }
    try {
      const revoked = item?.state !== 'REVOKED';
      if (revoked) await writeRevoked(deps, id, item, options);
      const scheduleDeleted = await deleteSchedules(deps, id, item);
      return { id, state: 'REVOKED', revoked, scheduleDeleted };
    } catch (error) {
      // The record changed between our read and write (the runtime claimed or finished it): read again.
      if (!(error instanceof ConditionalCheckFailedException) || tries >= MAX_TRIES) throw error;
    }
  }
}

/**
 * When a REVOKED record may expire: {@link REVOKED_RETENTION_SECONDS} after
 * now, or after the task's eta when it is scheduled later (its one-time
 * schedule is deleted, but a copy already handed to SQS may still come).
 */
export function revokedExpiry(now: Date, item: Pick<TaskRecord, 'eta'> | undefined): number {
  const eta = item?.eta ? Date.parse(item.eta) : Number.NaN;
  const from = Number.isNaN(eta) ? now.getTime() : Math.max(now.getTime(), eta);
  return Math.floor(from / 1000) + REVOKED_RETENTION_SECONDS;
}

async function writeRevoked(
  deps: RevokeDependencies,
  id: string,
  item: TaskRecord | undefined,
  options: RevokeOptions,
): Promise<void> {
  const now = new Date();
  const at = now.toISOString();
  const entry: HistoryEntry = {
    state: 'REVOKED',
    at,
    attempt: item?.attempt ?? 1,
    note: options.reason ?? 'revoked by client',
  };
  const expiresAt = revokedExpiry(now, item);
  if (!item) {
    const task = options.task ?? 'unknown';
    const record = {
      id,
      task,
      state: 'REVOKED' as const,
      tier: 'unknown',
      attempt: 1,
      createdAt: at,
      updatedAt: at,
      finishedAt: at,
      source: 'client',
      history: [entry],
    };
    const { gsi1pk, gsi1sk, ...byState } = indexKeys(record);
    await deps.db.send(
      new PutCommand({
        TableName: deps.config.tableName,
        // Without a task name there is nothing to index by name; the state index still lists it.
        Item: {
          ...taskKey(id),
          ...byState,
          ...(options.task ? { gsi1pk, gsi1sk } : {}),
          ...record,
          expiresAt,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return;
  }
  const { gsi2pk, gsi2sk } = indexKeys({ ...item, state: 'REVOKED', updatedAt: at });
  await deps.db.send(
    new UpdateCommand({
      TableName: deps.config.tableName,
      Key: taskKey(id),
      UpdateExpression:
        'SET #state = :revoked, updatedAt = :at, finishedAt = :at, gsi2pk = :gsi2pk, gsi2sk = :gsi2sk, expiresAt = :exp, history = list_append(if_not_exists(history, :none), :entry)',
      // Only from the state we read: a concurrent SUCCESS or FAILURE wins.
      ConditionExpression: '#state = :seen',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: {
        ':revoked': 'REVOKED',
        ':seen': item.state,
        ':at': at,
        ':gsi2pk': gsi2pk,
        ':gsi2sk': gsi2sk,
        ':exp': Math.max(expiresAt, Number((item as { expiresAt?: number }).expiresAt ?? 0)),
        ':none': [],
        ':entry': [entry],
      },
    }),
  );
}

/**
 * Deletes the task's pending one-time schedules. The recorded name comes
 * first; the names of the current and next attempt cover a schedule whose
 * name is not recorded yet (a retry the runtime is scheduling right now). A
 * task with no record has no schedule of Lovage's: the client writes the
 * record before the schedule, and the runtime schedules only recorded tasks.
 */
async function deleteSchedules(
  deps: RevokeDependencies,
  id: string,
  item: TaskRecord | undefined,
): Promise<boolean> {
  if (!item) return false;
  const { attempt, task } = item;
  const names = new Set(
    [
      item.scheduleName,
      delayScheduleName(id, attempt, task),
      delayScheduleName(id, attempt + 1, task),
    ].filter((name): name is string => typeof name === 'string'),
  );
  const deleted = await Promise.all(
    [...names].map(async (Name) => {
      try {
        await deps.scheduler.send(
          new DeleteScheduleCommand({ Name, GroupName: deps.config.delayScheduleGroup }),
        );
        return true;
      } catch (error) {
        if (error instanceof ResourceNotFoundException) return false;
        throw error;
      }
    }),
  );
  return deleted.some(Boolean);
}
