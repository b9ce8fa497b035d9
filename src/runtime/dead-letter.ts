import {
  type MessageAttributeValue,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { MESSAGE_ATTRIBUTES } from '../protocol/envelope.js';
import type { TaskError } from '../protocol/records.js';

/** Attributes a dead-lettered message carries, so `lovage dlq` can show why without the table. */
export const DEAD_LETTER_ATTRIBUTES = {
  errorType: 'lovage-error-type',
  errorMessage: 'lovage-error-message',
  failedAt: 'lovage-failed-at',
  /** Runs made, including the last; 0 for a message rejected before it could run. */
  attempts: 'lovage-attempts',
  /** Why the failure is final, e.g. "retries exhausted: attempt 4 of 4 (maxRetries 3)". */
  reason: 'lovage-failure-reason',
} as const;

/**
 * SQS's limit on a message: body, attribute names, types and values together.
 * Queues created by the stack keep SQS's default maximum message size.
 */
export const MAX_MESSAGE_BYTES = 262_144;
/** Longest error message or reason a letter carries; the task record keeps the full text. */
const MAX_TEXT = 1024;

export interface DeadLetter {
  /** The original message body, unchanged, so a redrive resends the same envelope. */
  readonly body: string;
  readonly error: TaskError;
  readonly taskId?: string;
  readonly taskName?: string;
  /** Runs made, including the last (0: never ran). */
  readonly attempts: number;
  /** Why it is not retried. */
  readonly reason: string;
}

/**
 * The letter's message attributes, within SQS's rules: values hold only the
 * characters SQS accepts (others become U+FFFD), and body plus attributes
 * stay within {@link MAX_MESSAGE_BYTES}. When the body leaves too little
 * room, attributes are shortened or left out, least useful last: the error
 * type, attempts and time first, then the ids (also in the body), then the
 * reason and message (also in the task record). The body is never touched.
 */
export function deadLetterAttributes(
  letter: DeadLetter,
  now = new Date(),
): Record<string, MessageAttributeValue> {
  const wanted: [name: string, type: 'String' | 'Number', value: string, cut: boolean][] = [
    [DEAD_LETTER_ATTRIBUTES.errorType, 'String', letter.error.type.slice(0, 256), false],
    [DEAD_LETTER_ATTRIBUTES.attempts, 'Number', String(letter.attempts), false],
    [DEAD_LETTER_ATTRIBUTES.failedAt, 'String', now.toISOString(), false],
  ];
  if (letter.taskId)
    wanted.push([MESSAGE_ATTRIBUTES.taskId, 'String', letter.taskId.slice(0, 256), false]);
  if (letter.taskName) {
    wanted.push([MESSAGE_ATTRIBUTES.taskName, 'String', letter.taskName.slice(0, 256), false]);
  }
  wanted.push([DEAD_LETTER_ATTRIBUTES.reason, 'String', letter.reason.slice(0, MAX_TEXT), true]);
  wanted.push([
    DEAD_LETTER_ATTRIBUTES.errorMessage,
    'String',
    (letter.error.message || '(no message)').slice(0, MAX_TEXT),
    true,
  ]);
  let room = MAX_MESSAGE_BYTES - Buffer.byteLength(letter.body);
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, type, raw, cut] of wanted) {
    const overhead = Buffer.byteLength(name) + type.length;
    const value = sqsText(raw) || '-';
    const fitted = cut ? fitBytes(value, room - overhead) : value;
    const size = overhead + Buffer.byteLength(fitted);
    if (fitted.length === 0 || size > room) continue;
    attributes[name] = { DataType: type, StringValue: fitted };
    room -= size;
  }
  return attributes;
}

/** Puts a message that will never succeed into its tier's DLQ, with the reason. */
export async function sendToDeadLetter(
  sqs: SQSClient,
  queueUrl: string,
  letter: DeadLetter,
): Promise<void> {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: letter.body,
      MessageAttributes: deadLetterAttributes(letter),
    }),
  );
}

/** Bytes SQS counts for message attributes: each name, data type and value. */
export function attributesBytes(attributes: Record<string, MessageAttributeValue>): number {
  let total = 0;
  for (const [name, value] of Object.entries(attributes)) {
    total += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '');
    total += Buffer.byteLength(value.StringValue ?? '');
  }
  return total;
}

/**
 * Replaces what SQS refuses in a message (anything outside #x9 | #xA | #xD |
 * #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF, lone surrogates included)
 * with U+FFFD.
 */
export function sqsText(value: string): string {
  return value.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD');
}

/** The longest prefix of `value` within `bytes` UTF-8 bytes, never splitting a character. */
function fitBytes(value: string, bytes: number): string {
  if (bytes <= 0) return '';
  if (Buffer.byteLength(value) <= bytes) return value;
  let out = '';
  let used = 0;
  for (const char of value) {
    const size = Buffer.byteLength(char);
    if (used + size > bytes) break;
    out += char;
    used += size;
  }
  return out;
}
