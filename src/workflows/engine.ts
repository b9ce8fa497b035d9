import type { Logger } from '@aws-lambda-powertools/logger';
import { type AttributeValue, ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Catalog } from '../catalog/index.js';
import { createEnvelope, envelopeAttributes } from '../protocol/envelope.js';
import type { TaskError, TaskRecord } from '../protocol/records.js';
import { TaskRecords } from '../runtime/task-records.js';
import { WorkflowArgsError } from './errors.js';
import { chainPayload, checkPayload, failurePayload, resultsPayload } from './payload.js';
import {
  headerKey,
  joinKey,
  type MemberItem,
  memberKey,
  memberResultId,
  type PlannedTask,
  type StepPath,
  stepId,
  stepsOf,
  type WorkflowFailure,
  type WorkflowHeader,
  workflowIdsOf,
} from './plan.js';
import { taskRecords } from './store.js';

/** What the engine reads, writes and sends to. */
export interface EngineDependencies {
  readonly db: DynamoDBDocumentClient;
  /** The task table: task items and workflow items. */
  readonly tableName: string;
  readonly sqs: SQSClient;
  /** `"<category>/<tier>"` -> queue URL, for every tier queue of the stack. */
  readonly queues: Readonly<Record<string, string>>;
  readonly catalog: Catalog;
  readonly logger: Logger;
}

/** A workflow step whose record reached a finished state (SUCCESS, FAILURE, REVOKED, EXPIRED). */
export interface FinishedStep {
  readonly workflowId: string;
  readonly path: StepPath;
  /** The step's committed record. */
  readonly record: TaskRecord;
}

/**
 * Advances workflows from their steps' committed states, as the task stream reports them.
 * Every reaction is idempotent, so a change delivered again (a stream retry) or two changes
 * handled at once (parallel shards) cannot double anything:
 *
 * - a chain advances with one conditional write of its cursor (`done`, which only grows),
 *   then sends the next step under its derived id, which the runtime runs once however
 *   often it is sent; a redelivered change finds the cursor already moved and sends the same
 *   id again, which is how a send lost to a crash is made good;
 * - a member of a group or chord adds its index to the join's number set (ADD), one small
 *   write; whoever sees the set complete sends the callback under its derived id;
 * - a workflow ends with one conditional write of its header (PENDING to a final state);
 *   `link` and `linkError` go out under derived ids after it.
 *
 * What a step receives is checked against its schema before it is sent; a mismatch is
 * recorded as that step's FAILURE (a WorkflowArgsError naming both tasks), which the stream
 * then reports back here like any other failure.
 */
export class WorkflowEngine {
  private readonly taskRecords: TaskRecords;

  constructor(private readonly deps: EngineDependencies) {
    this.taskRecords = new TaskRecords(deps.db, deps.tableName);
  }

  /** Reacts to one finished step. */
  async onStepFinished(step: FinishedStep): Promise<void> {
    const { workflowId: id, path, record } = step;
    const ok = record.state === 'SUCCESS';
    switch (path.role) {
      case 'step':
        return ok ? this.advance(id, 'chain', path.index, record) : this.end(id, failureOf(record));
      case 'member':
        if (!ok) return this.memberEnded(id, path.member, failureOf(record));
        if (path.index === undefined) return this.join(id, path.member);
        return this.advance(id, path.member, path.index, record);
      case 'callback':
        return ok ? this.complete(id, record) : this.end(id, failureOf(record));
      default:
        // link and linkError end nothing: the workflow was final when they were sent.
        return;
    }
  }

  /**
   * The workflow a REVOKED record without a `workflowId` belongs to: a step revoked by its
   * id before any delivery of it was claimed (`lovage revoke <step id>`) has a record the
   * client created, which does not say. Undefined when the id is no workflow's step.
   */
  async workflowOfRevoked(id: string): Promise<string | undefined> {
    for (const candidate of workflowIdsOf(id)) {
      const header = await this.header(candidate);
      if (header && stepsOf(header).some((s) => s.id === id)) return candidate;
    }
    return undefined;
  }

  /**
   * Step `index` of a chain (the workflow's, or member `where`'s) succeeded: move its cursor
   * past it (only forward: `done <= index`), then send the next step, or report the chain
   * done. A refused write whose cursor already says `index + 1` is this very advance seen
   * again: the next step is sent again (a no-op if it was).
   */
  private async advance(
    id: string,
    where: 'chain' | number,
    index: number,
    record: TaskRecord,
  ): Promise<void> {
    const top = where === 'chain';
    const item = await this.conditionalUpdate<WorkflowHeader & MemberItem>({
      Key: top ? headerKey(id) : memberKey(id, where),
      UpdateExpression: 'SET #done = :next, updatedAt = :now',
      ConditionExpression: `(attribute_not_exists(#done) OR #done <= :index)${top ? ' AND #state = :pending' : ''}`,
      ExpressionAttributeNames: { '#done': 'done', ...(top ? { '#state': 'state' } : {}) },
      ExpressionAttributeValues: {
        ':next': index + 1,
        ':index': index,
        ':now': new Date().toISOString(),
        ...(top ? { ':pending': 'PENDING' } : {}),
      },
    });
    if (!item.value) return this.missing(id, `advance of ${record.id}`);
    const steps = item.value.steps ?? [];
    const last = index + 1 >= steps.length;
    if (!item.written) {
      // Refused: the workflow has ended (after this, its last step: its link may still be
      // due), or the chain has moved past this step already.
      if (top && item.value.state !== 'PENDING')
        return last ? this.complete(id, record) : undefined;
      if (Number(item.value.done ?? 0) > index + 1) return;
    }
    if (last) return top ? this.complete(id, record) : this.join(id, where);
    const path: StepPath = top
      ? { role: 'step', index: index + 1 }
      : { role: 'member', member: where, index: index + 1 };
    const next = steps[index + 1] as PlannedTask;
    await this.sendStep(id, path, next, record, () =>
      chainPayload(record.result, next.args, resultOf(record)),
    );
  }

  /**
   * A group or chord member ended without success. A chord fails at once (its callback can
   * never run); a group notes its first failure and counts the member as ended, so that it
   * ends when all its members have.
   */
  private async memberEnded(id: string, member: number, failure: WorkflowFailure): Promise<void> {
    const header = await this.header(id);
    if (!header) return this.missing(id, `failure of ${failure.stepId}`);
    if (header.kind === 'chord') return this.end(id, failure);
    await this.conditionalUpdate({
      Key: headerKey(id),
      UpdateExpression: 'SET failure = :failure, updatedAt = :now',
      ConditionExpression: '#state = :pending AND attribute_not_exists(failure)',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: {
        ':failure': failure,
        ':pending': 'PENDING',
        ':now': new Date().toISOString(),
      },
    });
    return this.join(id, member);
  }

  /**
   * Member `member` ended: one ADD of its index to the join's set. The set makes a repeat a
   * no-op; whoever sees it complete finishes the join, and a repeat of that finishes it
   * again, idempotently.
   */
  private async join(id: string, member: number): Promise<void> {
    const out = await this.conditionalUpdate<{ size: number; done?: Set<number> }>({
      Key: joinKey(id),
      UpdateExpression: 'ADD #done :member SET updatedAt = :now',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#done': 'done' },
      ExpressionAttributeValues: { ':member': new Set([member]), ':now': new Date().toISOString() },
    });
    const join = out.written ? out.value : undefined;
    if (!join) return this.missing(id, `join of member ${member}`);
    if ((join.done?.size ?? 0) < join.size) return;
    const header = await this.header(id);
    if (!header) return this.missing(id, 'end of the join');
    if (header.kind === 'group') {
      return header.failure ? this.end(id, header.failure) : this.complete(id, undefined);
    }
    // A chord whose members all succeeded: the callback, with their results in group order.
    if (header.state !== 'PENDING' || !header.callback) return;
    const callback = header.callback;
    const members = header.members ?? [];
    await this.sendStep(id, { role: 'callback' }, callback, undefined, () =>
      this.resultsPayloadFor(
        header,
        callback,
        { role: 'callback' },
        `its ${members.length} members`,
      ),
    );
  }

  /**
   * The workflow's body succeeded (`record` is its last step, none for a group): SUCCESS,
   * then its `link`, if any, with the result. A workflow already SUCCESS sends the link
   * again (a no-op if it was sent); one that ended otherwise is left alone.
   */
  private async complete(id: string, record: TaskRecord | undefined): Promise<void> {
    const now = new Date().toISOString();
    const item = await this.conditionalUpdate<WorkflowHeader>({
      Key: headerKey(id),
      UpdateExpression: 'SET #state = :success, finishedAt = :now, updatedAt = :now',
      ConditionExpression: '#state = :pending',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':success': 'SUCCESS', ':pending': 'PENDING', ':now': now },
    });
    const header = item.value;
    if (!header) return this.missing(id, 'success');
    if (header.state !== 'SUCCESS' || !header.link) return;
    const link = header.link;
    await this.sendStep(id, { role: 'link' }, link, record, async () => {
      if (header.kind !== 'group' && record) {
        return chainPayload(record.result, link.args, resultOf(record));
      }
      return this.resultsPayloadFor(header, link, { role: 'link' }, "the group's members");
    });
  }

  /**
   * The workflow ends with `failure`: FAILURE (REVOKED when the step was revoked) naming the
   * step, then its `linkError`, if any. Only the first ending counts; a repeat of it sends
   * the linkError again (a no-op if it was sent).
   */
  private async end(id: string, failure: WorkflowFailure): Promise<void> {
    const state = failure.state === 'REVOKED' ? 'REVOKED' : 'FAILURE';
    const now = new Date().toISOString();
    const item = await this.conditionalUpdate<WorkflowHeader>({
      Key: headerKey(id),
      UpdateExpression:
        'SET #state = :final, failure = :failure, finishedAt = :now, updatedAt = :now',
      ConditionExpression:
        '#state = :pending AND (attribute_not_exists(failure) OR failure.stepId = :step)',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: {
        ':final': state,
        ':failure': failure,
        ':pending': 'PENDING',
        ':step': failure.stepId,
        ':now': now,
      },
    });
    const header = item.value;
    if (!header) return this.missing(id, `failure of ${failure.stepId}`);
    if (header.state !== state || header.failure?.stepId !== failure.stepId) return;
    const linkError = header.linkError;
    if (state !== 'FAILURE' || !linkError) return;
    await this.sendStep(id, { role: 'error' }, linkError, undefined, () =>
      failurePayload({ workflowId: id, ...failure }, linkError.args),
    );
  }

  /**
   * Builds a step's payload, checks it against the step's schema and sends the step under
   * its derived id. A payload that cannot be built or does not fit is recorded as the
   * step's FAILURE instead (with its workflow id, so the stream reports it back here).
   */
  private async sendStep(
    id: string,
    path: StepPath,
    planned: PlannedTask,
    previous: TaskRecord | undefined,
    build: () => Readonly<Record<string, unknown>> | Promise<Readonly<Record<string, unknown>>>,
  ): Promise<void> {
    const { catalog, logger } = this.deps;
    const step = stepId(id, path);
    const definition = catalog.task(planned.task);
    let payload: Readonly<Record<string, unknown>>;
    try {
      payload = await build();
      checkPayload(
        catalog,
        planned.task,
        payload,
        `${planned.task} (${step})`,
        previous ? resultOf(previous) : 'what it was given',
      );
    } catch (error) {
      if (!(error instanceof WorkflowArgsError)) throw error;
      logger.warn('workflow step cannot take what it was given; recorded as failed', {
        workflowId: id,
        stepId: step,
        error,
      });
      await this.taskRecords.rejectUnstarted(
        {
          id: step,
          task: planned.task,
          tier: planned.tier,
          createdAt: new Date().toISOString(),
          source: 'workflow',
          workflowId: id,
        },
        { type: error.name, message: error.message },
        definition.resultTtlSeconds,
      );
      return;
    }
    const url = this.deps.queues[`${definition.category}/${planned.tier}`];
    if (!url) {
      throw new Error(
        `no queue for ${definition.category}/${planned.tier} in the engine's directory; redeploy the stack`,
      );
    }
    const envelope = createEnvelope({
      id: step,
      task: planned.task,
      args: payload,
      tier: planned.tier,
      source: 'workflow',
      workflowId: id,
      rootId: id,
      ...(previous ? { parentId: previous.id } : {}),
      correlationId: previous?.correlationId ?? id,
    });
    await this.deps.sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: JSON.stringify(envelope),
        DelaySeconds: planned.countdownSeconds ?? 0,
        MessageAttributes: envelopeAttributes(envelope),
      }),
    );
    logger.info('workflow step sent', { workflowId: id, stepId: step, task: planned.task });
  }

  /**
   * `{ ...args, results }` for `planned` at `path`: every member's result in group order
   * (a chain's is its last step's), checked against `planned`'s schema; the error names the
   * members' tasks.
   */
  private async resultsPayloadFor(
    header: WorkflowHeader,
    planned: PlannedTask,
    path: StepPath,
    members: string,
  ): Promise<Readonly<Record<string, unknown>>> {
    const ids = (header.members ?? []).map((steps, member) =>
      memberResultId(header.id, member, steps),
    );
    const found = await taskRecords(this.deps.db, this.deps.tableName, ids, [
      'id',
      'task',
      'state',
      'result',
    ]);
    const results = ids.map((step, member) => {
      const record = found.get(step);
      if (record?.state !== 'SUCCESS') {
        throw new WorkflowArgsError(
          `${planned.task} (${stepId(header.id, path)}) cannot take the result of member ${member} (${step}): it is no longer stored (${record ? record.state : 'no record'}); a member's resultTtlSeconds must outlast its workflow`,
        );
      }
      return record.result;
    });
    const tasks = [...new Set([...found.values()].map((r) => r.task))].join(', ');
    const payload = resultsPayload(results, planned.args);
    checkPayload(
      this.deps.catalog,
      planned.task,
      payload,
      `${planned.task} (${stepId(header.id, path)})`,
      `the results of ${members} (${tasks})`,
    );
    return payload;
  }

  private async header(id: string): Promise<WorkflowHeader | undefined> {
    const out = await this.deps.db.send(
      new GetCommand({ TableName: this.deps.tableName, Key: headerKey(id), ConsistentRead: true }),
    );
    return out.Item as WorkflowHeader | undefined;
  }

  /**
   * A conditional update: the item after it (`written`), or the item that refused it
   * (ReturnValuesOnConditionCheckFailure), so finding out why costs no extra read.
   */
  private async conditionalUpdate<T>(
    input: Omit<UpdateCommandInput, 'TableName'>,
  ): Promise<{ written: boolean; value: T | undefined }> {
    try {
      const out = await this.deps.db.send(
        new UpdateCommand({
          ...input,
          TableName: this.deps.tableName,
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { written: true, value: out.Attributes as T };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const item = error.Item as Record<string, AttributeValue> | undefined;
      const value = item && Object.keys(item).length > 0 ? (unmarshall(item) as T) : undefined;
      return { written: false, value };
    }
  }

  private missing(id: string, what: string): void {
    this.deps.logger.warn('workflow items not found; nothing to advance (expired or never sent)', {
      workflowId: id,
      what,
    });
  }
}

/** Where a passed result came from, for messages: "the result of logs.embed (wf-1.s1)". */
export function resultOf(record: Pick<TaskRecord, 'id' | 'task'>): string {
  return `the result of ${record.task} (${record.id})`;
}

/** The failure a step's final record says, naming the step. */
export function failureOf(record: TaskRecord): WorkflowFailure {
  const error: TaskError | undefined =
    record.error ??
    (record.state === 'EXPIRED'
      ? { type: 'TaskExpired', message: `expired at ${record.expires ?? '?'} before it ran` }
      : undefined);
  const verb =
    record.state === 'REVOKED'
      ? 'was revoked'
      : record.state === 'EXPIRED'
        ? 'expired before it ran'
        : 'failed';
  return {
    stepId: record.id,
    task: record.task,
    state: record.state,
    ...(error ? { error } : {}),
    reason: `step ${record.id} (${record.task}) ${verb}${error ? `: ${error.type}: ${error.message}` : ''}`,
  };
}
