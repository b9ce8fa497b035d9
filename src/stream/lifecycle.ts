import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import {
  LIFECYCLE_EVENTS,
  type LifecycleDetail,
  type LifecycleOutcome,
} from '../protocol/lifecycle.js';
import type { TaskRecord, TaskState } from '../protocol/records.js';
import { ReactionError } from './errors.js';
import type { TaskChange, TaskChangeReactor } from './types.js';

const OUTCOME_OF: Partial<Record<TaskState, LifecycleOutcome>> = {
  STARTED: 'started',
  SUCCESS: 'succeeded',
  FAILURE: 'failed',
  RETRY: 'retried',
  REVOKED: 'revoked',
  EXPIRED: 'expired',
};

/** PutEvents takes at most 10 entries per call. */
export const PUT_EVENTS_MAX_ENTRIES = 10;
/** Rounds of re-sending entries EventBridge failed (throttling, internal errors) before giving up. */
const MAX_ROUNDS = 4;

export interface LifecycleEvent {
  readonly detailType: string;
  readonly detail: LifecycleDetail;
}

/**
 * The lifecycle event a committed change stands for, if any: the task
 * entered STARTED, SUCCESS, FAILURE, RETRY, REVOKED or EXPIRED (a STARTED
 * that took over a dead run counts as a new start). Progress updates,
 * schedule notes and a second note on a REVOKED task are not events.
 */
export function lifecycleEventOf(
  change: TaskChange,
  options: { readonly started?: boolean } = {},
): LifecycleEvent | undefined {
  const { before, after } = change;
  if (!after) return undefined;
  const outcome = OUTCOME_OF[after.state];
  if (!outcome || (outcome === 'started' && options.started === false)) return undefined;
  const entered =
    before?.state !== after.state ||
    (after.state === 'STARTED' && (after.history?.length ?? 0) > (before?.history?.length ?? 0));
  if (!entered) return undefined;
  const note = lastNote(after);
  const detail: LifecycleDetail = {
    id: after.id,
    task: after.task,
    tier: after.tier,
    state: after.state,
    attempt: Number(after.attempt),
    at: new Date(change.at).toISOString(),
    changeId: change.eventId,
    ...(after.durationMs !== undefined && outcome !== 'started' && outcome !== 'revoked'
      ? { durationMs: Number(after.durationMs) }
      : {}),
    ...(after.correlationId ? { correlationId: after.correlationId } : {}),
    ...(after.source ? { source: after.source } : {}),
    ...((outcome === 'failed' || outcome === 'retried') && after.error
      ? { error: after.error }
      : {}),
    ...(outcome === 'retried' && after.eta ? { retryInSeconds: retryIn(after) } : {}),
    ...((outcome === 'failed' || outcome === 'revoked') && note ? { reason: note } : {}),
  };
  return { detailType: LIFECYCLE_EVENTS[outcome], detail };
}

/** The note of the history entry this change appended (the runtime writes the reason there). */
function lastNote(record: TaskRecord): string | undefined {
  const entry = record.history?.at(-1);
  return entry?.state === record.state ? entry.note : undefined;
}

/** The runtime writes RETRY with `eta` = now + the backoff delay, in whole seconds. */
function retryIn(record: TaskRecord): number {
  const seconds = (Date.parse(record.eta ?? '') - Date.parse(record.updatedAt)) / 1000;
  return Number.isFinite(seconds) ? Math.max(0, Math.round(seconds)) : 0;
}

export interface LifecycleReactorOptions {
  readonly client: EventBridgeClient;
  readonly busName: string;
  /**
   * Publish `task.started` too (one more event per task that tracks STARTED).
   * @defaultValue true
   */
  readonly started?: boolean;
  /** @defaultValue 100 ms, doubled per round */
  readonly retryBaseMs?: number;
}

/**
 * Publishes lifecycle events for a batch of changes in stream order, ten
 * entries per PutEvents. Entries EventBridge fails (FailedEntryCount) are
 * sent again, alone, with backoff; when some still fail, the reactor
 * throws a ReactionError naming the first change whose event is not
 * published, and the batch is redelivered from there (events after it that
 * did go out are published again: delivery is at least once, with a stable
 * `changeId`).
 */
export function lifecycleEventsReactor(options: LifecycleReactorOptions): TaskChangeReactor {
  const name = 'lifecycle-events';
  const base = options.retryBaseMs ?? 100;
  return {
    name,
    async react(changes) {
      const pending = changes.flatMap((change) => {
        const event = lifecycleEventOf(change, { started: options.started ?? true });
        if (!event) return [];
        const entry: PutEventsRequestEntry = {
          EventBusName: options.busName,
          Source: LIFECYCLE_EVENTS.source,
          DetailType: event.detailType,
          Detail: JSON.stringify(event.detail),
          Time: new Date(change.at),
        };
        return [{ change, entry }];
      });
      let failed: { change: TaskChange; error: string }[] = [];
      for (let i = 0; i < pending.length; i += PUT_EVENTS_MAX_ENTRIES) {
        const chunk = pending.slice(i, i + PUT_EVENTS_MAX_ENTRIES);
        failed.push(...(await publish(options.client, chunk, base)));
      }
      if (failed.length === 0) return;
      failed = failed.sort((a, b) => changes.indexOf(a.change) - changes.indexOf(b.change));
      const first = failed[0] as (typeof failed)[number];
      throw new ReactionError(
        name,
        first.change.eventId,
        `${failed.length} lifecycle event(s) not published after ${MAX_ROUNDS} rounds (first: ${first.error})`,
      );
    },
  };
}

/** Sends one chunk; resolves with the entries that still failed after every round. */
async function publish(
  client: EventBridgeClient,
  chunk: readonly { change: TaskChange; entry: PutEventsRequestEntry }[],
  baseMs: number,
): Promise<{ change: TaskChange; error: string }[]> {
  let left = chunk.map((item) => ({ ...item, error: '' }));
  for (let round = 0; round < MAX_ROUNDS && left.length > 0; round++) {
    if (round > 0) await sleep(baseMs * 2 ** (round - 1) * (0.5 + Math.random()));
    try {
      const out = await client.send(new PutEventsCommand({ Entries: left.map((l) => l.entry) }));
      if (!out.FailedEntryCount) return [];
      // Entries come back in request order; a failed one has an ErrorCode and no EventId.
      left = left.flatMap((item, i) => {
        const result = out.Entries?.[i];
        if (result?.EventId && !result.ErrorCode) return [];
        return [
          { ...item, error: `${result?.ErrorCode ?? 'Unknown'}: ${result?.ErrorMessage ?? ''}` },
        ];
      });
    } catch (error) {
      left = left.map((item) => ({ ...item, error: (error as Error).message }));
    }
  }
  return left.map(({ change, error }) => ({ change, error }));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
