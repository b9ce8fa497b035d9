/**
 * What the UI sends its page: the ops layer's results with task args redacted exactly as in
 * the logs (src/runtime/redact.ts). Nothing else is changed, so the page shows the numbers
 * the CLI and the monitoring API show.
 */

import type { Tier } from '../catalog/index.js';
import type { TaskStatus } from '../client/index.js';
import {
  type DeadLetter,
  type DeadLetterView,
  describeFailure,
  type RedriveResult,
} from '../ops/index.js';
import { readTaskMessage } from '../protocol/celery/index.js';
import { redact } from '../runtime/redact.js';

/** A letter as the page sees it: the body replaced by its envelope with args redacted. */
export type LetterView = Omit<DeadLetter, 'body'> & {
  /** The envelope the letter carries (Lovage or Celery protocol 2), args redacted. */
  readonly envelope?: Record<string, unknown>;
  /** Why there is no envelope to show. */
  readonly bodyNote?: string;
  /** How it failed, in one line, as `lovage dlq list` says it. */
  readonly reason: string;
};

/**
 * A letter with its body read as the runtime reads it and its args redacted. A body that is
 * no task message is not shown at all (it may hold anything): only its size.
 */
export function letterView(letter: DeadLetter): LetterView {
  const { body, ...fields } = letter;
  const rest = { ...fields, reason: describeFailure(letter) };
  const tier = letter.queue.split('/')[1] as Tier | undefined;
  try {
    const envelope = readTaskMessage(
      { body, messageId: letter.messageId },
      { tierOf: () => tier },
    ) as unknown as Record<string, unknown>;
    return { ...rest, envelope: { ...envelope, args: redact(envelope.args) } };
  } catch (error) {
    return {
      ...rest,
      bodyNote: `${Buffer.byteLength(body)} bytes that are not a task message (${(error as Error).message}); lovage dlq show ${letter.messageId} prints it`,
    };
  }
}

/** A task's status with its args redacted (records keep them redacted; older tools may not). */
export function taskView(status: TaskStatus): TaskStatus {
  return status.args === undefined ? status : { ...status, args: redact(status.args) };
}

export function deadLetterView(view: DeadLetterView) {
  return {
    ...view,
    letter: letterView(view.letter),
    task: view.task ? taskView(view.task) : undefined,
  };
}

export function redriveView(result: RedriveResult) {
  return {
    ...result,
    skipped: result.skipped.map((s) => ({ ...s, letter: letterView(s.letter) })),
    failed: result.failed.map((f) => ({ ...f, letter: letterView(f.letter) })),
  };
}
