import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Catalog } from '../catalog/index.js';
import type { LovageClient, TaskStatus } from '../client/index.js';
import { type DeadLetter, type DeadLetterRead, readDeadLetters } from './dead-letters.js';

/** One dead letter beside its task's record: what `lovage dlq show` and the UI show. */
export interface DeadLetterView {
  readonly letter: DeadLetter;
  /** Letters of the same task id found (a task redriven and failed again has several). */
  readonly ofTask: number;
  /** The task's record, when the letter names a task id. */
  readonly task: TaskStatus | undefined;
  /** Whether the read was whole, and letters that could not be made visible again at once. */
  readonly read: Pick<DeadLetterRead, 'complete' | 'unreleased'>;
}

/**
 * Finds the latest dead letter of a task id (or the letter with that SQS message id), in one
 * DLQ or all, and joins it with the task's record. Undefined when no DLQ holds one.
 *
 * @example
 * const view = await showDeadLetter(lovage, sqs, taskId, { queue: 'email/high' });
 */
export async function showDeadLetter<K extends Catalog>(
  lovage: LovageClient<K>,
  sqs: SQSClient,
  id: string,
  options: { readonly queue?: string } = {},
): Promise<DeadLetterView | undefined> {
  const read = await readDeadLetters(
    lovage.config,
    sqs,
    options.queue ? { queue: options.queue } : {},
  );
  const found = read.letters.filter((l) => l.taskId === id || l.messageId === id);
  const letter = found.at(-1);
  if (!letter) return undefined;
  const task = letter.taskId ? await lovage.get(letter.taskId) : undefined;
  return {
    letter,
    ofTask: found.length,
    task,
    read: { complete: read.complete, unreleased: read.unreleased },
  };
}
