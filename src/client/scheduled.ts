import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  ConflictException,
  CreateScheduleCommand,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { delayedDeliveryRequest, delayScheduleName } from '../protocol/delays.js';
import { type HistoryEntry, indexKeys, type TaskRecord, taskKey } from '../protocol/records.js';
import { storedArgs } from '../runtime/stored-args.js';
import { ScheduleDeliveryError } from './errors.js';
import type { PreparedSend } from './prepare.js';
import { queueArnOf, type StackConfig } from './stack-config.js';
import type { TaskHandle } from './types.js';

export interface ScheduleDependencies {
  readonly db: DynamoDBDocumentClient;
  readonly scheduler: SchedulerClient;
  readonly config: StackConfig;
}

/**
 * Delivers a task later than SQS can delay it: writes its PENDING record
 * (with `eta` and the schedule's name, so `get` shows it and `revoke` can
 * find the schedule), then creates a one-time schedule in the stack's delay
 * group that sends the envelope to the tier queue at the eta and deletes
 * itself.
 *
 * Record first, schedule second: a schedule can never fire for a task that
 * has no record. Both steps are idempotent per task id, so a send that
 * failed half-way is completed by sending again with the same id; a task
 * id that already has a record in any other state is not scheduled again.
 *
 * @example
 * const handle = await scheduleDelivery({ db, scheduler, config },
 *   prepareSend(catalog, config, 'email.check_quota', {}, { countdownSeconds: 3600 }));
 */
export async function scheduleDelivery(
  deps: ScheduleDependencies,
  prepared: PreparedSend,
): Promise<TaskHandle> {
  const { envelope, scheduleAt, definition } = prepared;
  if (!scheduleAt) throw new Error(`task '${envelope.id}' has no schedule time`);
  const scheduleName = delayScheduleName(envelope.id, envelope.attempt, envelope.task);
  const handle: TaskHandle = {
    id: envelope.id,
    task: envelope.task,
    tier: envelope.tier,
    delivery: 'schedule',
    scheduleName,
    ...(envelope.eta ? { eta: envelope.eta } : {}),
  };
  const at = envelope.createdAt;
  const history: HistoryEntry[] = [
    { state: 'PENDING', at, attempt: envelope.attempt, note: `scheduled for ${envelope.eta}` },
  ];
  const record: TaskRecord = {
    id: envelope.id,
    task: envelope.task,
    state: 'PENDING',
    tier: envelope.tier,
    attempt: envelope.attempt,
    createdAt: at,
    updatedAt: at,
    source: envelope.source,
    history,
    scheduleName,
    ...(envelope.eta ? { eta: envelope.eta } : {}),
    ...(envelope.expires ? { expires: envelope.expires } : {}),
    ...(envelope.correlationId ? { correlationId: envelope.correlationId } : {}),
    ...(envelope.args !== undefined ? { args: storedArgs(envelope.args) } : {}),
  };
  try {
    await deps.db.send(
      new PutCommand({
        TableName: deps.config.tableName,
        Item: {
          ...taskKey(envelope.id),
          ...indexKeys(record),
          ...record,
          // Kept until the task's result TTL after it is due, so the record outlives the wait.
          expiresAt: Math.ceil(scheduleAt.getTime() / 1000) + definition.resultTtlSeconds,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) {
      throw new ScheduleDeliveryError(envelope.id, 'could not write its PENDING record', {
        cause: error,
      });
    }
    const existing = await deps.db.send(
      new GetCommand({
        TableName: deps.config.tableName,
        Key: taskKey(envelope.id),
        ConsistentRead: true,
      }),
    );
    const item = existing.Item as TaskRecord | undefined;
    // Same id already running, finished, revoked or scheduled elsewhere: it runs once.
    if (item?.state !== 'PENDING' || item.scheduleName !== scheduleName) return handle;
  }

  const request = delayedDeliveryRequest({
    envelope,
    runAt: scheduleAt,
    queueArn: queueArnOf(deps.config, prepared.queue.url),
    groupName: deps.config.delayScheduleGroup,
    roleArn: deps.config.delayRoleArn,
  });
  try {
    await deps.scheduler.send(new CreateScheduleCommand(request));
  } catch (error) {
    // The schedule of this id and attempt exists: an earlier send created it.
    if (error instanceof ConflictException) return handle;
    throw new ScheduleDeliveryError(
      envelope.id,
      `could not create one-time schedule '${scheduleName}' in group '${deps.config.delayScheduleGroup}'`,
      { cause: error },
    );
  }
  return handle;
}
