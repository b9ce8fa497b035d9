import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../../src/protocol/envelope.js';
import { runningCondition, type TaskRecords } from '../../../src/runtime/index.js';
import { ProgressReporter } from '../../../src/runtime/progress.js';

const envelope = { id: 'p-1', task: 't.plain', attempt: 1 } as Envelope;

/** Records whose every call fails the test: nothing may be written for bad input or throttled calls. */
const untouchable = new Proxy({} as TaskRecords, {
  get: (_target, name) => () => {
    throw new Error(`TaskRecords.${String(name)} must not be called`);
  },
});

function reporter(records: TaskRecords, clock: () => number, controller = new AbortController()) {
  return new ProgressReporter({
    records,
    envelope,
    controller,
    condition: runningCondition(1),
    ttlSeconds: 60,
    logger: new Logger({ logLevel: 'SILENT' }),
    clock,
  });
}

describe('ctx.progress', () => {
  it('refuses numbers that cannot describe progress, before writing anything', async () => {
    const { report } = reporter(untouchable, () => 0);
    for (const [current, total] of [
      [1, 0],
      [-1, 10],
      [Number.NaN, 10],
      [1, Number.POSITIVE_INFINITY],
    ] as const) {
      await expect(report(current, total)).rejects.toThrow(
        `progress(${current}, ${total}) needs finite numbers with total > 0 and current >= 0`,
      );
    }
  });

  it('throws the signal reason at the next checkpoint once the run was aborted', async () => {
    const controller = new AbortController();
    const { report } = reporter(untouchable, () => 0, controller);
    controller.abort(new Error('soft limit'));
    await expect(report(1, 10)).rejects.toThrow('soft limit');
  });

  it('writes at most once per interval, and always the final step', async () => {
    const writes: number[] = [];
    const records = {
      progress: async (_e: unknown, meta: { current: number }) => {
        writes.push(meta.current);
        return { written: true };
      },
    } as unknown as TaskRecords;
    let now = 0;
    const { report } = reporter(records, () => now);
    for (let step = 1; step <= 10; step++) {
      now = step * 300;
      await report(step, 10);
    }
    // t = 300 (first), 1500, 2700 (1 s apart), and the last step.
    expect(writes).toEqual([1, 5, 9, 10]);
  });

  it('goes on when a write fails for another reason than the fence (throttling): progress is advisory', async () => {
    const records = {
      progress: async () => {
        throw Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
      },
    } as unknown as TaskRecords;
    const { report } = reporter(records, () => 0);
    await expect(report(1, 10)).resolves.toBeUndefined();
  });
});
