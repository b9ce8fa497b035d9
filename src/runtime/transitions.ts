import type { TaskState } from '../protocol/records.js';

/** The state of a task that has no item in the table yet. */
export const NO_RECORD = 'NONE';
export type FromState = TaskState | typeof NO_RECORD;

/** States the runtime writes; REVOKED is written by the client, PENDING by the client or nobody. */
export type RuntimeState = Exclude<TaskState, 'PENDING' | 'REVOKED'>;

const QUEUED: readonly FromState[] = [NO_RECORD, 'PENDING', 'RETRY'];
const RUNNING: readonly FromState[] = ['STARTED', 'PROGRESS'];

/**
 * The state machine: the states from which the runtime may move a task to
 * `to`. `tracked` is false for tasks that skip the STARTED claim
 * (`trackStarted: false` or `ignoreResult`): their outcome may land on a
 * queued record too. Finished states (SUCCESS, FAILURE, REVOKED, EXPIRED)
 * are never left, which is what makes a duplicate delivery harmless and a
 * revoke final.
 */
export function allowedFrom(to: RuntimeState, tracked: boolean): readonly FromState[] {
  switch (to) {
    case 'STARTED':
    case 'EXPIRED':
      return QUEUED;
    case 'PROGRESS':
    case 'RETRY':
    case 'SUCCESS':
    case 'FAILURE':
      return tracked ? RUNNING : [...QUEUED, ...RUNNING];
  }
}

/**
 * Whether a write may move a task from `from` to `to`. A run whose lease has
 * ended (crash or timeout) may be taken over: STARTED or EXPIRED from
 * STARTED/PROGRESS with `leaseExpired`.
 */
export function canTransition(
  from: FromState,
  to: RuntimeState,
  options: { readonly tracked: boolean; readonly leaseExpired?: boolean },
): boolean {
  if (allowedFrom(to, options.tracked).includes(from)) return true;
  return (to === 'STARTED' || to === 'EXPIRED') && RUNNING.includes(from) && !!options.leaseExpired;
}

/** A DynamoDB condition with its placeholders, merged into an update's. */
export interface Condition {
  readonly expression: string;
  readonly names: Record<string, string>;
  readonly values: Record<string, unknown>;
}

/** The ConditionExpression that enforces {@link allowedFrom} in the write itself. */
export function conditionFor(to: RuntimeState, tracked: boolean): Condition {
  return statesCondition(allowedFrom(to, tracked));
}

/** Takeover of a run whose lease ended before `now` (epoch ms). */
export function leaseExpiredCondition(now: number): Condition {
  const running = statesCondition(RUNNING, 'run');
  return {
    expression: `(${running.expression}) AND #leaseUntil < :now`,
    names: { ...running.names, '#leaseUntil': 'leaseUntil' },
    values: { ...running.values, ':now': now },
  };
}

/** `attribute_not_exists(pk) OR #state IN (...)` for a list of states. */
export function statesCondition(states: readonly FromState[], prefix = 'from'): Condition {
  const real = states.filter((s): s is TaskState => s !== NO_RECORD);
  const values = Object.fromEntries(real.map((s, i) => [`:${prefix}${i}`, s]));
  const parts: string[] = [];
  if (states.includes(NO_RECORD)) parts.push('attribute_not_exists(pk)');
  if (real.length > 0) parts.push(`#state IN (${Object.keys(values).join(', ')})`);
  return {
    expression: parts.join(' OR '),
    names: real.length ? { '#state': 'state' } : {},
    values,
  };
}
