import type { TaskError } from './records.js';

/**
 * Task lifecycle events on the stack's EventBridge bus. The task stream
 * observer publishes them from committed task records (never from inside a
 * task's run), so an event always describes a state the table holds.
 */
export const LIFECYCLE_EVENTS = {
  source: 'lovage',
  started: 'task.started',
  succeeded: 'task.succeeded',
  failed: 'task.failed',
  retried: 'task.retried',
  revoked: 'task.revoked',
  expired: 'task.expired',
} as const;

export type LifecycleOutcome = Exclude<keyof typeof LIFECYCLE_EVENTS, 'source'>;

/**
 * The `detail` of a lifecycle event: ids, timing and the error, never the
 * payload or the result. Delivery is at least once (a stream batch that is
 * retried publishes again): `changeId` is the same on every copy, so a
 * subscriber that must act once can de-duplicate on it.
 */
export interface LifecycleDetail {
  readonly id: string;
  readonly task: string;
  readonly tier: string;
  /** The state the task entered: STARTED, SUCCESS, FAILURE, RETRY, REVOKED or EXPIRED. */
  readonly state: string;
  readonly attempt: number;
  /** When the change was committed, ISO-8601. */
  readonly at: string;
  /** The stream record's id: stable across redeliveries of the same change. */
  readonly changeId: string;
  /** How long the run took, for succeeded, failed and retried. */
  readonly durationMs?: number;
  readonly correlationId?: string;
  readonly source?: string;
  readonly error?: TaskError;
  /** For `retried`: seconds until the next attempt. */
  readonly retryInSeconds?: number;
  /** For `failed`: why it is final; for `revoked`: who or why. */
  readonly reason?: string;
}
