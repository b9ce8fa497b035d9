import type { TaskRecord } from '../protocol/records.js';

/** One committed change of a task item, decoded from the task table's DynamoDB stream. */
export interface TaskChange {
  /** The stream record's eventID: unique per change, stable across stream retries. */
  readonly eventId: string;
  readonly kind: 'INSERT' | 'MODIFY' | 'REMOVE';
  /** When DynamoDB committed the change (ApproximateCreationDateTime), epoch ms. */
  readonly at: number;
  /** The item before the change (absent on INSERT). */
  readonly before?: TaskRecord;
  /** The item after the change (absent on REMOVE). */
  readonly after?: TaskRecord;
}

/**
 * Reacts to committed task changes: lifecycle events, statistics, mirrors such as
 * Celery-layout result items. Must be idempotent per change, because a batch can be
 * delivered again after a failure.
 */
export interface TaskChangeReactor {
  readonly name: string;
  react(changes: readonly TaskChange[]): Promise<void>;
}
