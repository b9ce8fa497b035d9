import { createHash, randomUUID } from 'node:crypto';
import { type Catalog, TIERS, type Tier } from '../catalog/index.js';
import { LovageError } from '../errors.js';
import { MAX_SQS_DELAY_SECONDS } from '../protocol/delays.js';
import { isTaskId } from '../protocol/envelope.js';
import { WorkflowDefinitionError } from './errors.js';
import { checkGivenArgs, type Received } from './payload.js';
import {
  MAX_CHAIN_STEPS,
  MAX_MEMBERS,
  MAX_WORKFLOW_ID_LENGTH,
  type PlannedTask,
  type StepPath,
  stepId,
  type WorkflowHeader,
} from './plan.js';

/** Options of one step of a workflow. */
export interface StepOptions {
  /** @defaultValue the task's catalog tier */
  readonly tier?: Tier;
  /**
   * Seconds the step waits once it is due (SQS DelaySeconds, 0 to 900).
   * @defaultValue 0
   */
  readonly countdownSeconds?: number;
}

/** One task of a workflow, as a sender writes it (Celery's signature). */
export interface StepInput {
  readonly task: string;
  /**
   * The payload of a step that is sent first; for a step that receives something (a later
   * chain step, a callback, link, linkError), the fields merged over what it receives.
   */
  readonly args?: unknown;
  readonly options?: StepOptions;
}

/** A chain as a member of a group or chord. */
export interface ChainInput {
  readonly chain: readonly StepInput[];
}

export type MemberInput = StepInput | ChainInput;

/** A workflow's body. */
export type WorkflowInput =
  | { readonly kind: 'chain'; readonly steps: readonly StepInput[] }
  | { readonly kind: 'group'; readonly members: readonly MemberInput[] }
  | {
      readonly kind: 'chord';
      readonly members: readonly MemberInput[];
      readonly callback: StepInput;
    };

/** Options of a whole workflow. */
export interface WorkflowOptions {
  /**
   * The workflow's id (at most 120 characters of the task id alphabet); its steps' ids are
   * derived from it. Sending the same workflow again with its id completes a send that
   * failed half-way and runs nothing twice.
   * @defaultValue `wf-<random UUID>`
   */
  readonly id?: string;
  /** @defaultValue the workflow id */
  readonly correlationId?: string;
  /** Sent once the workflow has succeeded, with its result (Celery's `link`). */
  readonly link?: StepInput;
  /** Sent once the workflow has failed, with the failure (Celery's `link_error`). */
  readonly linkError?: StepInput;
}

/** A step the client sends itself when the workflow starts. */
export interface FirstStep {
  readonly id: string;
  readonly task: string;
  readonly args: unknown;
  readonly options: StepOptions;
}

/** What sending a workflow writes and sends. */
export interface WorkflowPlan {
  readonly header: WorkflowHeader;
  /** Steps of each member of a group or chord, in group order. */
  readonly members: readonly (readonly PlannedTask[])[];
  /** The steps that start the workflow: a chain's first, every member's first. */
  readonly first: readonly FirstStep[];
}

/**
 * Checks a workflow against the catalog and plans it: every task exists and records its
 * result (no `ignoreResult`: the engine moves on from committed results), the steps sent
 * first have valid payloads, the args given to later steps fit their schemas where the shape
 * is known, a chord's callback takes `results` and a linkError `failure`, and the counts and
 * options are in range. Throws WorkflowDefinitionError naming the step.
 *
 * @example
 * const plan = planWorkflow(catalog, { kind: 'chain', steps: [
 *   { task: 'logs.process_file', args: { date, fileId } }, { task: 'logs.embed' },
 * ] });
 */
export function planWorkflow(
  catalog: Catalog,
  input: WorkflowInput,
  options: WorkflowOptions = {},
  now: Date = new Date(),
): WorkflowPlan {
  const id = options.id ?? `wf-${randomUUID()}`;
  if (!isTaskId(id) || id.length > MAX_WORKFLOW_ID_LENGTH) {
    throw new WorkflowDefinitionError(
      `workflow id '${id}' must be 1-${MAX_WORKFLOW_ID_LENGTH} letters, digits or ._:@+=-, starting with a letter or digit`,
    );
  }
  const first: FirstStep[] = [];
  const planner = new Planner(catalog, id);
  const startWith = (path: StepPath, step: StepInput): PlannedTask => {
    const planned = planner.first(path, step);
    first.push({
      id: stepId(id, path),
      task: step.task,
      args: step.args,
      options: step.options ?? {},
    });
    return planned;
  };
  let body: Pick<WorkflowHeader, 'steps' | 'done' | 'members' | 'callback'>;
  const members: PlannedTask[][] = [];
  if (input.kind === 'chain') {
    count('a chain', 'steps', input.steps.length, MAX_CHAIN_STEPS);
    const steps = input.steps.map((step, index) =>
      index === 0
        ? startWith({ role: 'step', index }, step)
        : planner.later({ role: 'step', index }, step, 'result'),
    );
    body = { steps, done: 0 };
  } else {
    count(`a ${input.kind}`, 'members', input.members.length, MAX_MEMBERS);
    for (const [member, entry] of input.members.entries()) {
      const chain = 'chain' in entry ? entry.chain : [entry];
      count(`member ${member}'s chain`, 'steps', chain.length, MAX_CHAIN_STEPS);
      members.push(
        chain.length === 1
          ? [startWith({ role: 'member', member }, chain[0] as StepInput)]
          : chain.map((step, index) =>
              index === 0
                ? startWith({ role: 'member', member, index }, step)
                : planner.later({ role: 'member', member, index }, step, 'result'),
            ),
      );
    }
    body = {
      members: members.map((m) => m.length),
      ...(input.kind === 'chord'
        ? { callback: planner.later({ role: 'callback' }, input.callback, 'results') }
        : {}),
    };
  }
  const receivesResults: Received = input.kind === 'group' ? 'results' : 'result';
  const link = options.link && planner.later({ role: 'link' }, options.link, receivesResults);
  const linkError =
    options.linkError && planner.later({ role: 'error' }, options.linkError, 'failure');
  const at = now.toISOString();
  const header: WorkflowHeader = {
    id,
    kind: input.kind,
    state: 'PENDING',
    createdAt: at,
    updatedAt: at,
    ...(options.correlationId !== undefined ? { correlationId: options.correlationId } : {}),
    planHash: hashOf({ input, options }),
    ...body,
    ...(link ? { link } : {}),
    ...(linkError ? { linkError } : {}),
  };
  return { header, members, first };
}

/** Checks and plans the steps of one workflow. */
class Planner {
  constructor(
    private readonly catalog: Catalog,
    private readonly id: string,
  ) {}

  /** A step the client sends: its payload is checked whole. */
  first(path: StepPath, step: StepInput): PlannedTask {
    const where = this.where(path, step);
    const planned = this.common(path, step);
    wrap(where, () => this.catalog.parseArgs(step.task, step.args));
    return planned;
  }

  /** A step the engine sends later, merging `args` over what it receives. */
  later(path: StepPath, step: StepInput, receives: Received): PlannedTask {
    const where = this.where(path, step);
    const planned = this.common(path, step);
    const { args } = step;
    if (args !== undefined && (typeof args !== 'object' || args === null || Array.isArray(args))) {
      throw new WorkflowDefinitionError(
        `${where}: args must be an object (its fields are merged over what the step receives)`,
      );
    }
    const given = args === undefined ? undefined : (JSON.parse(JSON.stringify(args)) as object);
    checkGivenArgs(this.catalog, step.task, given as Record<string, unknown>, receives, where);
    return given ? { ...planned, args: given as Record<string, unknown> } : planned;
  }

  private common(path: StepPath, step: StepInput): PlannedTask {
    const where = this.where(path, step);
    const definition = wrap(where, () => this.catalog.task(step.task));
    if (definition.ignoreResult) {
      throw new WorkflowDefinitionError(
        `${where}: ${step.task} has ignoreResult, so it records no SUCCESS for the workflow to move on from; use a task that keeps its result`,
      );
    }
    const tier = step.options?.tier ?? definition.tier;
    if (!TIERS.includes(tier)) {
      throw new WorkflowDefinitionError(
        `${where}: tier '${tier}' is not one of ${TIERS.join(', ')}`,
      );
    }
    const countdown = step.options?.countdownSeconds;
    if (
      countdown !== undefined &&
      (!Number.isInteger(countdown) || countdown < 0 || countdown > MAX_SQS_DELAY_SECONDS)
    ) {
      throw new WorkflowDefinitionError(
        `${where}: countdownSeconds (${countdown}) must be a whole number from 0 to ${MAX_SQS_DELAY_SECONDS}`,
      );
    }
    return { task: step.task, tier, ...(countdown ? { countdownSeconds: countdown } : {}) };
  }

  private where(path: StepPath, step: StepInput): string {
    const at =
      path.role === 'step'
        ? `step ${path.index}`
        : path.role === 'member'
          ? `member ${path.member}${path.index === undefined ? '' : ` step ${path.index}`}`
          : path.role === 'error'
            ? 'linkError'
            : path.role;
    return `workflow '${this.id}' ${at} (${step.task})`;
  }
}

function count(what: string, of: string, n: number, max: number): void {
  if (n < 1 || n > max) {
    throw new WorkflowDefinitionError(`${what} must have 1 to ${max} ${of}, not ${n}`);
  }
}

/** Runs a catalog check, prefixing its error with where in the workflow it failed. */
function wrap<T>(where: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof LovageError)) throw error;
    throw new WorkflowDefinitionError(`${where}: ${error.message}`, { cause: error });
  }
}

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}
