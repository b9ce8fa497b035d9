import type { Tier } from '../catalog/types.js';

/**
 * When a tier's queue needs a human: the alarms of the stack and the health
 * check of the monitoring API and `lovage health` read the same numbers.
 */
export const TIER_TARGETS: Readonly<
  Record<Tier, { readonly backlog: number; readonly oldestMessageAgeSeconds: number }>
> = {
  critical: { backlog: 100, oldestMessageAgeSeconds: 60 },
  high: { backlog: 500, oldestMessageAgeSeconds: 300 },
  normal: { backlog: 1000, oldestMessageAgeSeconds: 900 },
  low: { backlog: 5000, oldestMessageAgeSeconds: 3600 },
};

/**
 * Share of failing runs (percent, over 5 minutes) above which a category
 * alarms and the health check reports a task, by stage.
 */
export const ERROR_RATE_PERCENT = { dev: 10, prod: 5 } as const;
