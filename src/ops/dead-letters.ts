import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { QueuePair, StackConfig } from '../client/index.js';
import { MESSAGE_ATTRIBUTES } from '../protocol/envelope.js';
import { DEAD_LETTER_ATTRIBUTES } from '../runtime/dead-letter.js';

/** A dead-lettered message with what it says about its failure. */
export interface DeadLetter {
  /** `<category>/<tier>` whose DLQ holds it. */
  readonly queue: string;
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly taskId: string | undefined;
  readonly task: string | undefined;
  /** From the runtime's attributes; undefined for a message the redrive policy moved (crash or timeout). */
  readonly errorType: string | undefined;
  readonly errorMessage: string | undefined;
  readonly failedAt: string | undefined;
  readonly attempts: number | undefined;
  /** When the message was first sent to its source queue (SentTimestamp of the DLQ copy otherwise). */
  readonly sentAt: string | undefined;
}

/** Which letters an operation applies to; every given field must match. */
export interface DeadLetterFilter {
  readonly queue?: string;
  readonly task?: string;
  readonly errorType?: string;
  /** Failed at or after (ISO time). */
  readonly since?: string;
  /** Failed before (ISO time). */
  readonly until?: string;
}

export interface ReadOptions {
  /**
   * Seconds the read letters stay hidden from other readers (SQS has no peek).
   * @defaultValue 30
   */
  readonly holdSeconds?: number;
  /** @defaultValue 1000 */
  readonly max?: number;
  /**
   * Leave the read letters hidden for `holdSeconds` (redrive does, so no other reader takes
   * them meanwhile). Otherwise they are made visible again as soon as they have been read.
   * @defaultValue false
   */
  readonly keepHidden?: boolean;
}

/**
 * Reads dead letters from the DLQs named by `filter.queue` (all by default). DLQs have no
 * redrive policy, so reading never moves a letter; each is hidden while the read goes on
 * (SQS has no peek) and visible again when it returns, unless `keepHidden`.
 *
 * @example
 * const letters = await readDeadLetters(config, sqs, { task: 'email.send' });
 */
export async function readDeadLetters(
  config: StackConfig,
  sqs: SQSClient,
  filter: DeadLetterFilter = {},
  options: ReadOptions = {},
): Promise<DeadLetter[]> {
  const max = options.max ?? 1000;
  const letters: DeadLetter[] = [];
  for (const [queue, pair] of queuesOf(config, filter.queue)) {
    while (letters.length < max) {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: pair.dlq,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: options.holdSeconds ?? 30,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['SentTimestamp'],
          WaitTimeSeconds: 0,
        }),
      );
      const batch = out.Messages ?? [];
      if (batch.length === 0) break;
      for (const message of batch) letters.push(toDeadLetter(queue, message));
    }
  }
  if (!options.keepHidden) await release(config, sqs, letters);
  return letters.filter((letter) => matches(letter, filter)).slice(0, max);
}

export interface RedriveOptions {
  /** Only report what would move. @defaultValue false */
  readonly dryRun?: boolean;
  /** Messages moved per second at most. @defaultValue 10 */
  readonly ratePerSecond?: number;
  /** Called after each letter is handled, for a progress bar. */
  readonly onProgress?: (done: number, total: number, letter: DeadLetter) => void;
  /**
   * Makes a failed task runnable again before its envelope is re-sent (the runtime
   * acknowledges a finished task without running it). Returns false to leave the letter in
   * the DLQ (e.g. the task has since succeeded).
   */
  readonly reopenTask: (taskId: string) => Promise<boolean>;
}

export interface RedriveResult {
  readonly matched: number;
  readonly moved: number;
  /** Letters left in the DLQ, with why. */
  readonly skipped: readonly { readonly letter: DeadLetter; readonly reason: string }[];
}

/**
 * Moves matching dead letters back to their source queues: reopen the task, send the
 * original body, then delete the letter. Interrupted between send and delete, a letter is
 * sent twice at worst, never lost; the runtime runs a task id once.
 *
 * @example
 * await redrive(config, sqs, { errorType: 'TimeoutError' }, { reopenTask: (id) => ops.reopen(id) });
 */
export async function redrive(
  config: StackConfig,
  sqs: SQSClient,
  filter: DeadLetterFilter,
  options: RedriveOptions,
): Promise<RedriveResult> {
  const all = await readDeadLetters(config, sqs, filter.queue ? { queue: filter.queue } : {}, {
    holdSeconds: 60,
    keepHidden: true,
  });
  const matched = all.filter((letter) => matches(letter, filter));
  const others = all.filter((letter) => !matches(letter, filter));
  await release(config, sqs, others);
  if (options.dryRun) {
    await release(config, sqs, matched);
    return { matched: matched.length, moved: 0, skipped: [] };
  }
  const interval = 1000 / Math.max(0.1, options.ratePerSecond ?? 10);
  const skipped: { letter: DeadLetter; reason: string }[] = [];
  let moved = 0;
  let next = Date.now();
  for (const [i, letter] of matched.entries()) {
    const wait = next - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    next = Date.now() + interval;
    const pair = pairOf(config, letter.queue);
    if (letter.taskId && !(await options.reopenTask(letter.taskId))) {
      skipped.push({ letter, reason: 'task is no longer FAILURE (it ran again or was revoked)' });
      await release(config, sqs, [letter]);
    } else {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: pair.url,
          MessageBody: letter.body,
          MessageAttributes: {
            ...(letter.task
              ? { [MESSAGE_ATTRIBUTES.taskName]: { DataType: 'String', StringValue: letter.task } }
              : {}),
            ...(letter.taskId
              ? { [MESSAGE_ATTRIBUTES.taskId]: { DataType: 'String', StringValue: letter.taskId } }
              : {}),
          },
        }),
      );
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: pair.dlq, ReceiptHandle: letter.receiptHandle }),
      );
      moved += 1;
    }
    options.onProgress?.(i + 1, matched.length, letter);
  }
  return { matched: matched.length, moved, skipped };
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

/** Makes letters visible again at once, so a dry run or a filter leaves no trace. */
async function release(
  config: StackConfig,
  sqs: SQSClient,
  letters: readonly DeadLetter[],
): Promise<void> {
  await Promise.all(
    letters.map((letter) =>
      sqs
        .send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: pairOf(config, letter.queue).dlq,
            ReceiptHandle: letter.receiptHandle,
            VisibilityTimeout: 0,
          }),
        )
        .catch(() => undefined),
    ),
  );
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

function pairOf(config: StackConfig, queue: string): QueuePair {
  const pair = config.queues[queue];
  if (!pair) throw new Error(`no queue '${queue}' in stack '${config.stackName}'`);
  return pair;
}

function toDeadLetter(queue: string, message: Message): DeadLetter {
  const attr = (name: string) => message.MessageAttributes?.[name]?.StringValue;
  let envelope: { id?: unknown; task?: unknown; createdAt?: unknown } = {};
  try {
    envelope = JSON.parse(message.Body ?? '');
  } catch {
    // Not JSON: the runtime said why in the attributes.
  }
  const sent = message.Attributes?.SentTimestamp;
  const attempts = attr(DEAD_LETTER_ATTRIBUTES.attempts);
  return {
    queue,
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    taskId:
      attr(MESSAGE_ATTRIBUTES.taskId) ??
      (typeof envelope.id === 'string' ? envelope.id : undefined),
    task:
      attr(MESSAGE_ATTRIBUTES.taskName) ??
      (typeof envelope.task === 'string' ? envelope.task : undefined),
    errorType: attr(DEAD_LETTER_ATTRIBUTES.errorType),
    errorMessage: attr(DEAD_LETTER_ATTRIBUTES.errorMessage),
    failedAt: attr(DEAD_LETTER_ATTRIBUTES.failedAt),
    attempts: attempts === undefined ? undefined : Number(attempts),
    sentAt: sent ? new Date(Number(sent)).toISOString() : undefined,
  };
}

function matches(letter: DeadLetter, filter: DeadLetterFilter): boolean {
  const at = letter.failedAt ?? letter.sentAt;
  return (
    (!filter.queue || letter.queue === filter.queue) &&
    (!filter.task || letter.task === filter.task) &&
    (!filter.errorType || letter.errorType === filter.errorType) &&
    (!filter.since || (at !== undefined && at >= filter.since)) &&
    (!filter.until || (at !== undefined && at < filter.until))
  );
}
