import {
  DeleteMessageCommand,
  type Message,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Catalog } from '../catalog/index.js';
import type { QueuePair, StackConfig } from '../client/index.js';
import { LovageError } from '../errors.js';
import { type Envelope, MESSAGE_ATTRIBUTES, parseEnvelope } from '../protocol/envelope.js';
import { DEAD_LETTER_ATTRIBUTES } from '../runtime/dead-letter.js';
import { LetterHold, type ReleaseFailure } from './letter-hold.js';
import type { ReopenVerdict } from './reopen.js';

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
const REDRIVE_HOLD_SECONDS = 30;
/**
 * SQS keeps a message hidden for 12 h at most from the receive, however often its hold is
 * extended; a redrive must end well before that.
 */
const MAX_REDRIVE_SECONDS = 11 * 3600;

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
 * Re-sends the task of one letter: makes it runnable again, or says why it must not be.
 * `dryRun` judges without changing anything.
 */
export type Reopen = (
  task: { readonly id: string; readonly attempt: number },
  options: { readonly dryRun: boolean },
) => Promise<ReopenVerdict>;

export interface RedriveOptions {
  /** The catalog the letters' envelopes are checked against, as the runtime will. */
  readonly catalog: Catalog;
  /** Makes a task runnable again before its envelope is re-sent (see `reopenTask`). */
  readonly reopen: Reopen;
  /** Only report what would move. @defaultValue false */
  readonly dryRun?: boolean;
  /** Letters moved per second at most. @defaultValue 10 */
  readonly ratePerSecond?: number;
  /**
   * Seconds a letter stays hidden if this process dies; extended for as long as the redrive
   * needs the letter, 3-43200.
   * @defaultValue 30
   */
  readonly holdSeconds?: number;
  /** Letters read at most. @defaultValue 10000 */
  readonly max?: number;
  /** Stops between letters; what is not moved yet is made visible again. */
  readonly signal?: AbortSignal;
  /** Called after each letter is handled, for a progress bar. */
  readonly onProgress?: (done: number, total: number, letter: DeadLetter) => void;
}

export interface RedriveResult {
  readonly dryRun: boolean;
  /** Letters that matched the filter. */
  readonly matched: number;
  /** Letters re-sent and deleted from their DLQ (0 on a dry run). */
  readonly moved: number;
  /** On a dry run, the letters that would move. */
  readonly wouldMove: number;
  /** Letters left in their DLQ, with why. */
  readonly skipped: readonly { readonly letter: DeadLetter; readonly reason: string }[];
  /** Letters an AWS call failed for; left in their DLQ (a later redrive takes them). */
  readonly failed: readonly { readonly letter: DeadLetter; readonly error: string }[];
  /** False when more letters remained than were read (`max`), or the redrive was stopped. */
  readonly complete: boolean;
}

/** A redrive that cannot be done as asked. */
export class RedriveError extends LovageError {
  constructor(message: string) {
    super(message);
    this.name = 'RedriveError';
  }
}

/**
 * Moves matching dead letters back to their source queues. Every letter is
 * read and held first; letters that do not match are released at once. Each
 * matching letter is checked as the runtime will check it (a body that is
 * not a valid envelope for the catalog is skipped with why: it would only be
 * rejected again), its task is reopened, its original body is sent, and only
 * then is the letter deleted. Letters waiting their turn stay hidden however
 * slow the rate, and a letter whose hold lapsed is left to a later redrive,
 * so none is moved twice. Interrupted between send and delete, a letter is
 * sent twice at worst, never lost; the runtime runs each attempt once.
 *
 * @example
 * await redrive(config, sqs, { errorType: 'TimeoutError' }, { catalog, reopen });
 */
export async function redrive(
  config: StackConfig,
  sqs: SQSClient,
  filter: DeadLetterFilter,
  options: RedriveOptions,
): Promise<RedriveResult> {
  const dryRun = options.dryRun ?? false;
  const rate = Math.max(0.1, options.ratePerSecond ?? 10);
  const hold = new LetterHold(sqs, options.holdSeconds ?? REDRIVE_HOLD_SECONDS);
  const skipped: { letter: DeadLetter; reason: string }[] = [];
  const failed: { letter: DeadLetter; error: string }[] = [];
  let moved = 0;
  let wouldMove = 0;
  try {
    const read = await receiveAll(
      config,
      sqs,
      filter.queue,
      hold,
      options.max ?? READ_DEFAULTS.max,
    );
    const matched = read.letters.filter((letter) => matches(letter, filter));
    await hold.release(
      read.letters.filter((letter) => !matches(letter, filter)).map((l) => l.messageId),
    );
    const movable: { letter: DeadLetter; envelope: Envelope }[] = [];
    for (const letter of matched) {
      const check = checkRedrivable(letter, options.catalog);
      if (check.ok) movable.push({ letter, envelope: check.envelope });
      else skipped.push({ letter, reason: check.reason });
    }
    await hold.release(skipped.map((s) => s.letter.messageId));

    if (dryRun) {
      for (const { letter, envelope } of movable) {
        const verdict = await options.reopen(envelope, { dryRun: true });
        if (verdict.kind === 'refuse') skipped.push({ letter, reason: verdict.reason });
        else wouldMove += 1;
      }
      return {
        dryRun,
        matched: matched.length,
        moved,
        wouldMove,
        skipped,
        failed,
        complete: read.complete,
      };
    }
    if (movable.length / rate > MAX_REDRIVE_SECONDS) {
      throw new RedriveError(
        `moving ${movable.length} letter(s) at ${rate} per second would take ${(movable.length / rate / 3600).toFixed(1)} h; SQS hides a letter for 12 h at most, so raise --rate or narrow the filter`,
      );
    }

    const interval = 1000 / rate;
    let next = Date.now();
    let done = 0;
    for (const { letter, envelope } of movable) {
      if (options.signal?.aborted) break;
      const wait = next - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      next = Date.now() + interval;
      const outcome = await moveOne(config, sqs, hold, letter, envelope, options.reopen);
      if (outcome.kind === 'moved') moved += 1;
      else if (outcome.kind === 'skipped') skipped.push({ letter, reason: outcome.reason });
      else failed.push({ letter, error: outcome.error });
      done += 1;
      options.onProgress?.(done, movable.length, letter);
    }
    return {
      dryRun,
      matched: matched.length,
      moved,
      wouldMove: movable.length,
      skipped,
      failed,
      complete: read.complete && !options.signal?.aborted,
    };
  } finally {
    await hold.close();
  }
}

type MoveOutcome =
  | { readonly kind: 'moved' }
  | { readonly kind: 'skipped'; readonly reason: string }
  | { readonly kind: 'failed'; readonly error: string };

/** Reopen, send, delete one held letter; releases it unless it moved. */
async function moveOne(
  config: StackConfig,
  sqs: SQSClient,
  hold: LetterHold,
  letter: DeadLetter,
  envelope: Envelope,
  reopen: Reopen,
): Promise<MoveOutcome> {
  const lapse = hold.lapse(letter.messageId);
  if (lapse) {
    // Another reader may hold it now: moving it here could move it twice.
    return { kind: 'skipped', reason: `not moved: ${lapse}; a later redrive takes it` };
  }
  const pair = pairOf(config, letter.queue);
  let sent = false;
  try {
    const verdict = await reopen(envelope, { dryRun: false });
    if (verdict.kind === 'refuse') {
      await hold.release([letter.messageId]);
      return { kind: 'skipped', reason: verdict.reason };
    }
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: pair.url,
        MessageBody: letter.body,
        MessageAttributes: {
          [MESSAGE_ATTRIBUTES.taskName]: { DataType: 'String', StringValue: envelope.task },
          [MESSAGE_ATTRIBUTES.taskId]: { DataType: 'String', StringValue: envelope.id },
        },
      }),
    );
    sent = true;
    await sqs.send(
      new DeleteMessageCommand({
        QueueUrl: pair.dlq,
        ReceiptHandle: hold.receiptOf(letter.messageId),
      }),
    );
    hold.forget(letter.messageId);
    return { kind: 'moved' };
  } catch (error) {
    await hold.release([letter.messageId]);
    const message = error instanceof Error ? error.message || error.name : String(error);
    return {
      kind: 'failed',
      error: sent ? `sent, but the letter could not be deleted: ${message}` : message,
    };
  }
}

/** Whether a letter's body would be accepted by the runtime of its queue, and as what. */
export type RedriveCheck =
  | { readonly ok: true; readonly envelope: Envelope }
  | { readonly ok: false; readonly reason: string };

/**
 * Checks a letter as the runtime of its queue will check the re-sent body:
 * a valid envelope, a task of the catalog in the queue's category, valid
 * args, not expired. A letter that fails would only be rejected again.
 *
 * @example
 * const check = checkRedrivable(letter, catalog);
 * if (!check.ok) console.log(check.reason);
 */
export function checkRedrivable(
  letter: Pick<DeadLetter, 'queue' | 'body'>,
  catalog: Catalog,
  now = Date.now(),
): RedriveCheck {
  const refuse = (why: string): RedriveCheck => ({
    ok: false,
    reason: `${why}; re-sent, it would only be rejected again`,
  });
  let envelope: Envelope;
  try {
    envelope = parseEnvelope(letter.body);
  } catch (error) {
    return refuse((error as Error).message);
  }
  const definition = catalog.tasks.get(envelope.task);
  if (!definition) return refuse(`task '${envelope.task}' is not in the catalog`);
  const category = letter.queue.split('/')[0];
  if (definition.category !== category) {
    return refuse(
      `task '${envelope.task}' belongs to category '${definition.category}', not to this queue's ('${category}')`,
    );
  }
  try {
    catalog.parseArgs(envelope.task, envelope.args);
  } catch (error) {
    return refuse((error as Error).message);
  }
  if (envelope.expires && Date.parse(envelope.expires) <= now) {
    return { ok: false, reason: `expired at ${envelope.expires}; the runtime would not run it` };
  }
  return { ok: true, envelope };
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
async function receiveAll(
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

function pairOf(config: StackConfig, queue: string): QueuePair {
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
    (!filter.task || letter.task === filter.task) &&
    (!filter.errorType || letter.errorType === filter.errorType) &&
    (!filter.since || (at !== undefined && at >= filter.since)) &&
    (!filter.until || (at !== undefined && at < filter.until))
  );
}
