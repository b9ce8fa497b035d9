import { createHash } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { ZodError } from 'zod';
import type { Catalog, Tier } from '../catalog/index.js';
import { LovageError } from '../errors.js';
import { MAX_SQS_DELAY_SECONDS } from '../protocol/delays.js';
import { createEnvelope, type Envelope, envelopeAttributes } from '../protocol/envelope.js';
import { MAX_MESSAGE_BYTES } from './dead-letter.js';
import type { TaskLogger } from './logging.js';

/** Options of `ctx.send`. */
export interface ChildSendOptions {
  /**
   * Names the child among the children of its parent: its id is `<parent id>+<key>`
   * (letters, digits and `._:@=-`, at most 64). Pass one when a run sends a varying set of
   * children, so that each keeps its id across re-runs.
   * @defaultValue its position among the children this run has sent: `0`, `1`, `2`, ...
   */
  readonly key?: string;
  /** @defaultValue the task's catalog tier */
  readonly tier?: Tier;
  /**
   * Seconds before the child may run (SQS DelaySeconds, 0 to 900).
   * @defaultValue 0
   */
  readonly countdownSeconds?: number;
}

/** What `ctx.send` resolves with. */
export interface ChildHandle {
  readonly id: string;
  readonly task: string;
  readonly tier: Tier;
}

/** `ctx.send` of one run. */
export type SendChild = (
  task: string,
  args: unknown,
  options?: ChildSendOptions,
) => Promise<ChildHandle>;

/** `ctx.send` was asked for something it cannot do; nothing was sent. */
export class ChildSendError extends LovageError {
  constructor(message: string) {
    super(message);
    this.name = 'ChildSendError';
  }
}

const KEY = /^[A-Za-z0-9][A-Za-z0-9._:@=-]{0,63}$/;
const MAX_ID_LENGTH = 200;

/**
 * The id of the child `key` of task `parentId`: `<parent id>+<key>`, or, when that would pass
 * the 200-character id limit, the parent id's first 150 characters, `+` and a SHA-256 digest of
 * both. Deterministic, so a re-run of the parent sends the same ids and the runtime runs each
 * child once.
 *
 * @example
 * childTaskId('order-42', '0'); // 'order-42+0'
 */
export function childTaskId(parentId: string, key: string): string {
  const plain = `${parentId}+${key}`;
  if (plain.length <= MAX_ID_LENGTH) return plain;
  const digest = createHash('sha256').update(plain).digest('hex').slice(0, 40);
  return `${parentId.slice(0, 150)}+${digest}`;
}

/**
 * Sends the child tasks of running tasks (`ctx.send`). `queues` maps `"<category>/<tier>"` to
 * the URLs this function may send to: its own category's, and those of the tasks its category
 * lists in the catalog's `sends` (the stack grants exactly those).
 */
export class ChildTasks {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queues: Readonly<Record<string, string>>,
  ) {}

  /**
   * `ctx.send` for one run of `parent` in `category`: validates the task, its payload and the
   * options, derives the child's id from the parent's, and sends the envelope with the parent
   * and root ids (and the parent's correlation id). Throws ChildSendError,
   * UnknownTaskError or PayloadValidationError before anything is sent.
   */
  senderFor(catalog: Catalog, category: string, parent: Envelope, logger: TaskLogger): SendChild {
    let position = 0;
    const keys = new Set<string>();
    return async (task, args, options = {}) => {
      const key = options.key ?? String(position++);
      if (!KEY.test(key)) {
        throw new ChildSendError(
          `ctx.send key '${key}' must be 1-64 letters, digits or ._:@=-, starting with a letter or digit`,
        );
      }
      if (keys.has(key)) {
        throw new ChildSendError(
          `ctx.send key '${key}' was used twice in one run of ${parent.id}; each child needs its own key`,
        );
      }
      const definition = catalog.task(task);
      const own = catalog.category(category);
      if (definition.category !== category && !own.sends.includes(task)) {
        throw new ChildSendError(
          `category '${category}' may not send '${task}': add it to the category's 'sends' in the catalog and deploy`,
        );
      }
      catalog.parseArgs(task, args);
      const tier = options.tier ?? definition.tier;
      const url = this.queues[`${definition.category}/${tier}`];
      if (!url) {
        throw new ChildSendError(
          `this function may not send to the '${tier}' queue of category '${definition.category}' (it may send to ${Object.keys(this.queues).join(', ') || 'no queue'})`,
        );
      }
      const delay = options.countdownSeconds ?? 0;
      if (!Number.isInteger(delay) || delay < 0 || delay > MAX_SQS_DELAY_SECONDS) {
        throw new ChildSendError(
          `ctx.send countdownSeconds (${delay}) must be a whole number from 0 to ${MAX_SQS_DELAY_SECONDS}`,
        );
      }
      const envelope = childEnvelope(parent, { id: childTaskId(parent.id, key), task, args, tier });
      const body = JSON.stringify(envelope);
      if (Buffer.byteLength(body) > MAX_MESSAGE_BYTES) {
        throw new ChildSendError(
          `ctx.send of '${task}': the envelope is ${Buffer.byteLength(body)} bytes; SQS takes at most ${MAX_MESSAGE_BYTES}. Send a reference (an S3 key) instead`,
        );
      }
      keys.add(key);
      await this.sqs.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: body,
          DelaySeconds: delay,
          MessageAttributes: envelopeAttributes(envelope),
        }),
      );
      logger.info('child task sent', { childId: envelope.id, childTask: task, tier });
      return { id: envelope.id, task, tier };
    };
  }
}

function childEnvelope(
  parent: Envelope,
  child: { id: string; task: string; args: unknown; tier: Tier },
): Envelope {
  try {
    return createEnvelope({
      ...child,
      source: `task:${parent.task}`,
      parentId: parent.id,
      rootId: parent.rootId ?? parent.id,
      correlationId: parent.correlationId ?? parent.rootId ?? parent.id,
    });
  } catch (error) {
    if (!(error instanceof ZodError)) throw error;
    throw new ChildSendError(
      `ctx.send of '${child.task}': ${error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
}
