import {
  ChangeMessageVisibilityBatchCommand,
  type ChangeMessageVisibilityBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/** A received message: where it lives and the receipt of its latest receive. */
export interface HeldMessage {
  readonly queueUrl: string;
  readonly messageId: string;
  readonly receiptHandle: string;
}

/** A message whose visibility could not be changed, with why. */
export interface ReleaseFailure {
  readonly messageId: string;
  readonly reason: string;
  /** The call itself failed (network, throttling): the message may well be unchanged. */
  readonly transient: boolean;
  /** SQS's code for the entry, when SQS refused it. */
  readonly code?: string;
}

/** SQS's answer for a message that is not hidden (any more): for a release, it is done. */
const NOT_IN_FLIGHT = /MessageNotInflight$/;

/** SQS's largest ChangeMessageVisibilityBatch. */
const BATCH = 10;

/**
 * Keeps received messages hidden for as long as a caller needs them, and no
 * longer. SQS has no peek: a receive hides a message for the visibility
 * timeout it asks for. A hold receives with a short timeout (`seconds`) and,
 * every third of it, extends the timeout of every message it still holds in
 * batches of ten (a heartbeat). So a slow caller never sees its messages
 * reappear, while one that dies leaves them hidden for `seconds` at most.
 * `release` makes messages visible at once.
 *
 * Extensions and releases run one after another, so a heartbeat can never
 * hide again a message that was just released.
 *
 * @example
 * const hold = new LetterHold(sqs, 20);
 * hold.add(received);
 * try { await work(received); } finally { await hold.close(); }
 */
export class LetterHold {
  private readonly held = new Map<string, HeldMessage & { until: number }>();
  private readonly lapsed = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * @param seconds - visibility timeout of each receive and each extension, 3-43200 s.
   */
  constructor(
    private readonly sqs: SQSClient,
    readonly seconds: number,
  ) {
    if (!Number.isInteger(seconds) || seconds < 3 || seconds > 43_200) {
      throw new RangeError(`hold (${seconds} s) must be a whole number of seconds, 3-43200`);
    }
  }

  /** Starts holding messages just received with a visibility timeout of `seconds`. */
  add(messages: readonly HeldMessage[], receivedAt = Date.now()): void {
    for (const message of messages) {
      this.held.set(message.messageId, { ...message, until: receivedAt + this.seconds * 1000 });
      this.lapsed.delete(message.messageId);
    }
    if (this.held.size > 0 && !this.timer) {
      this.timer = setInterval(() => void this.beat(), (this.seconds * 1000) / 3);
      // A forgotten hold must not keep the process alive; its messages reappear by themselves.
      this.timer.unref();
    }
  }

  /** The current receipt of a held message (undefined once released, forgotten or lapsed). */
  receiptOf(messageId: string): string | undefined {
    return this.held.get(messageId)?.receiptHandle;
  }

  /**
   * Why a message is no longer safely hidden (an extension failed, or its hold is about to
   * run out), or undefined while it is. Another reader may have it once this says so.
   */
  lapse(messageId: string, now = Date.now()): string | undefined {
    const reason = this.lapsed.get(messageId);
    if (reason) return reason;
    const entry = this.held.get(messageId);
    if (!entry) return 'not held';
    // A heartbeat lands every third of the hold; with less than that left, one was missed.
    if (entry.until - (this.seconds * 1000) / 3 <= now) {
      return 'its hold was not extended in time';
    }
    return undefined;
  }

  /** Stops holding a message that has been deleted. */
  forget(messageId: string): void {
    this.held.delete(messageId);
    this.stopIfEmpty();
  }

  /** Makes messages visible again at once; returns those SQS refused, with why. */
  release(messageIds: readonly string[]): Promise<ReleaseFailure[]> {
    return this.serial(async () => {
      const entries: HeldMessage[] = [];
      for (const id of messageIds) {
        const entry = this.held.get(id);
        if (!entry) continue;
        this.held.delete(id);
        entries.push(entry);
      }
      this.stopIfEmpty();
      const failures = await this.changeVisibility(entries, 0);
      return failures.filter((f) => !NOT_IN_FLIGHT.test(f.code ?? ''));
    });
  }

  /** Releases everything still held and stops the heartbeat. */
  close(): Promise<ReleaseFailure[]> {
    return this.release([...this.held.keys()]);
  }

  /** Extends every held message by `seconds` from now; a message SQS refuses has lapsed. */
  private beat(): Promise<unknown> {
    return this.serial(async () => {
      const entries = [...this.held.values()];
      const startedAt = Date.now();
      const failures = await this.changeVisibility(entries, this.seconds);
      const failed = new Map(failures.map((f) => [f.messageId, f]));
      for (const entry of entries) {
        const current = this.held.get(entry.messageId);
        if (!current || current.receiptHandle !== entry.receiptHandle) continue;
        const failure = failed.get(entry.messageId);
        if (failure?.transient) continue; // tried again at the next beat, while `until` holds
        if (failure) {
          this.lapsed.set(entry.messageId, `SQS refused to extend its hold: ${failure.reason}`);
          this.held.delete(entry.messageId);
        } else {
          current.until = startedAt + this.seconds * 1000;
        }
      }
      this.stopIfEmpty();
    });
  }

  private async changeVisibility(
    messages: readonly HeldMessage[],
    seconds: number,
  ): Promise<ReleaseFailure[]> {
    const byQueue = new Map<string, HeldMessage[]>();
    for (const m of messages) byQueue.set(m.queueUrl, [...(byQueue.get(m.queueUrl) ?? []), m]);
    const calls: Promise<ReleaseFailure[]>[] = [];
    for (const [queueUrl, all] of byQueue) {
      for (let i = 0; i < all.length; i += BATCH) {
        const batch = all.slice(i, i + BATCH);
        const entries: ChangeMessageVisibilityBatchRequestEntry[] = batch.map((m, j) => ({
          Id: `m${j}`,
          ReceiptHandle: m.receiptHandle,
          VisibilityTimeout: seconds,
        }));
        calls.push(
          this.sqs
            .send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries }))
            .then(
              (out) =>
                (out.Failed ?? []).map((f) => ({
                  messageId: batch[Number(f.Id?.slice(1))]?.messageId ?? '',
                  reason: `${f.Code}${f.Message ? `: ${f.Message}` : ''}`,
                  transient: false,
                  code: f.Code,
                })),
              (error: Error) =>
                batch.map((m) => ({
                  messageId: m.messageId,
                  reason: error.message || error.name,
                  transient: true,
                })),
            ),
        );
      }
    }
    return (await Promise.all(calls)).flat();
  }

  private serial<T>(step: () => Promise<T>): Promise<T> {
    const next = this.queue.then(step, step);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private stopIfEmpty(): void {
    if (this.held.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
