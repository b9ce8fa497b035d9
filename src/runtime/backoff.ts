import type { BackoffOptions } from '../catalog/types.js';

/**
 * Seconds to wait before retry number `retry` (1 for the first retry):
 * `min(maxSeconds, baseSeconds * factor^(retry-1))`, rounded up to whole
 * seconds because SQS and Scheduler delay in whole seconds. With
 * `jitter: 'full'` the wait is uniformly random in [1, that delay] (AWS's
 * "full jitter"), so a burst of failures does not come back as a burst.
 *
 * @example
 * // Celery's default countdown sequence: 60, 120, 240, 480
 * retryDelaySeconds({ baseSeconds: 60, factor: 2, maxSeconds: 3600, jitter: 'none' }, 3); // 240
 */
export function retryDelaySeconds(
  backoff: Required<BackoffOptions>,
  retry: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, retry - 1);
  const ceiling = Math.min(backoff.maxSeconds, backoff.baseSeconds * backoff.factor ** exponent);
  const delay = backoff.jitter === 'full' ? random() * ceiling : ceiling;
  return Math.max(1, Math.ceil(delay));
}
