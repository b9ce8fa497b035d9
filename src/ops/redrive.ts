import { DeleteMessageCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Catalog, Tier } from '../catalog/index.js';
import type { StackConfig } from '../client/index.js';
import { LovageError } from '../errors.js';
import { readTaskMessage } from '../protocol/celery/index.js';
import { type Envelope, MESSAGE_ATTRIBUTES } from '../protocol/envelope.js';
import {
  type DeadLetter,
  type DeadLetterFilter,
  matches,
  pairOf,
  READ_DEFAULTS,
  receiveAll,
} from './dead-letters.js';
import { LetterHold } from './letter-hold.js';
import type { ReopenVerdict } from './reopen.js';

const REDRIVE_HOLD_SECONDS = 30;
/**
 * SQS keeps a message hidden for 12 h at most from the receive, however often its hold is
 * extended; a redrive must end well before that.
 */
const MAX_REDRIVE_SECONDS = 11 * 3600;

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
      await pause(next - Date.now(), options.signal);
      if (options.signal?.aborted) break;
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

/** Waits `ms`, or less if `signal` aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
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
 * a valid envelope, a task of the catalog in the queue's category and
 * tier, valid args, not expired. A letter that fails would only be rejected again.
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
    // Celery protocol-2 bodies too: the runtime reads both, a Celery one in its queue's tier.
    const queueTier = letter.queue.split('/')[1] as Tier | undefined;
    envelope = readTaskMessage(
      { body: letter.body, messageId: 'redrive' },
      { tierOf: () => queueTier },
    );
  } catch (error) {
    return refuse((error as Error).message);
  }
  const definition = catalog.tasks.get(envelope.task);
  if (!definition) return refuse(`task '${envelope.task}' is not in the catalog`);
  const [category, tier] = letter.queue.split('/');
  if (definition.category !== category) {
    return refuse(
      `task '${envelope.task}' belongs to category '${definition.category}', not to this queue's ('${category}')`,
    );
  }
  if (tier && envelope.tier !== tier) {
    return refuse(`tier '${envelope.tier}' does not match this queue's ('${tier}')`);
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
