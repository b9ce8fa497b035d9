import type {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityBatchResult,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LetterHold } from '../../../src/ops/index.js';

/**
 * The hold's own logic (ordering of extensions and releases, what counts as lapsed) against
 * a scripted transport; what SQS does with the calls is tested on the emulator.
 */
function transport(
  answer: (timeout: number, handles: string[]) => ChangeMessageVisibilityBatchResult | Error,
  latencyMs = 0,
) {
  const log: string[] = [];
  const sqs = {
    async send(command: ChangeMessageVisibilityBatchCommand) {
      const entries = command.input.Entries ?? [];
      const timeout = entries[0]?.VisibilityTimeout ?? -1;
      const handles = entries.map((e) => e.ReceiptHandle ?? '');
      log.push(`start ${timeout} ${handles.join(',')}`);
      await new Promise((resolve) => setTimeout(resolve, latencyMs));
      log.push(`end ${timeout}`);
      const out = answer(timeout, handles);
      if (out instanceof Error) throw out;
      return out;
    },
  } as unknown as SQSClient;
  return { sqs, log };
}

const held = (id: string) => ({ queueUrl: 'q', messageId: id, receiptHandle: `rh-${id}` });
/** Lets `ms` pass on the fake clock, running the timers and promises due meanwhile. */
const sleep = (ms: number) => vi.advanceTimersByTimeAsync(ms);
/** Awaits `promise` while the fake clock runs on. */
const settle = async <T>(promise: Promise<T>): Promise<T> => {
  await sleep(10);
  return promise;
};

describe('LetterHold', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('extends held messages every third of the hold, in batches of ten', async () => {
    const { sqs, log } = transport(() => ({ Successful: [], Failed: [] }));
    const hold = new LetterHold(sqs, 3);
    hold.add(Array.from({ length: 12 }, (_, i) => held(`m${i}`)));
    await sleep(1_100);
    expect(log.filter((l) => l.startsWith('start 3'))).toHaveLength(2);
    expect(hold.lapse('m0')).toBeUndefined();
    await settle(hold.close());
    expect(log.filter((l) => l.startsWith('start 0'))).toHaveLength(2);
  });

  it('never lets an extension in flight hide a message again after its release', async () => {
    const { sqs, log } = transport(() => ({ Successful: [], Failed: [] }), 200);
    const hold = new LetterHold(sqs, 3);
    hold.add([held('a')]);
    await sleep(1_050); // the first extension is in flight until 1.2 s
    const released = hold.release(['a']);
    await sleep(400);
    await released;
    expect(log).toEqual(['start 3 rh-a', 'end 3', 'start 0 rh-a', 'end 0']);
    await sleep(1_100);
    expect(log).toHaveLength(4); // released: no more extensions
  });

  it('counts a message SQS refuses to extend as lapsed at once, a failed call only once its hold runs low', async () => {
    let down = false;
    const { sqs } = transport((timeout, handles) =>
      down
        ? new Error('socket hang up')
        : {
            Successful: [],
            Failed:
              timeout > 0 && handles[0] === 'rh-gone'
                ? [{ Id: 'm0', Code: 'ReceiptHandleIsInvalid', SenderFault: true }]
                : [],
          },
    );
    const gone = new LetterHold(sqs, 3);
    gone.add([held('gone')]);
    await sleep(1_100);
    expect(gone.lapse('gone')).toBe('SQS refused to extend its hold: ReceiptHandleIsInvalid');

    down = true;
    const cut = new LetterHold(sqs, 3);
    cut.add([held('b')]);
    await sleep(1_100);
    expect(cut.lapse('b')).toBeUndefined();
    await sleep(1_000);
    expect(cut.lapse('b')).toBe('its hold was not extended in time');
    down = false;
    await settle(Promise.all([gone.close(), cut.close()]));
  });

  it('does not report a message that is visible already as unreleased', async () => {
    const { sqs } = transport((_, handles) => ({
      Successful: [],
      Failed: handles.map((_h, i) => ({
        Id: `m${i}`,
        Code: i === 0 ? 'AWS.SimpleQueueService.MessageNotInflight' : 'ReceiptHandleIsInvalid',
        SenderFault: true,
      })),
    }));
    const hold = new LetterHold(sqs, 20);
    hold.add([held('visible'), held('taken')]);
    expect(await settle(hold.close())).toEqual([
      {
        messageId: 'taken',
        reason: 'ReceiptHandleIsInvalid',
        transient: false,
        code: 'ReceiptHandleIsInvalid',
      },
    ]);
  });

  it('fails if the hold is out of range', () => {
    const { sqs } = transport(() => ({ Successful: [], Failed: [] }));
    expect(() => new LetterHold(sqs, 2)).toThrow(/hold \(2 s\) must be .* 3-43200/);
  });
});
