import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Catalog } from '../catalog/index.js';
import { sleep } from '../client/concurrency.js';
import { QueryOptionsError, WaitTimeoutError } from '../client/errors.js';
import type { StackConfig } from '../client/stack-config.js';
import type { ArgsOf, TaskName } from '../client/types.js';
import type { TaskState } from '../protocol/records.js';
import {
  type MemberInput,
  planWorkflow,
  type StepOptions,
  type WorkflowInput,
  type WorkflowOptions,
} from './define.js';
import { startWorkflow } from './start.js';
import {
  isFinalWorkflowState,
  readWorkflow,
  revokeWorkflow,
  type WorkflowRevokeResult,
  type WorkflowStatus,
} from './status.js';

/** A step sent first (a chain's first, a group member): its whole payload. */
export type FirstStepOf<K extends Catalog> = {
  [N in TaskName<K>]: {
    readonly task: N;
    readonly args: ArgsOf<K, N>;
    readonly options?: StepOptions;
  };
}[TaskName<K>];

/**
 * A step that receives something (a later chain step, a chord callback, link, linkError):
 * `args` are fields merged over what it receives (see payload.ts).
 */
export type LaterStepOf<K extends Catalog> = {
  [N in TaskName<K>]: {
    readonly task: N;
    readonly args?: Partial<ArgsOf<K, N>>;
    readonly options?: StepOptions;
  };
}[TaskName<K>];

/** A chain: its first step, then steps that each receive the previous result. */
export type ChainOf<K extends Catalog> = readonly [FirstStepOf<K>, ...LaterStepOf<K>[]];

/** A member of a group or chord: one task, or a chain. */
export type MemberOf<K extends Catalog> = FirstStepOf<K> | { readonly chain: ChainOf<K> };

/** Options of a workflow, typed against the catalog. */
export interface WorkflowSendOptions<K extends Catalog>
  extends Omit<WorkflowOptions, 'link' | 'linkError'> {
  /** Sent with the workflow's result once it has succeeded (Celery's `link`). */
  readonly link?: LaterStepOf<K>;
  /** Sent with `{ failure }` once it has failed (Celery's `link_error`). */
  readonly linkError?: LaterStepOf<K>;
}

export interface WorkflowWaitOptions {
  /** @defaultValue 120000 */
  readonly timeoutMs?: number;
  /** @defaultValue 500 */
  readonly intervalMs?: number;
  /** Called with every status read. */
  readonly onPoll?: (status: WorkflowStatus) => void;
}

/** A sent workflow. */
export interface WorkflowHandle {
  readonly id: string;
  /** The workflow's kind, state and every step's state and result. */
  get(): Promise<WorkflowStatus>;
  /** Polls until SUCCESS, FAILURE or REVOKED (returned, not thrown); WaitTimeoutError after `timeoutMs`. */
  wait(options?: WorkflowWaitOptions): Promise<WorkflowStatus>;
  /** Revokes the workflow and every step not yet finished. */
  revoke(reason?: string): Promise<WorkflowRevokeResult>;
}

export interface WorkflowClientDependencies {
  readonly db: DynamoDBDocumentClient;
  readonly sqs: SQSClient;
  readonly scheduler: SchedulerClient;
  readonly catalog: Catalog;
  readonly config: StackConfig;
}

/** Plans, writes and sends a workflow; the handle's id is the workflow id. */
export async function sendWorkflow(
  deps: WorkflowClientDependencies,
  input: WorkflowInput,
  options: WorkflowOptions = {},
): Promise<WorkflowHandle> {
  const plan = planWorkflow(deps.catalog, input, options);
  await startWorkflow(deps, plan);
  return workflowHandle(deps, plan.header.id);
}

/** A handle on workflow `id` (sent earlier, perhaps by another process). */
export function workflowHandle(deps: WorkflowClientDependencies, id: string): WorkflowHandle {
  const get = () => readWorkflow(deps.db, deps.config.tableName, id);
  return {
    id,
    get,
    wait: (options) => waitForWorkflow(id, get, options),
    revoke: (reason) => revokeWorkflow(deps, id, reason),
  };
}

async function waitForWorkflow(
  id: string,
  get: () => Promise<WorkflowStatus>,
  options: WorkflowWaitOptions = {},
): Promise<WorkflowStatus> {
  const { timeoutMs = 120_000, intervalMs = 500 } = options;
  if (
    !Number.isFinite(timeoutMs) ||
    timeoutMs < 0 ||
    !Number.isFinite(intervalMs) ||
    intervalMs < 0
  ) {
    throw new QueryOptionsError(
      `timeoutMs (${timeoutMs}) and intervalMs (${intervalMs}) must be finite ms, 0 or more`,
    );
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await get();
    options.onPoll?.(status);
    if (isFinalWorkflowState(status.state)) return status;
    const left = deadline - Date.now();
    if (left <= 0) throw new WaitTimeoutError(id, status.state as TaskState, timeoutMs);
    await sleep(Math.min(intervalMs, left));
  }
}

/** The members of a typed group as the planner takes them. */
export const membersOf = <K extends Catalog>(members: readonly MemberOf<K>[]): MemberInput[] =>
  members.map((m) => ('chain' in m ? { chain: [...m.chain] } : m));
