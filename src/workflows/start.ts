import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import {
  BatchWriteCommand,
  type BatchWriteCommandOutput,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Catalog } from '../catalog/index.js';
import { type IndexedSend, sendBatches } from '../client/batch.js';
import { sleep } from '../client/concurrency.js';
import { SendOptionsError } from '../client/errors.js';
import {
  MAX_MESSAGE_BYTES,
  messageAttributes,
  messageBytes,
  prepareSend,
} from '../client/prepare.js';
import type { StackConfig } from '../client/stack-config.js';
import type { FirstStep, WorkflowPlan } from './define.js';
import { WorkflowConflictError, WorkflowSendError } from './errors.js';
import {
  headerKey,
  joinKey,
  memberKey,
  WORKFLOW_TTL_SECONDS,
  type WorkflowHeader,
} from './plan.js';

/** What starting a workflow uses. */
export interface StartDependencies {
  readonly db: DynamoDBDocumentClient;
  readonly sqs: SQSClient;
  readonly catalog: Catalog;
  readonly config: StackConfig;
}

type BatchWriteRequests = NonNullable<BatchWriteCommandOutput['UnprocessedItems']>[string];

/** Items in one BatchWriteItem. */
const BATCH_WRITE_ITEMS = 25;
const BATCH_WRITE_TRIES = 8;

/**
 * Writes a planned workflow and sends its first steps. In this order, so that a send that
 * fails half-way can be completed by sending the same workflow again with its id: the header
 * is read first (an existing one with the same plan skips straight to sending, one with
 * another plan is a WorkflowConflictError); the members and the join are written; the header
 * is put only if it does not exist; then the first steps go out (one SendMessage for a chain,
 * SendMessageBatch in tens for a group or chord). Their ids are derived from the workflow's,
 * so sending them again runs nothing twice.
 */
export async function startWorkflow(deps: StartDependencies, plan: WorkflowPlan): Promise<void> {
  const { header } = plan;
  const existing = await readHeader(deps, header.id);
  if (existing) {
    if (existing.planHash !== header.planHash) throw new WorkflowConflictError(header.id);
  } else {
    // Checked before anything is written: a step whose queue the stack lacks.
    const prepared = prepareFirst(deps, plan);
    await writeItems(deps, plan);
    const created = await putHeader(deps, header);
    if (!created) {
      const raced = await readHeader(deps, header.id);
      if (raced?.planHash !== header.planHash) throw new WorkflowConflictError(header.id);
    }
    return sendFirst(deps, header.id, prepared);
  }
  return sendFirst(deps, header.id, prepareFirst(deps, plan));
}

function expiresAt(header: WorkflowHeader): number {
  return Math.floor(Date.parse(header.createdAt) / 1000) + WORKFLOW_TTL_SECONDS;
}

async function readHeader(
  deps: StartDependencies,
  id: string,
): Promise<WorkflowHeader | undefined> {
  const out = await deps.db.send(
    new GetCommand({ TableName: deps.config.tableName, Key: headerKey(id), ConsistentRead: true }),
  );
  return out.Item as WorkflowHeader | undefined;
}

async function putHeader(deps: StartDependencies, header: WorkflowHeader): Promise<boolean> {
  try {
    await deps.db.send(
      new PutCommand({
        TableName: deps.config.tableName,
        Item: { ...headerKey(header.id), ...header, expiresAt: expiresAt(header) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** The members and the join of a group or chord, 25 items a request. */
async function writeItems(deps: StartDependencies, plan: WorkflowPlan): Promise<void> {
  const { header } = plan;
  if (plan.members.length === 0) return;
  const expires = expiresAt(header);
  const items: Record<string, unknown>[] = plan.members.map((steps, member) => ({
    ...memberKey(header.id, member),
    member,
    steps,
    ...(steps.length > 1 ? { done: 0 } : {}),
    expiresAt: expires,
  }));
  items.push({ ...joinKey(header.id), size: plan.members.length, expiresAt: expires });
  const table = deps.config.tableName;
  for (let i = 0; i < items.length; i += BATCH_WRITE_ITEMS) {
    let requests: BatchWriteRequests | undefined = items
      .slice(i, i + BATCH_WRITE_ITEMS)
      .map((Item) => ({ PutRequest: { Item } }));
    for (let tries = 1; requests && requests.length > 0; tries++) {
      if (tries > BATCH_WRITE_TRIES) {
        throw new Error(
          `workflow '${header.id}': ${requests.length} items left unprocessed after ${BATCH_WRITE_TRIES} tries; send it again with its id`,
        );
      }
      if (tries > 1) await sleep(25 * 2 ** tries);
      const out: BatchWriteCommandOutput = await deps.db.send(
        new BatchWriteCommand({ RequestItems: { [table]: requests } }),
      );
      requests = out.UnprocessedItems?.[table];
    }
  }
}

/** The first steps as validated sends with their queues, carrying the workflow's ids. */
function prepareFirst(deps: StartDependencies, plan: WorkflowPlan): IndexedSend[] {
  const { header } = plan;
  return plan.first.map((step: FirstStep, index) => {
    const ready = prepareSend(deps.catalog, deps.config, step.task, step.args, {
      ...step.options,
      id: step.id,
      correlationId: header.correlationId ?? header.id,
    });
    const envelope = { ...ready.envelope, workflowId: header.id, rootId: header.id };
    const body = JSON.stringify(envelope);
    const bytes = messageBytes(envelope, body);
    if (bytes > MAX_MESSAGE_BYTES) {
      throw new SendOptionsError(
        `workflow '${header.id}' step ${step.id} (${step.task}): the message is ${bytes} bytes; SQS accepts at most ${MAX_MESSAGE_BYTES}`,
      );
    }
    return { index, prepared: { ...ready, envelope, body } };
  });
}

async function sendFirst(
  deps: StartDependencies,
  id: string,
  prepared: readonly IndexedSend[],
): Promise<void> {
  const [only] = prepared;
  if (prepared.length === 1 && only) {
    const { queue, body, delaySeconds, envelope } = only.prepared;
    await deps.sqs.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: body,
        DelaySeconds: delaySeconds,
        MessageAttributes: messageAttributes(envelope),
      }),
    );
    return;
  }
  const { failed } = await sendBatches(deps.sqs, prepared, {
    concurrency: 8,
    maxAttempts: 5,
    baseDelayMs: 100,
  });
  if (failed.length > 0) {
    throw new WorkflowSendError(
      id,
      failed.map((f) => f.id),
      `${failed[0]?.code}: ${failed[0]?.message}`,
    );
  }
}
