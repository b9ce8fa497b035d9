import type { TaskDefinition } from '../catalog/types.js';
import type { TaskError } from '../protocol/records.js';

/** What to do with an error a task threw on attempt `attempt`. */
export type RetryDecision =
  | { readonly retry: true }
  | { readonly retry: false; readonly reason: string };

type RetryPolicy = Pick<TaskDefinition, 'maxRetries' | 'neverRetry' | 'retryOn'>;

/**
 * Decides whether a failed run is retried. In order: an
 * `UnrecoverableError` (by class or by name, so errors from other
 * bundles count too) and a revoke are never retried; nor is an error named in
 * `neverRetry`, nor, when `retryOn` is set, one not named there; otherwise it
 * is retried while retries remain (`attempt <= maxRetries`).
 */
export function decideRetry(error: TaskError, policy: RetryPolicy, attempt: number): RetryDecision {
  if (error.type === 'UnrecoverableError') {
    return { retry: false, reason: 'UnrecoverableError is never retried' };
  }
  if (error.type === 'TaskRevokedError') {
    return { retry: false, reason: 'the task was revoked' };
  }
  if (policy.neverRetry.includes(error.type)) {
    return { retry: false, reason: `${error.type} is listed in neverRetry` };
  }
  if (policy.retryOn && !policy.retryOn.includes(error.type)) {
    return {
      retry: false,
      reason: `${error.type} is not listed in retryOn (${policy.retryOn.join(', ')})`,
    };
  }
  if (attempt > policy.maxRetries) {
    return {
      retry: false,
      reason: `retries exhausted: attempt ${attempt} of ${policy.maxRetries + 1} (maxRetries ${policy.maxRetries})`,
    };
  }
  return { retry: true };
}

/** The type and message of anything a task threw (a thrown string included). */
export function toTaskError(caught: unknown): TaskError {
  if (caught instanceof Error) return { type: caught.name || 'Error', message: caught.message };
  return { type: 'NonErrorThrown', message: String(caught) };
}
