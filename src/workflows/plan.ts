/**
 * How a workflow lives in the task table, shared by the client (which writes it and reads
 * it back), the task stream's workflow engine (which advances it) and the CLI. Workflow
 * items sit beside the task items under their own partition, `WORKFLOW#<id>`, which the
 * task stream's filter (`TASK#` items only) never passes: the engine's own writes cannot
 * feed back into it.
 *
 * - `WORKFLOW`: the header, small and written rarely: kind, state, the first failure, the
 *   chain's steps and cursor (a chain), the number of steps per member (group, chord), the
 *   callback, `link` and `linkError`.
 * - `MEMBER#<j>`: member j of a group or chord: its steps (one task, or a chain) and, for a
 *   chain, its cursor.
 * - `JOIN`: the set of members that have finished (a number set grown with ADD) and their
 *   count, so that every member costs one small write and the last one is known.
 *
 * Step ids are derived from the workflow id, so whoever advances a workflow, however often,
 * sends the same ids, and the runtime runs each id once.
 */
import type { Tier } from '../catalog/index.js';
import type { TaskError, TaskState } from '../protocol/records.js';

export const WORKFLOW_KINDS = ['chain', 'group', 'chord'] as const;
export type WorkflowKind = (typeof WORKFLOW_KINDS)[number];

/**
 * A workflow's stored state. PENDING until its body has finished (whatever its steps are
 * doing); SUCCESS, FAILURE and REVOKED are final.
 */
export type StoredWorkflowState = 'PENDING' | 'SUCCESS' | 'FAILURE' | 'REVOKED';
export const FINAL_WORKFLOW_STATES: readonly StoredWorkflowState[] = [
  'SUCCESS',
  'FAILURE',
  'REVOKED',
];

/** How long workflow items are kept after the workflow was sent (TTL). */
export const WORKFLOW_TTL_SECONDS = 14 * 86_400;
/** Most members of a group or chord, and most steps of a chain. */
export const MAX_MEMBERS = 1000;
export const MAX_CHAIN_STEPS = 100;
/**
 * Longest workflow id: a step id adds at most `.m999.s99` or `.callback` (10 characters)
 * and a child of a step `+<key>`, within the 200-character task id limit.
 */
export const MAX_WORKFLOW_ID_LENGTH = 120;

/** One task of a workflow as stored. */
export interface PlannedTask {
  readonly task: string;
  readonly tier: Tier;
  /**
   * For a step the engine sends: the args given when the workflow was sent, merged over
   * what the step receives. Absent for the steps the client sends itself.
   */
  readonly args?: Record<string, unknown>;
  /** SQS delay of the step once it is due (0 to 900 s). */
  readonly countdownSeconds?: number;
}

/** The step of a workflow that ended it without success. */
export interface WorkflowFailure {
  readonly stepId: string;
  readonly task: string;
  /** FAILURE, REVOKED or EXPIRED: what became of the step. */
  readonly state: TaskState;
  readonly error?: TaskError;
  /** One line for people: which step, and why. */
  readonly reason: string;
}

/** The `WORKFLOW` item. */
export interface WorkflowHeader {
  readonly id: string;
  readonly kind: WorkflowKind;
  readonly state: StoredWorkflowState;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly finishedAt?: string;
  readonly correlationId?: string;
  /** SHA-256 of the plan: sending the same id again with another plan is refused. */
  readonly planHash: string;
  /** A chain: its steps. */
  readonly steps?: readonly PlannedTask[];
  /** A chain: how many of its steps have succeeded (its cursor). */
  readonly done?: number;
  /** A group or chord: the number of steps of each member (1: a task, more: a chain). */
  readonly members?: readonly number[];
  /** A chord: the task that receives every member's result. */
  readonly callback?: PlannedTask;
  /** Sent with the workflow's result once it has succeeded. */
  readonly link?: PlannedTask;
  /** Sent with the failure once the workflow has failed. */
  readonly linkError?: PlannedTask;
  /** The first step that failed (a group keeps running its other members until they end). */
  readonly failure?: WorkflowFailure;
  /** Why it was revoked, when the client revoked it. */
  readonly revokeReason?: string;
}

/** A `MEMBER#<j>` item. */
export interface MemberItem {
  readonly member: number;
  readonly steps: readonly PlannedTask[];
  /** For a chain: how many of its steps have succeeded. */
  readonly done?: number;
}

/** The `JOIN` item. */
export interface JoinItem {
  readonly size: number;
  /** Members that have ended (succeeded, or for a group, failed too). */
  readonly done?: ReadonlySet<number>;
}

const PK_PREFIX = 'WORKFLOW#';
export const HEADER_SK = 'WORKFLOW';
export const JOIN_SK = 'JOIN';
const MEMBER_SK_PREFIX = 'MEMBER#';

export const workflowPartition = (id: string) => `${PK_PREFIX}${id}`;
export const headerKey = (id: string) => ({ pk: workflowPartition(id), sk: HEADER_SK });
export const joinKey = (id: string) => ({ pk: workflowPartition(id), sk: JOIN_SK });
/** Zero-padded so that a Query returns members in group order. */
export const memberKey = (id: string, member: number) => ({
  pk: workflowPartition(id),
  sk: `${MEMBER_SK_PREFIX}${String(member).padStart(4, '0')}`,
});
export const isMemberSk = (sk: string) => sk.startsWith(MEMBER_SK_PREFIX);

/** Where a step sits in its workflow. */
export type StepPath =
  /** Step `index` of a chain. */
  | { readonly role: 'step'; readonly index: number }
  /** Member `member` of a group or chord: a task (no `index`) or step `index` of a chain. */
  | { readonly role: 'member'; readonly member: number; readonly index?: number }
  /** A chord's callback, the workflow's `link`, its `linkError`. */
  | { readonly role: 'callback' | 'link' | 'error' };

/** The path as written in step ids: `s1`, `m3`, `m3.s0`, `callback`, `link`, `error`. */
export function pathText(path: StepPath): string {
  switch (path.role) {
    case 'step':
      return `s${path.index}`;
    case 'member':
      return path.index === undefined ? `m${path.member}` : `m${path.member}.s${path.index}`;
    default:
      return path.role;
  }
}

/**
 * The id of the step at `path`: `<workflow id>.<path>`, e.g. `wf-42.s1`, `wf-42.m3.s0`,
 * `wf-42.callback`.
 */
export function stepId(workflowId: string, path: StepPath): string {
  return `${workflowId}.${pathText(path)}`;
}

const PATH = /^(?:s(\d+)|m(\d+)(?:\.s(\d+))?|(callback|link|error))$/;

/** The path of `id` in workflow `workflowId`, or undefined when it is not one of its step ids. */
export function pathOf(workflowId: string, id: string): StepPath | undefined {
  if (!id.startsWith(`${workflowId}.`)) return undefined;
  const match = PATH.exec(id.slice(workflowId.length + 1));
  if (!match) return undefined;
  const [, step, member, index, role] = match;
  if (step !== undefined) return { role: 'step', index: Number(step) };
  if (member !== undefined) {
    return index === undefined
      ? { role: 'member', member: Number(member) }
      : { role: 'member', member: Number(member), index: Number(index) };
  }
  return { role: role as 'callback' | 'link' | 'error' };
}

/**
 * The workflow ids a task id would belong to if it were a step id (`wf-42` for `wf-42.m3.s0`,
 * but also `wf-42.m3` for its step `s0`); whether it is one only a workflow's header can tell.
 */
export function workflowIdsOf(id: string): string[] {
  const candidates: string[] = [];
  for (let dot = id.indexOf('.'); dot > 0; dot = id.indexOf('.', dot + 1)) {
    if (PATH.test(id.slice(dot + 1))) candidates.push(id.slice(0, dot));
  }
  return candidates;
}

/** The step ids of member `member` that has `steps` steps, in order. */
export function memberStepIds(workflowId: string, member: number, steps: number): string[] {
  if (steps <= 1) return [stepId(workflowId, { role: 'member', member })];
  return Array.from({ length: steps }, (_, index) =>
    stepId(workflowId, { role: 'member', member, index }),
  );
}

/** The id of the step whose result is member `member`'s result: its last. */
export function memberResultId(workflowId: string, member: number, steps: number): string {
  const ids = memberStepIds(workflowId, member, steps);
  return ids[ids.length - 1] as string;
}

/** Every step id of a workflow, in tree order, with its path. */
export function stepsOf(header: WorkflowHeader): { id: string; path: StepPath }[] {
  const out: { id: string; path: StepPath }[] = [];
  const add = (path: StepPath) => {
    out.push({ id: stepId(header.id, path), path });
  };
  for (let index = 0; index < (header.steps?.length ?? 0); index++) add({ role: 'step', index });
  (header.members ?? []).forEach((steps, member) => {
    if (steps <= 1) add({ role: 'member', member });
    else for (let index = 0; index < steps; index++) add({ role: 'member', member, index });
  });
  if (header.callback) add({ role: 'callback' });
  if (header.link) add({ role: 'link' });
  if (header.linkError) add({ role: 'error' });
  return out;
}
