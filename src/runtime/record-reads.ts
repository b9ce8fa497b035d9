import type { TaskRecord } from '../protocol/records.js';
import type { TaskRecords } from './task-records.js';

/** BatchGetItem's limit on keys per request. */
const MAX_KEYS = 100;

interface Waiter {
  readonly resolve: (record: TaskRecord | undefined) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The task-record reads of one invocation, batched: every `get` asked for
 * while the batch's records are being started (before the event loop next
 * checks for I/O) goes out in one BatchGetItem of strongly consistent reads,
 * each id once however many copies of it the batch holds. An untracked task
 * (`trackStarted: false`, `ignoreResult`) needs its record before it runs;
 * a batch of ten of them pays one request, not ten GetItems. A read that
 * fails fails only the records that asked for it (they stay on the queue).
 */
export class RecordReads {
  private pending = new Map<string, Waiter[]>();
  private scheduled = false;

  constructor(private readonly records: Pick<TaskRecords, 'getMany'>) {}

  /** The task's record, as one consistent read would return it. */
  get(id: string): Promise<TaskRecord | undefined> {
    return new Promise((resolve, reject) => {
      const waiting = this.pending.get(id);
      if (waiting) waiting.push({ resolve, reject });
      else this.pending.set(id, [{ resolve, reject }]);
      if (!this.scheduled) {
        this.scheduled = true;
        // After every record of the batch that is about to read has asked (their awaits so far
        // are promise continuations, which all run before the event loop's check phase).
        setImmediate(() => void this.dispatch());
      }
    });
  }

  private async dispatch(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    this.scheduled = false;
    const ids = [...batch.keys()];
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += MAX_KEYS) chunks.push(ids.slice(i, i + MAX_KEYS));
    await Promise.all(
      chunks.map(async (chunk) => {
        try {
          const found = await this.records.getMany(chunk);
          for (const id of chunk) for (const w of batch.get(id) ?? []) w.resolve(found.get(id));
        } catch (error) {
          for (const id of chunk) for (const w of batch.get(id) ?? []) w.reject(error);
        }
      }),
    );
  }
}
