import { FINISHED_STATES, type TaskRecord, type TaskState } from '../protocol/records.js';

/** States the runtime writes; REVOKED is written by the client, PENDING by the client or a redrive. */
export type RuntimeState = Exclude<TaskState, 'PENDING' | 'REVOKED'>;

/** The part of a task record that decides what a delivery may do. */
export type Fence = Pick<TaskRecord, 'state' | 'attempt'> &
  Partial<Pick<TaskRecord, 'leaseUntil' | 'failing' | 'eta'>>;

/**
 * What one delivery of attempt `n` of a task may do, given the task's record.
 * Runs are fenced by attempt: the record's `attempt` only grows, and each
 * attempt is claimed once, so any number of copies delivered in any order
 * give one run per attempt and one retry chain.
 */
export type Verdict =
  /** No record, PENDING at an attempt <= n, or RETRY at n - 1: attempt n is due. */
  | { readonly kind: 'run' }
  /** SUCCESS, FAILURE, REVOKED or EXPIRED: never runs again. */
  | { readonly kind: 'finished'; readonly state: TaskState }
  /** Attempt n holds a live lease in another delivery. */
  | { readonly kind: 'running'; readonly leaseUntil: number }
  /** Attempt n was running and its lease passed: its worker crashed or timed out. */
  | { readonly kind: 'lost' }
  /** Attempt n already failed and attempt n + 1 was sent (due at `eta`). */
  | { readonly kind: 'retried'; readonly eta: string | undefined }
  /** A copy of an earlier attempt (or of one the task never reached): acknowledged, never run. */
  | { readonly kind: 'stale'; readonly state: TaskState; readonly attempt: number };

const RUNNING: readonly TaskState[] = ['STARTED', 'PROGRESS'];

/** Errors of a run that took its worker down (crash, hang, timeout): the next attempt runs alone. */
export const LOST_RUN_ERRORS: readonly string[] = ['WorkerLostError', 'TimeLimitExceededError'];

/**
 * Whether the task's last run ended by taking its worker down. Its next run
 * is not started beside other tasks, whose runs would die with it again.
 */
export function runsAlone(record: Pick<TaskRecord, 'error'> | undefined): boolean {
  return record?.error !== undefined && LOST_RUN_ERRORS.includes(record.error.type);
}

/**
 * The fence, as pure logic. {@link claimCondition}, {@link runningCondition}
 * and {@link lostRunCondition} enforce the same rules inside DynamoDB's
 * conditional writes, so two deliveries can never both act on one attempt.
 */
export function judge(record: Fence | undefined, attempt: number, now: number): Verdict {
  if (!record) return { kind: 'run' };
  const { state } = record;
  if (FINISHED_STATES.includes(state)) return { kind: 'finished', state };
  if (state === 'PENDING' && record.attempt <= attempt) return { kind: 'run' };
  if (state === 'RETRY' && record.attempt === attempt - 1) return { kind: 'run' };
  if (state === 'RETRY' && record.attempt === attempt) return { kind: 'retried', eta: record.eta };
  if (RUNNING.includes(state) && record.attempt === attempt) {
    const leaseUntil = Number(record.leaseUntil ?? 0);
    return leaseUntil >= now ? { kind: 'running', leaseUntil } : { kind: 'lost' };
  }
  return { kind: 'stale', state, attempt: record.attempt };
}

/** A DynamoDB condition with its placeholders, merged into an update's. */
export interface Condition {
  readonly expression: string;
  readonly names: Record<string, string>;
  readonly values: Record<string, unknown>;
  /**
   * Holds only on an item that exists and was written by a run (a running
   * attempt): a write under it need not restate the item's identity, which
   * `if_not_exists` would keep anyway.
   */
  readonly existing?: boolean;
}

const NAMES = { '#state': 'state', '#attempt': 'attempt' };

/**
 * Conditions are the same for every task at a given attempt: each is built
 * once per (kind, attempt) and shared, frozen, by every write that uses it.
 */
function memo<A extends unknown[]>(build: (...args: A) => Condition): (...args: A) => Condition {
  const cache = new Map<string, Condition>();
  return (...args) => {
    const key = args.join(':');
    let condition = cache.get(key);
    if (!condition) {
      const built = build(...args);
      condition = Object.freeze({
        expression: built.expression,
        names: Object.freeze(built.names),
        values: Object.freeze(built.values),
        ...(built.existing ? { existing: true } : {}),
      });
      // Attempts are few (maxRetries <= 100); the bound only guards against a caller's loop.
      if (cache.size < 1_000) cache.set(key, condition);
    }
    return condition;
  };
}

/**
 * Attempt `n` may start (or expire): the `run` verdict of {@link judge}.
 * With `together`, a task whose last run took its worker down
 * ({@link runsAlone}) is refused, so that it can be run alone instead.
 */
export function claimCondition(
  n: number,
  options: { readonly together?: boolean } = {},
): Condition {
  return claimOf(n, options.together ?? false);
}

const claimOf = memo((n: number, together: boolean): Condition => {
  const due =
    '(#state = :fPending AND #attempt <= :fN) OR (#state = :fRetry AND #attempt = :fPrevious)';
  const values: Record<string, unknown> = {
    ':fPending': 'PENDING',
    ':fRetry': 'RETRY',
    ':fN': n,
    ':fPrevious': n - 1,
  };
  if (!together) {
    return { expression: `attribute_not_exists(pk) OR ${due}`, names: { ...NAMES }, values };
  }
  const lost = LOST_RUN_ERRORS.map((type, i) => {
    values[`:fLost${i}`] = type;
    return `:fLost${i}`;
  });
  return {
    expression: `attribute_not_exists(pk) OR ((${due}) AND NOT (#error.#type IN (${lost.join(', ')})))`,
    names: { ...NAMES, '#error': 'error', '#type': 'type' },
    values,
  };
});

/** Attempt `n` is the one running: a tracked run may record progress or its outcome. */
export const runningCondition: (n: number) => Condition = memo((n: number) => ({
  expression: '#state IN (:fStarted, :fProgress) AND #attempt = :fN',
  names: { ...NAMES },
  values: { ':fStarted': 'STARTED', ':fProgress': 'PROGRESS', ':fN': n },
  existing: true,
}));

/**
 * An untracked run of attempt `n` (`trackStarted: false` or `ignoreResult`)
 * wrote no STARTED: it may settle while attempt n is due or in PROGRESS.
 */
export const untrackedCondition: (n: number) => Condition = memo((n: number) => {
  const claim = claimCondition(n);
  return {
    expression: `${claim.expression} OR (#state = :fProgress AND #attempt = :fN)`,
    names: { ...NAMES },
    values: { ...claim.values, ':fProgress': 'PROGRESS' },
  };
});

/** Attempt `n` was running and its lease ended before `now` (epoch ms): the `lost` verdict. */
export function lostRunCondition(n: number, now: number): Condition {
  const running = runningCondition(n);
  return {
    expression: `${running.expression} AND #leaseUntil < :fNow`,
    names: LOST_RUN_NAMES,
    values: { ...running.values, ':fNow': now },
    existing: true,
  };
}

const LOST_RUN_NAMES = Object.freeze({ ...NAMES, '#leaseUntil': 'leaseUntil' });

/** `#state IN (...)` for a list of states. */
export function statesCondition(states: readonly TaskState[]): Condition {
  const values = Object.fromEntries(states.map((s, i) => [`:s${i}`, s]));
  return {
    expression: `#state IN (${Object.keys(values).join(', ')})`,
    names: { '#state': 'state' },
    values,
  };
}

/** Both conditions must hold; placeholders must not collide. */
export function both(a: Condition, b: Condition): Condition {
  return {
    expression: `(${a.expression}) AND (${b.expression})`,
    names: { ...a.names, ...b.names },
    values: { ...a.values, ...b.values },
  };
}
