import {
  type Message,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { QueuePair, StackConfig } from '../client/index.js';
import { MESSAGE_ATTRIBUTES } from '../protocol/envelope.js';
import { DEAD_LETTER_ATTRIBUTES } from '../runtime/dead-letter.js';
import { LetterHold, type ReleaseFailure } from './letter-hold.js';

/** What a letter without the runtime's attributes is: the queue's redrive policy moved it. */
export const REDRIVE_POLICY_REASON = 'moved by the redrive policy (crash or timeout)';

/** A dead-lettered message with what it says about its failure. */
export interface DeadLetter {
  /** `<category>/<tier>` whose DLQ holds it. */
  readonly queue: string;
  readonly messageId: string;
  readonly body: string;
  readonly taskId: string | undefined;
  readonly task: string | undefined;
  /**
   * `runtime`: failed for good (or rejected) by the runtime, with its reason in attributes.
   * `redrive-policy`: moved by the queue's redrive policy after deliveries that never
   * finished (the function crashed or timed out), so it carries no reason.
   */
  readonly origin: 'runtime' | 'redrive-policy';
  readonly errorType: string | undefined;
  readonly errorMessage: string | undefined;
  /** Why the failure is final, e.g. "retries exhausted: attempt 2 of 2 (maxRetries 1)". */
  readonly failureReason: string | undefined;
  readonly failedAt: string | undefined;
  /** Runs made, including the last; 0 for a message rejected before it could run. */
  readonly attempts: number | undefined;
  /** SentTimestamp of the message: when it was first sent to its source queue. */
  readonly sentAt: string | undefined;
}

/** Which letters an operation applies to; every given field must match. */
export interface DeadLetterFilter {
  readonly queue?: string;
  /** The letters of one task id. */
  readonly taskId?: string;
  readonly task?: string;
  readonly errorType?: string;
  /** Failed (or, for a letter without a failure time, sent) at or after (ISO time). */
  readonly since?: string;
  /** Failed (or sent) before (ISO time). */
  readonly until?: string;
}

export interface ReadOptions {
  /**
   * Seconds a read letter stays hidden from other readers if this process dies mid-read
   * (SQS has no peek). The hold is extended while the read goes on, 3-43200.
   * @defaultValue 20
   */
  readonly holdSeconds?: number;
  /** Letters read at most, over all DLQs. @defaultValue 10000 */
  readonly max?: number;
}

export interface DeadLetterRead {
  /** The letters that match the filter, by queue, oldest first. */
  readonly letters: DeadLetter[];
  /** False when `max` letters were read before every DLQ answered empty: more remain. */
  readonly complete: boolean;
  /** Letters SQS would not make visible again at once; they reappear when their hold ends. */
  readonly unreleased: readonly ReleaseFailure[];
}

/** Empty long-poll receives in a row after which a DLQ is taken to be empty. */
const EMPTY_RECEIVES = 2;
/** Long polling (any value >= 1) asks every SQS server, so an empty answer means empty. */
const WAIT_SECONDS = 1;
/** Defaults of {@link ReadOptions}. */
export const READ_DEFAULTS = { holdSeconds: 20, max: 10_000 } as const;

/**
 * Reads the DLQs named by `filter.queue` (all by default), each until it
 * answers empty twice in a row to a long poll, and makes every letter
 * visible again as soon as the read is over. DLQs have no redrive policy,
 * so reading never moves a letter.
 *
 * @example
 * const { letters } = await readDeadLetters(config, sqs, { task: 'email.send' });
 */
export async function readDeadLetters(
  config: StackConfig,
  sqs: SQSClient,
  filter: DeadLetterFilter = {},
  options: ReadOptions = {},
): Promise<DeadLetterRead> {
  const hold = new LetterHold(sqs, options.holdSeconds ?? READ_DEFAULTS.holdSeconds);
  let read: Awaited<ReturnType<typeof receiveAll>>;
  try {
    read = await receiveAll(config, sqs, filter.queue, hold, options.max ?? READ_DEFAULTS.max);
  } catch (error) {
    await hold.close();
    throw error;
  }
  const unreleased = await hold.close();
  return {
    letters: read.letters.filter((letter) => matches(letter, filter)),
    complete: read.complete,
    unreleased,
  };
}

/**
 * Deletes every message in the DLQs named by `queue` (all by default).
 *
 * @example
 * await purgeDeadLetters(config, sqs, 'email/high');
 */
export async function purgeDeadLetters(
  config: StackConfig,
  sqs: SQSClient,
  queue?: string,
): Promise<string[]> {
  const queues = queuesOf(config, queue);
  await Promise.all(
    queues.map(([, pair]) => sqs.send(new PurgeQueueCommand({ QueueUrl: pair.dlq }))),
  );
  return queues.map(([name]) => name);
}

/** How a letter failed, in one line: the runtime's error and reason, or the redrive policy. */
export function describeFailure(letter: DeadLetter): string {
  if (letter.origin === 'redrive-policy') return REDRIVE_POLICY_REASON;
  const error = `${letter.errorType}: ${letter.errorMessage ?? ''}`.trimEnd();
  return letter.failureReason ? `${error} (${letter.failureReason})` : error;
}

/**
 * Receives every letter of the named DLQs (in parallel) into `hold`, each DLQ until it
 * answers empty {@link EMPTY_RECEIVES} times in a row, `max` letters at most.
 */
export async function receiveAll(
  config: StackConfig,
  sqs: SQSClient,
  queue: string | undefined,
  hold: LetterHold,
  max: number,
): Promise<{ letters: DeadLetter[]; complete: boolean }> {
  const read = new Map<string, DeadLetter>();
  let complete = true;
  const drain = async (name: string, pair: QueuePair) => {
    let empty = 0;
    while (empty < EMPTY_RECEIVES) {
      if (read.size >= max) {
        complete = false;
        return;
      }
      const asked = Date.now();
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: pair.dlq,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: hold.seconds,
          WaitTimeSeconds: WAIT_SECONDS,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['SentTimestamp'],
        }),
      );
      const batch = out.Messages ?? [];
      empty = batch.length === 0 ? empty + 1 : 0;
      hold.add(
        batch.map((m) => ({
          queueUrl: pair.dlq,
          messageId: m.MessageId ?? '',
          receiptHandle: m.ReceiptHandle ?? '',
        })),
        asked,
      );
      for (const message of batch) read.set(message.MessageId ?? '', toDeadLetter(name, message));
    }
  };
  await Promise.all(queuesOf(config, queue).map(([name, pair]) => drain(name, pair)));
  const letters = [...read.values()].sort(
    (a, b) =>
      a.queue.localeCompare(b.queue) ||
      (a.failedAt ?? a.sentAt ?? '').localeCompare(b.failedAt ?? b.sentAt ?? ''),
  );
  if (letters.length > max) {
    await hold.release(letters.slice(max).map((l) => l.messageId));
    return { letters: letters.slice(0, max), complete: false };
  }
  return { letters, complete };
}

function queuesOf(config: StackConfig, queue: string | undefined): [string, QueuePair][] {
  const entries = Object.entries(config.queues).sort(([a], [b]) => a.localeCompare(b));
  if (!queue) return entries;
  const found = entries.filter(([name]) => name === queue);
  if (found.length === 0) {
    throw new Error(`no queue '${queue}'; the stack has: ${entries.map(([n]) => n).join(', ')}`);
  }
  return found;
}

export function pairOf(config: StackConfig, queue: string): QueuePair {
  const pair = config.queues[queue];
  if (!pair) throw new Error(`no queue '${queue}' in stack '${config.stackName}'`);
  return pair;
}

/** Reads what a received message says about its failure; never throws on a bad body. */
export function toDeadLetter(queue: string, message: Message): DeadLetter {
  const attr = (name: string) => message.MessageAttributes?.[name]?.StringValue;
  let envelope: { id?: unknown; task?: unknown } = {};
  try {
    const parsed: unknown = JSON.parse(message.Body ?? '');
    if (typeof parsed === 'object' && parsed !== null) envelope = parsed;
  } catch {
    // Not JSON: the runtime said why in the attributes.
  }
  const sent = message.Attributes?.SentTimestamp;
  const attempts = attr(DEAD_LETTER_ATTRIBUTES.attempts);
  const errorType = attr(DEAD_LETTER_ATTRIBUTES.errorType);
  return {
    queue,
    messageId: message.MessageId ?? '',
    body: message.Body ?? '',
    taskId:
      attr(MESSAGE_ATTRIBUTES.taskId) ??
      (typeof envelope.id === 'string' ? envelope.id : undefined),
    task:
      attr(MESSAGE_ATTRIBUTES.taskName) ??
      (typeof envelope.task === 'string' ? envelope.task : undefined),
    origin: errorType === undefined ? 'redrive-policy' : 'runtime',
    errorType,
    errorMessage: attr(DEAD_LETTER_ATTRIBUTES.errorMessage),
    failureReason: attr(DEAD_LETTER_ATTRIBUTES.reason),
    failedAt: attr(DEAD_LETTER_ATTRIBUTES.failedAt),
    attempts: attempts === undefined || attempts === '' ? undefined : Number(attempts),
    sentAt: sent ? new Date(Number(sent)).toISOString() : undefined,
  };
}

/** Whether a letter passes every field of `filter`. */
export function matches(letter: DeadLetter, filter: DeadLetterFilter): boolean {
  const at = letter.failedAt ?? letter.sentAt;
  return (
    (!filter.queue || letter.queue === filter.queue) &&
    (!filter.taskId || letter.taskId === filter.taskId) &&
    (!filter.task || letter.task === filter.task) &&
    (!filter.errorType || letter.errorType === filter.errorType) &&
    (!filter.since || (at !== undefined && at >= filter.since)) &&
    (!filter.until || (at !== undefined && at < filter.until))
  );
}
