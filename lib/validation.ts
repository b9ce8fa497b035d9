import { Token } from 'aws-cdk-lib';
import { LovageError } from '../src/errors.js';

/** A stack setting that breaks an SQS or Lambda rule; thrown at synth time, before anything is deployed. */
export class StackValidationError extends LovageError {
  /** The setting at fault, e.g. `email/high: visibilityTimeout`. */
  readonly field: string;

  constructor(field: string, message: string) {
    super(`${field} ${message}`);
    this.name = 'StackValidationError';
    this.field = field;
  }
}

/** SQS limits the stack checks against. */
export const SQS_LIMITS = {
  /** Longest retention of any queue, and the retention of every DLQ. */
  maxRetentionSeconds: 14 * 86_400,
  minRetentionSeconds: 60,
  /** Longest DelaySeconds of a queue or message. */
  maxDelaySeconds: 900,
  maxVisibilityTimeoutSeconds: 43_200,
  maxBatchingWindowSeconds: 300,
  minConcurrency: 2,
  maxConcurrency: 1000,
} as const;

/** The timings of one tier queue and the mapping that consumes it. */
export interface QueueTimings {
  /** `<category>/<tier>`, named in every error. */
  readonly label: string;
  readonly visibilityTimeoutSeconds: number;
  readonly functionTimeoutSeconds: number;
  readonly batchingWindowSeconds: number;
  readonly retentionSeconds: number;
  readonly deadLetterRetentionSeconds: number;
  readonly deliveryDelaySeconds: number;
  readonly maxReceiveCount: number;
}

const known = (n: number) => !Token.isUnresolved(n);

function wholeInRange(field: string, value: number, min: number, max: number, unit = ''): void {
  if (!known(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new StackValidationError(
      field,
      `(${value}${unit}) must be a whole number from ${min} to ${max}${unit}`,
    );
  }
}

/**
 * Checks the rules that keep a message from being processed twice at once
 * or lost before it can be redriven:
 * - visibility timeout >= 6 x function timeout + batching window (AWS guidance for SQS event sources),
 * - DLQ retention >= source retention,
 * - delivery delay <= 900 s, batching window <= 300 s, retention 60 s..14 days.
 * Unresolved tokens are skipped.
 */
export function validateQueueTimings(t: QueueTimings): void {
  const s = ' s';
  wholeInRange(
    `${t.label}: batchingWindow`,
    t.batchingWindowSeconds,
    0,
    SQS_LIMITS.maxBatchingWindowSeconds,
    s,
  );
  wholeInRange(
    `${t.label}: deliveryDelay`,
    t.deliveryDelaySeconds,
    0,
    SQS_LIMITS.maxDelaySeconds,
    s,
  );
  wholeInRange(`${t.label}: maxReceiveCount`, t.maxReceiveCount, 1, 1000);
  wholeInRange(
    `${t.label}: retentionPeriod`,
    t.retentionSeconds,
    SQS_LIMITS.minRetentionSeconds,
    SQS_LIMITS.maxRetentionSeconds,
    s,
  );
  wholeInRange(
    `${t.label}: visibilityTimeout`,
    t.visibilityTimeoutSeconds,
    0,
    SQS_LIMITS.maxVisibilityTimeoutSeconds,
    s,
  );
  const needed = 6 * t.functionTimeoutSeconds + t.batchingWindowSeconds;
  if (known(t.visibilityTimeoutSeconds) && known(needed) && t.visibilityTimeoutSeconds < needed) {
    throw new StackValidationError(
      `${t.label}: visibilityTimeout`,
      `(${t.visibilityTimeoutSeconds} s) must be at least 6 x function timeout (${t.functionTimeoutSeconds} s) + batching window (${t.batchingWindowSeconds} s) = ${needed} s`,
    );
  }
  if (
    known(t.retentionSeconds) &&
    known(t.deadLetterRetentionSeconds) &&
    t.deadLetterRetentionSeconds < t.retentionSeconds
  ) {
    throw new StackValidationError(
      `${t.label}: deadLetterRetention`,
      `(${t.deadLetterRetentionSeconds} s) must be at least the queue's retentionPeriod (${t.retentionSeconds} s), or a redriven message could expire first`,
    );
  }
}

/** MaximumConcurrency of an SQS event-source mapping: 2 to 1000. */
export function validateConcurrency(label: string, value: number): void {
  wholeInRange(
    `${label}: maxConcurrency`,
    value,
    SQS_LIMITS.minConcurrency,
    SQS_LIMITS.maxConcurrency,
  );
}

/** The visibility timeout a queue needs for a consumer with this timeout and batching window. */
export function requiredVisibilityTimeoutSeconds(
  functionTimeoutSeconds: number,
  batchingWindowSeconds: number,
): number {
  return 6 * functionTimeoutSeconds + batchingWindowSeconds;
}
