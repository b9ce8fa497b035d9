import type { HistoryEntry, TaskRecord, TaskState } from '../../../src/protocol/records.js';
import type { TaskChange } from '../../../src/stream/index.js';

let next = 0;

/** A task record in `state`, with a history of one entry per state given (oldest first). */
export function record(
  state: TaskState,
  over: Partial<TaskRecord> = {},
  history: HistoryEntry[] = [],
): TaskRecord {
  return {
    id: 't-1',
    task: 'diagnostics.ping',
    tier: 'normal',
    state,
    attempt: 1,
    createdAt: '2026-11-23T10:00:00.000Z',
    updatedAt: '2026-11-23T10:00:01.000Z',
    history,
    ...over,
  };
}

/** A committed change from `before` to `after`, with a fresh event id. */
export function change(
  after: TaskRecord | undefined,
  before?: TaskRecord,
  at = Date.parse('2026-11-23T10:00:01Z'),
): TaskChange {
  next++;
  return {
    eventId: `e-${next}`,
    kind: before ? 'MODIFY' : 'INSERT',
    at,
    ...(before ? { before } : {}),
    ...(after ? { after } : {}),
  };
}
