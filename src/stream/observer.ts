import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { decodeChange } from './decode.js';
import { ReactionError } from './errors.js';
import type { TaskChange, TaskChangeReactor } from './types.js';

export type ObserverHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;

/**
 * The handler of the task stream observer: decodes a batch of the task
 * table's stream records into TaskChanges and hands the whole batch to
 * every reactor at once (each batches its own AWS calls). Reactors run side
 * by side; when any fails, the batch is reported failed from the earliest
 * change some reactor did not handle (a partial batch response carrying
 * that record's sequence number), so the stream redelivers from there and
 * the reactors that did succeed see those changes again — which is why
 * every reactor must be idempotent per change.
 *
 * @example
 * export const handler = createObserver([lifecycleEvents, statistics], logger);
 */
export function createObserver(
  reactors: readonly TaskChangeReactor[],
  logger: Logger,
): ObserverHandler {
  return async (event) => {
    const records = event.Records;
    const changes: TaskChange[] = [];
    const recordOf = new Map<string, DynamoDBRecord>();
    for (const record of records) {
      const change = decodeChange(record);
      if (!change) continue;
      changes.push(change);
      recordOf.set(change.eventId, record);
    }
    if (changes.length === 0) return { batchItemFailures: [] };

    const outcomes = await Promise.allSettled(reactors.map((r) => r.react(changes)));
    let failedFrom: number | undefined;
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled') return;
      const reactor = reactors[i]?.name ?? `reactor ${i}`;
      const error = outcome.reason as Error;
      const first =
        error instanceof ReactionError
          ? Math.max(
              0,
              changes.findIndex((c) => c.eventId === error.firstUnhandled),
            )
          : 0;
      logger.error(
        'reactor failed; the stream will deliver the batch again from its first unhandled change',
        {
          reactor,
          error,
          firstUnhandled: changes[first]?.eventId,
          changes: changes.length,
        },
      );
      failedFrom = Math.min(failedFrom ?? first, first);
    });
    if (failedFrom === undefined) return { batchItemFailures: [] };
    const change = changes[failedFrom] as TaskChange;
    const sequence = recordOf.get(change.eventId)?.dynamodb?.SequenceNumber;
    if (!sequence) throw new Error(`stream record ${change.eventId} has no sequence number`);
    return { batchItemFailures: [{ itemIdentifier: sequence }] };
  };
}
