import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import {
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandOutput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { revokeTask } from '../client/revoke.js';
import type { StackConfig } from '../client/stack-config.js';
import {
  FINISHED_STATES,
  type TaskError,
  type TaskRecord,
  type TaskState,
} from '../protocol/records.js';
import { WorkflowNotFoundError } from './errors.js';
import {
  FINAL_WORKFLOW_STATES,
  HEADER_SK,
  isMemberSk,
  type MemberItem,
  memberResultId,
  type PlannedTask,
  pathText,
  type StepPath,
  type StoredWorkflowState,
  stepsOf,
  type WorkflowFailure,
  type WorkflowHeader,
  type WorkflowKind,
  workflowPartition,
} from './plan.js';
import { taskRecords } from './store.js';

/**
 * A workflow's state: PENDING until a step has a record, STARTED while it runs, then
 * SUCCESS, FAILURE (naming the step in `failure`) or REVOKED.
 */
export type WorkflowState = StoredWorkflowState | 'STARTED';

/** One step of a workflow as `get` reports it. */
export interface WorkflowStepStatus {
  readonly id: string;
  /** Where it sits: `s1` (chain step), `m3` or `m3.s0` (member), `callback`, `link`, `error`. */
  readonly path: string;
  readonly task: string;
  /** PENDING when the step has no record yet (not sent, or not yet claimed). */
  readonly state: TaskState;
  readonly attempt?: number;
  readonly result?: unknown;
  readonly error?: TaskError;
  readonly startedAt?: string;
  readonly finishedAt?: string;
}

/** What `get` and `wait` on a workflow handle give. */
export interface WorkflowStatus {
  readonly id: string;
  readonly kind: WorkflowKind;
  readonly state: WorkflowState;
  /**
   * On SUCCESS: a chain's last step's result, a chord's callback's, a group's members'
   * results in group order.
   */
  readonly result?: unknown;
  /** The step that ended the workflow without success, and why. */
  readonly failure?: WorkflowFailure;
  readonly revokeReason?: string;
  /** Every step, in tree order. */
  readonly steps: readonly WorkflowStepStatus[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly finishedAt?: string;
}

/** A workflow's stored items: header and members. */
interface Stored {
  readonly header: WorkflowHeader;
  readonly members: readonly MemberItem[];
}

/** Reads a workflow's items with one Query of its partition (paged). */
async function readStored(
  db: DynamoDBDocumentClient,
  tableName: string,
  id: string,
): Promise<Stored> {
  let header: WorkflowHeader | undefined;
  const members: MemberItem[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out: QueryCommandOutput = await db.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': workflowPartition(id) },
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of out.Items ?? []) {
      if (item.sk === HEADER_SK) header = item as WorkflowHeader;
      else if (isMemberSk(String(item.sk))) members.push(item as MemberItem);
    }
    start = out.LastEvaluatedKey;
  } while (start);
  if (!header) throw new WorkflowNotFoundError(id);
  members.sort((a, b) => a.member - b.member);
  return { header, members };
}

/** The planned task at `path`. */
function plannedAt(stored: Stored, path: StepPath): PlannedTask | undefined {
  const { header, members } = stored;
  switch (path.role) {
    case 'step':
      return header.steps?.[path.index];
    case 'member':
      return members[path.member]?.steps[path.index ?? 0];
    case 'callback':
      return header.callback;
    case 'link':
      return header.link;
    case 'error':
      return header.linkError;
  }
}

/** Every step of a workflow with its task, in tree order. */
function stepList(stored: Stored): { id: string; path: StepPath; task: string }[] {
  return stepsOf(stored.header).map((s) => ({
    ...s,
    task: plannedAt(stored, s.path)?.task ?? '?',
  }));
}

const PROJECTION = ['id', 'task', 'state', 'attempt', 'result', 'error', 'startedAt', 'finishedAt'];

/**
 * A workflow's state and every step's: one Query of its items and BatchGetItem of its step
 * records (100 a request). Throws WorkflowNotFoundError.
 */
export async function readWorkflow(
  db: DynamoDBDocumentClient,
  tableName: string,
  id: string,
): Promise<WorkflowStatus> {
  const stored = await readStored(db, tableName, id);
  const { header } = stored;
  const list = stepList(stored);
  const records = await taskRecords(
    db,
    tableName,
    list.map((s) => s.id),
    PROJECTION,
  );
  const steps = list.map(({ id: stepId, path, task }) =>
    toStep(stepId, path, task, records.get(stepId)),
  );
  const started = [...records.values()].length > 0;
  const state: WorkflowState =
    header.state !== 'PENDING' ? header.state : started ? 'STARTED' : 'PENDING';
  return {
    id,
    kind: header.kind,
    state,
    ...(header.state === 'SUCCESS' ? { result: resultOf(header, records) } : {}),
    ...(header.failure ? { failure: header.failure } : {}),
    ...(header.revokeReason ? { revokeReason: header.revokeReason } : {}),
    steps,
    createdAt: header.createdAt,
    updatedAt: header.updatedAt,
    ...(header.finishedAt ? { finishedAt: header.finishedAt } : {}),
  };
}

function toStep(
  id: string,
  path: StepPath,
  task: string,
  record: TaskRecord | undefined,
): WorkflowStepStatus {
  if (!record) return { id, path: pathText(path), task, state: 'PENDING' };
  return {
    id,
    path: pathText(path),
    task: record.task ?? task,
    state: record.state,
    ...(record.attempt !== undefined ? { attempt: record.attempt } : {}),
    ...(record.result !== undefined ? { result: record.result } : {}),
    ...(record.error ? { error: record.error } : {}),
    ...(record.startedAt ? { startedAt: record.startedAt } : {}),
    ...(record.finishedAt ? { finishedAt: record.finishedAt } : {}),
  };
}

function resultOf(header: WorkflowHeader, records: ReadonlyMap<string, TaskRecord>): unknown {
  if (header.kind === 'chain') {
    const last = stepsOf(header)
      .filter((s) => s.path.role === 'step')
      .at(-1);
    return last ? records.get(last.id)?.result : undefined;
  }
  if (header.kind === 'chord') return records.get(`${header.id}.callback`)?.result;
  return (header.members ?? []).map(
    (steps, member) => records.get(memberResultId(header.id, member, steps))?.result,
  );
}

/** What revoking a workflow did. */
export interface WorkflowRevokeResult {
  readonly id: string;
  /** The workflow's state after it: REVOKED, or the final state it already had. */
  readonly state: StoredWorkflowState;
  /** Ids of the steps this call marked REVOKED (running ones stop at their next checkpoint). */
  readonly revokedSteps: readonly string[];
}

export interface WorkflowRevokeDependencies {
  readonly db: DynamoDBDocumentClient;
  readonly scheduler: SchedulerClient;
  readonly config: StackConfig;
}

/**
 * Revokes a workflow: its header goes PENDING to REVOKED (one conditional write, so the
 * engine sends nothing more), then every step not finished is revoked by its id, those not
 * yet sent included, so a copy already in a queue is skipped. One request per step.
 */
export async function revokeWorkflow(
  deps: WorkflowRevokeDependencies,
  id: string,
  reason = 'revoked by client',
): Promise<WorkflowRevokeResult> {
  const { db, config } = deps;
  const stored = await readStored(db, config.tableName, id);
  const state = await markRevoked(db, config.tableName, id, reason);
  const list = stepList(stored);
  const records = await taskRecords(
    db,
    config.tableName,
    list.map((s) => s.id),
    ['id', 'state'],
  );
  const revokedSteps: string[] = [];
  for (const step of list) {
    const record = records.get(step.id);
    if (record && FINISHED_STATES.includes(record.state)) continue;
    const out = await revokeTask(deps, step.id, {
      task: step.task,
      reason: `workflow ${id}: ${reason}`,
    });
    if (out.revoked) revokedSteps.push(step.id);
  }
  return { id, state, revokedSteps };
}

async function markRevoked(
  db: DynamoDBDocumentClient,
  tableName: string,
  id: string,
  reason: string,
): Promise<StoredWorkflowState> {
  const now = new Date().toISOString();
  try {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: workflowPartition(id), sk: HEADER_SK },
        UpdateExpression:
          'SET #state = :revoked, revokeReason = :reason, finishedAt = :now, updatedAt = :now',
        ConditionExpression: '#state = :pending',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':revoked': 'REVOKED',
          ':pending': 'PENDING',
          ':reason': reason,
          ':now': now,
        },
      }),
    );
    return 'REVOKED';
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const stored = await readStored(db, tableName, id);
    return stored.header.state;
  }
}

export const isFinalWorkflowState = (state: WorkflowState): boolean =>
  (FINAL_WORKFLOW_STATES as readonly string[]).includes(state);
