import { randomUUID } from 'node:crypto';
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { ZodError } from 'zod';
import { type Catalog, type TaskDefinition, TIERS } from '../catalog/index.js';
import { MAX_SQS_DELAY_SECONDS } from '../protocol/delays.js';
import { createEnvelope, type Envelope, MESSAGE_ATTRIBUTES } from '../protocol/envelope.js';
import { SendOptionsError, StackConfigError } from './errors.js';
import type { QueuePair, StackConfig } from './stack-config.js';
import type { SendOptions, TimeInput } from './types.js';

/**
 * Largest envelope the client sends (256 KiB, SQS's classic message and
 * batch limit). Larger payloads are rejected before sending, not offloaded:
 * a claim check would hide an S3 dependency inside every task.
 */
export const MAX_MESSAGE_BYTES = 262_144;
/** SQS's longest per-message delay; longer countdowns go through a one-time schedule. */
export const MAX_COUNTDOWN_SECONDS = MAX_SQS_DELAY_SECONDS;

/** A send that passed every check that needs no stack: what {@link validateSend} returns. */
export interface ValidatedSend {
  readonly envelope: Envelope;
  /** The envelope as the message body. */
  readonly body: string;
  readonly definition: TaskDefinition;
  /** SQS DelaySeconds (0 to 900), for queue deliveries. */
  readonly delaySeconds: number;
  /** Set when a one-time schedule delivers the envelope at this time. */
  readonly scheduleAt?: Date;
}

/** A validated task with its queue, ready to go to SQS or to a one-time schedule. */
export interface PreparedSend extends ValidatedSend {
  readonly queue: QueuePair;
}

/**
 * Validates everything about one send — task name, payload, tier, id,
 * timing, size — and finds its queue in the stack. Throws before any network
 * call: UnknownTaskError, PayloadValidationError, SendOptionsError or
 * StackConfigError.
 *
 * @example
 * const ready = prepareSend(catalog, config, 'email.check_quota', {}, { countdownSeconds: 60 });
 * ready.delaySeconds; // 60
 */
export function prepareSend(
  catalog: Catalog,
  config: StackConfig,
  task: string,
  args: unknown,
  options: SendOptions = {},
  now: Date = new Date(),
): PreparedSend {
  const valid = validateSend(catalog, task, args, options, now);
  const { category } = valid.definition;
  const { tier } = valid.envelope;
  const queue = config.queues[`${category}/${tier}`];
  if (!queue) {
    throw new StackConfigError(
      `stack '${config.stackName}' has no '${tier}' queue for category '${category}'; add a task on that tier to the catalog and redeploy`,
    );
  }
  return { ...valid, queue };
}

/**
 * The checks of {@link prepareSend} that need only the catalog, so that a tool can reject bad
 * input before it looks for a stack: UnknownTaskError, PayloadValidationError or
 * SendOptionsError.
 *
 * @example
 * validateSend(catalog, 'email.sendd', {}); // throws UnknownTaskError naming the catalog's tasks
 */
export function validateSend(
  catalog: Catalog,
  task: string,
  args: unknown,
  options: SendOptions = {},
  now: Date = new Date(),
): ValidatedSend {
  const definition = catalog.task(task);
  catalog.parseArgs(task, args);
  const tier = options.tier ?? definition.tier;
  if (!TIERS.includes(tier)) {
    throw new SendOptionsError(`tier '${tier}' is not one of ${TIERS.join(', ')}`);
  }

  const runAt = runTime(options, now);
  const delayMs = runAt ? runAt.getTime() - now.getTime() : 0;
  // Whole seconds, rounded up: a task may run late, never early.
  const delaySeconds = Math.max(0, Math.ceil(delayMs / 1000));
  const scheduled = options.viaScheduler === true || delaySeconds > MAX_SQS_DELAY_SECONDS;
  if (options.viaScheduler && delaySeconds < 1) {
    throw new SendOptionsError(
      'viaScheduler needs a countdownSeconds or eta at least 1 s in the future',
    );
  }
  const expires = options.expires === undefined ? undefined : time('expires', options.expires);
  if (expires && expires.getTime() <= Math.max(now.getTime(), runAt?.getTime() ?? 0)) {
    throw new SendOptionsError(
      `expires (${expires.toISOString()}) must be later than now and than the eta${runAt ? ` (${runAt.toISOString()})` : ''}`,
    );
  }

  let envelope: Envelope;
  try {
    envelope = createEnvelope({
      id: options.id ?? randomUUID(),
      task,
      args,
      tier,
      source: 'client',
      createdAt: now.toISOString(),
      ...(delayMs > 0 && runAt ? { eta: runAt.toISOString() } : {}),
      ...(expires ? { expires: expires.toISOString() } : {}),
      ...(options.correlationId !== undefined ? { correlationId: options.correlationId } : {}),
    });
  } catch (error) {
    if (!(error instanceof ZodError)) throw error;
    const detail = error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`);
    throw new SendOptionsError(`task '${task}': ${detail.join('; ')}`);
  }
  const body = JSON.stringify(envelope);
  const bytes = messageBytes(envelope, body);
  if (bytes > MAX_MESSAGE_BYTES) {
    throw new SendOptionsError(
      `task '${task}' message is ${bytes} bytes (envelope and attributes); SQS accepts at most ${MAX_MESSAGE_BYTES}. Store large inputs (e.g. in S3) and send a reference`,
    );
  }
  return scheduled && runAt
    ? { envelope, body, definition, delaySeconds: 0, scheduleAt: runAt }
    : { envelope, body, definition, delaySeconds };
}

/** The message attributes every task message carries, so tools can read a queue without parsing bodies. */
export function messageAttributes(envelope: Envelope): Record<string, MessageAttributeValue> {
  return {
    [MESSAGE_ATTRIBUTES.taskName]: { DataType: 'String', StringValue: envelope.task },
    [MESSAGE_ATTRIBUTES.taskId]: { DataType: 'String', StringValue: envelope.id },
  };
}

/** Body plus message attributes, as SQS counts a message against its size limit. */
export function messageBytes(envelope: Envelope, body: string): number {
  let bytes = Buffer.byteLength(body, 'utf8');
  for (const [name, value] of Object.entries(messageAttributes(envelope))) {
    bytes += Buffer.byteLength(name) + (value.DataType?.length ?? 0);
    bytes += Buffer.byteLength(value.StringValue ?? '');
  }
  return bytes;
}

/** Parses a `Date` or ISO-8601 string option; the error names the option and the value. */
export function time(option: string, value: TimeInput): Date {
  const date = value instanceof Date ? value : new Date(value);
  const isoLike = value instanceof Date || /^\d{4}-\d{2}-\d{2}T/.test(value);
  if (!isoLike || Number.isNaN(date.getTime())) {
    throw new SendOptionsError(
      `${option} (${String(value)}) must be a valid Date or an ISO-8601 time such as 2026-11-23T10:00:00Z`,
    );
  }
  return date;
}

function runTime(options: SendOptions, now: Date): Date | undefined {
  const { countdownSeconds, eta } = options;
  if (countdownSeconds !== undefined && eta !== undefined) {
    throw new SendOptionsError('countdownSeconds and eta are exclusive; give one of them');
  }
  if (countdownSeconds !== undefined) {
    if (!Number.isFinite(countdownSeconds) || countdownSeconds < 0) {
      throw new SendOptionsError(
        `countdownSeconds (${countdownSeconds}) must be a finite number of seconds, 0 or more`,
      );
    }
    return new Date(now.getTime() + countdownSeconds * 1000);
  }
  return eta === undefined ? undefined : time('eta', eta);
}
