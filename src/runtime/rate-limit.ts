import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { RateLimit } from '../catalog/types.js';
import { MAX_SQS_DELAY_SECONDS } from '../protocol/delays.js';
import { rateLimitKey } from '../protocol/records.js';

/** The fixed window that contains `nowMs`: its start (epoch seconds) and end (epoch ms). */
export function windowOf(nowMs: number, windowSeconds: number): { start: number; endMs: number } {
  const start = Math.floor(nowMs / 1000 / windowSeconds) * windowSeconds;
  return { start, endMs: (start + windowSeconds) * 1000 };
}

/**
 * How long a task over its limit waits: until the current window ends, plus
 * a random part of one window so that the tasks deferred together do not all
 * come back at the first second of the next window. Whole seconds, 1 to 900
 * (a deferral is a re-send with SQS DelaySeconds; a longer wait is re-checked
 * after 900 s).
 */
export function deferralSeconds(
  nowMs: number,
  limit: RateLimit,
  random: () => number = Math.random,
): number {
  const { endMs } = windowOf(nowMs, limit.windowSeconds);
  const wait = (endMs - nowMs) / 1000 + random() * limit.windowSeconds;
  return Math.min(MAX_SQS_DELAY_SECONDS, Math.max(1, Math.ceil(wait)));
}

export type RateDecision =
  | { readonly granted: true }
  | { readonly granted: false; readonly retryInSeconds: number };

/**
 * A fixed-window counter per task name in the task table, shared by every
 * concurrent invocation: one conditional ADD grants a run while the window's
 * count is under the limit. Counters expire through TTL after their window.
 */
export class RateLimiter {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly random: () => number = Math.random,
  ) {}

  async acquire(task: string, limit: RateLimit, nowMs = Date.now()): Promise<RateDecision> {
    const { start, endMs } = windowOf(nowMs, limit.windowSeconds);
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: rateLimitKey(task, start),
          UpdateExpression: 'ADD #count :one SET expiresAt = if_not_exists(expiresAt, :expires)',
          ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: {
            ':one': 1,
            ':limit': limit.limit,
            ':expires': Math.ceil(endMs / 1000) + 3600,
          },
        }),
      );
      return { granted: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return { granted: false, retryInSeconds: deferralSeconds(nowMs, limit, this.random) };
    }
  }
}
