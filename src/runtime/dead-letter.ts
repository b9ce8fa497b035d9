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
  attempts: 'lovage-attempts',
  /** Why the failure is final, e.g. "retries exhausted: attempt 4 of 4 (maxRetries 3)". */
  reason: 'lovage-failure-reason',
} as const;

export interface DeadLetter {
  /** The original message body, unchanged, so a redrive resends the same envelope. */
  readonly body: string;
  readonly error: TaskError;
  readonly taskId?: string;
  readonly taskName?: string;
  /** Runs made, including the last. */
  readonly attempts?: number;
  /** Why it is not retried. */
  readonly reason?: string;
}

const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });

/** Puts a message that will never succeed into its tier's DLQ, with the reason. */
export async function sendToDeadLetter(
  sqs: SQSClient,
  queueUrl: string,
  letter: DeadLetter,
): Promise<void> {
  const attributes: Record<string, MessageAttributeValue> = {
    [DEAD_LETTER_ATTRIBUTES.errorType]: text(letter.error.type),
    // Attribute values count toward the 256 KiB message limit; the full text is in the task record.
    [DEAD_LETTER_ATTRIBUTES.errorMessage]: text(
      letter.error.message.slice(0, 1024) || '(no message)',
    ),
    [DEAD_LETTER_ATTRIBUTES.failedAt]: text(new Date().toISOString()),
  };
  if (letter.reason) {
    attributes[DEAD_LETTER_ATTRIBUTES.reason] = text(letter.reason.slice(0, 1024));
  }
  if (letter.taskId) attributes[MESSAGE_ATTRIBUTES.taskId] = text(letter.taskId);
  if (letter.taskName) attributes[MESSAGE_ATTRIBUTES.taskName] = text(letter.taskName);
  if (letter.attempts !== undefined) {
    attributes[DEAD_LETTER_ATTRIBUTES.attempts] = {
      DataType: 'Number',
      StringValue: String(letter.attempts),
    };
  }
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: letter.body,
      MessageAttributes: attributes,
    }),
  );
}
