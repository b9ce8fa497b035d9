import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { backoffMs, isRetryable, mapLimit, sleep } from './concurrency.js';
import {
  MAX_MESSAGE_BYTES,
  messageAttributes,
  messageBytes,
  type PreparedSend,
} from './prepare.js';
import type { FailedSend, TaskHandle } from './types.js';

/** SQS's most entries per SendMessageBatch. */
export const MAX_BATCH_ENTRIES = 10;

/** A prepared task and its position in the caller's array. */
export interface IndexedSend {
  readonly index: number;
  readonly prepared: PreparedSend;
}

export interface BatchOutcome {
  readonly sent: (TaskHandle & { readonly index: number })[];
  readonly failed: FailedSend[];
}

export interface BatchSettings {
  readonly concurrency: number;
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
}

/**
 * Sends queue deliveries with SendMessageBatch: grouped by queue, in batches
 * of at most ten entries and 256 KiB, `concurrency` batches in flight.
 * Entries SQS fails through no fault of the sender, and whole calls that fail
 * with a retryable error, are retried with jittered backoff; every entry ends
 * up in `sent` or `failed`.
 *
 * @example
 * const { sent, failed } = await sendBatches(sqs, prepared.map((p, index) => ({ index, prepared: p })),
 *   { concurrency: 8, maxAttempts: 5, baseDelayMs: 100 });
 */
export async function sendBatches(
  sqs: SQSClient,
  entries: readonly IndexedSend[],
  settings: BatchSettings,
): Promise<BatchOutcome> {
  const outcomes = await mapLimit(batchesOf(entries), settings.concurrency, (batch) =>
    sendBatch(sqs, batch, settings),
  );
  return {
    sent: outcomes.flatMap((o) => o.sent).sort((a, b) => a.index - b.index),
    failed: outcomes.flatMap((o) => o.failed).sort((a, b) => a.index - b.index),
  };
}

/** Splits entries by queue, then into runs of at most ten entries and 256 KiB, keeping input order. */
export function batchesOf(entries: readonly IndexedSend[]): IndexedSend[][] {
  const byQueue = new Map<string, IndexedSend[]>();
  for (const entry of entries) {
    const url = entry.prepared.queue.url;
    byQueue.set(url, [...(byQueue.get(url) ?? []), entry]);
  }
  const batches: IndexedSend[][] = [];
  for (const queued of byQueue.values()) {
    let current: IndexedSend[] = [];
    let bytes = 0;
    for (const entry of queued) {
      const size = entrySize(entry);
      if (current.length === MAX_BATCH_ENTRIES || bytes + size > MAX_MESSAGE_BYTES) {
        batches.push(current);
        current = [];
        bytes = 0;
      }
      current.push(entry);
      bytes += size;
    }
    if (current.length > 0) batches.push(current);
  }
  return batches;
}

async function sendBatch(
  sqs: SQSClient,
  batch: readonly IndexedSend[],
  settings: BatchSettings,
): Promise<BatchOutcome> {
  const outcome: BatchOutcome = { sent: [], failed: [] };
  const queueUrl = batch[0]?.prepared.queue.url;
  const lastError = new Map<number, { code: string; message: string }>();
  let pending = batch;
  for (let attempt = 1; pending.length > 0; attempt++) {
    let retry: IndexedSend[] = [];
    try {
      const out = await sqs.send(
        new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending.map(toEntry) }),
      );
      const open = new Map(pending.map((e) => [entryId(e), e]));
      for (const ok of out.Successful ?? []) {
        const entry = open.get(ok.Id ?? '');
        if (!entry) continue;
        open.delete(entryId(entry));
        outcome.sent.push({
          ...handleOf(entry),
          ...(ok.MessageId ? { messageId: ok.MessageId } : {}),
        });
      }
      for (const bad of out.Failed ?? []) {
        const entry = open.get(bad.Id ?? '');
        if (!entry) continue;
        open.delete(entryId(entry));
        const error = { code: bad.Code ?? 'Unknown', message: bad.Message ?? 'no message' };
        if (bad.SenderFault) {
          outcome.failed.push(failure(entry, error, true, attempt));
        } else {
          lastError.set(entry.index, error);
          retry.push(entry);
        }
      }
      // Neither accepted nor refused: not known to be sent, so try again.
      for (const entry of open.values()) {
        lastError.set(entry.index, { code: 'NoResult', message: 'SQS did not report this entry' });
        retry.push(entry);
      }
    } catch (caught) {
      const error = { code: (caught as Error).name, message: (caught as Error).message };
      if (!isRetryable(caught)) {
        outcome.failed.push(...pending.map((e) => failure(e, error, false, attempt)));
        return outcome;
      }
      for (const entry of pending) lastError.set(entry.index, error);
      retry = [...pending];
    }
    if (retry.length > 0 && attempt >= settings.maxAttempts) {
      outcome.failed.push(
        ...retry.map((e) => failure(e, lastError.get(e.index) ?? noError, false, attempt)),
      );
      return outcome;
    }
    if (retry.length > 0) await sleep(backoffMs(attempt, settings.baseDelayMs));
    pending = retry;
  }
  return outcome;
}

const noError = { code: 'Unknown', message: 'unknown error' };
const entryId = (entry: IndexedSend) => `e${entry.index}`;

function toEntry(entry: IndexedSend): SendMessageBatchRequestEntry {
  const { envelope, body, delaySeconds } = entry.prepared;
  return {
    Id: entryId(entry),
    MessageBody: body,
    DelaySeconds: delaySeconds,
    MessageAttributes: messageAttributes(envelope),
  };
}

const entrySize = (entry: IndexedSend) =>
  messageBytes(entry.prepared.envelope, entry.prepared.body);

function handleOf(entry: IndexedSend): TaskHandle & { readonly index: number } {
  const { envelope } = entry.prepared;
  return {
    index: entry.index,
    id: envelope.id,
    task: envelope.task,
    tier: envelope.tier,
    delivery: 'queue',
    ...(envelope.eta ? { eta: envelope.eta } : {}),
  };
}

export function failure(
  entry: IndexedSend,
  error: { code: string; message: string },
  senderFault: boolean,
  attempts: number,
): FailedSend {
  return {
    index: entry.index,
    id: entry.prepared.envelope.id,
    task: entry.prepared.envelope.task,
    code: error.code,
    message: error.message,
    senderFault,
    attempts,
  };
}
