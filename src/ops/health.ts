import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Catalog } from '../catalog/index.js';
import type { StackConfig } from '../client/index.js';
import { TIER_TARGETS } from '../protocol/tier-targets.js';
import { lastTickOf } from './beat.js';
import { previousDue, rateIntervalMs } from './cron.js';
import { type QueueStats, queueStats } from './queues.js';
import { listSchedules } from './schedules.js';
import { readStats, type StatsSource } from './stats.js';

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

/** Why the system is not healthy: one finding, with what was measured and the target. */
export interface HealthReason {
  readonly severity: Exclude<HealthStatus, 'healthy'>;
  readonly check: 'dead-letters' | 'backlog' | 'oldest-message' | 'error-rate' | 'schedule';
  /** A queue (`email/high`), a task or a schedule. */
  readonly subject: string;
  readonly detail: string;
}

export interface HealthReport {
  readonly status: HealthStatus;
  readonly checkedAt: string;
  readonly reasons: readonly HealthReason[];
  /** What could not be checked, and why (e.g. no CloudWatch datapoints for message age). */
  readonly notes: readonly string[];
  readonly queues: readonly QueueStats[];
}

export interface HealthDependencies {
  readonly catalog: Catalog;
  readonly config: StackConfig;
  readonly sqs: SQSClient;
  readonly cloudwatch: CloudWatchClient;
  readonly scheduler: SchedulerClient;
  readonly stats: StatsSource;
  /** The stage's error-rate alarm threshold (dev 10, prod 5). */
  readonly errorRatePercent: number;
}

/** The error rate is judged over this window, as the error-rate alarm is. */
export const ERROR_RATE_WINDOW_MINUTES = 5;
/** Fewer runs than this in the window say nothing about a rate. */
export const ERROR_RATE_MIN_RUNS = 5;
/** A failure rate at or over this is unhealthy, not just degraded. */
const UNHEALTHY_ERROR_RATE = 0.5;
/** A schedule is late once its due time is this far behind and no tick was seen. */
export const SCHEDULE_GRACE_MS = 5 * 60_000;

/**
 * Healthy, degraded or unhealthy, with the reasons: a dead-letter queue
 * that is not empty, a tier's backlog or oldest message over its target
 * (unhealthy on the critical tier), a task whose runs fail more often than
 * the stage's error-rate threshold over the last 5 minutes (unhealthy from
 * 50 %), and an enabled schedule whose last due tick produced no task.
 *
 * @example
 * const { status, reasons } = await checkHealth(deps);
 */
export async function checkHealth(
  deps: HealthDependencies,
  now = new Date(),
): Promise<HealthReport> {
  const notes: string[] = [];
  const [queues, stats, schedules] = await Promise.all([
    queueStats(deps.config, deps.sqs, deps.cloudwatch),
    readStats(deps.stats, [...deps.catalog.tasks.keys()], {
      since: new Date(now.getTime() - ERROR_RATE_WINDOW_MINUTES * 60_000),
      until: now,
    }),
    scheduleReasons(deps, now, notes),
  ]);
  const reasons: HealthReason[] = [...queueReasons(queues, notes)];
  const threshold = deps.errorRatePercent / 100;
  for (const t of stats.tasks) {
    const runs = t.succeeded + t.failed + t.retried;
    if (runs < ERROR_RATE_MIN_RUNS) continue;
    const rate = (t.failed + t.retried) / runs;
    if (rate <= threshold) continue;
    reasons.push({
      severity: rate >= UNHEALTHY_ERROR_RATE ? 'unhealthy' : 'degraded',
      check: 'error-rate',
      subject: t.task,
      detail: `${Math.round(rate * 100)}% of ${runs} runs failed in the last ${ERROR_RATE_WINDOW_MINUTES} min (threshold ${deps.errorRatePercent}%)`,
    });
  }
  reasons.push(...schedules);
  const status: HealthStatus = reasons.some((r) => r.severity === 'unhealthy')
    ? 'unhealthy'
    : reasons.length > 0
      ? 'degraded'
      : 'healthy';
  return { status, checkedAt: now.toISOString(), reasons, notes, queues };
}

function queueReasons(queues: readonly QueueStats[], notes: string[]): HealthReason[] {
  const reasons: HealthReason[] = [];
  let unknownAges = 0;
  for (const q of queues) {
    const tier = q.queue.slice(q.queue.lastIndexOf('/') + 1) as keyof typeof TIER_TARGETS;
    const target = TIER_TARGETS[tier];
    const severity = tier === 'critical' ? 'unhealthy' : 'degraded';
    if (q.deadLetters > 0) {
      reasons.push({
        severity: 'degraded',
        check: 'dead-letters',
        subject: q.queue,
        detail: `${q.deadLetters} message(s) in the dead-letter queue`,
      });
    }
    if (!target) continue;
    if (q.visible > target.backlog) {
      reasons.push({
        severity,
        check: 'backlog',
        subject: q.queue,
        detail: `${q.visible} messages waiting (target ${target.backlog})`,
      });
    }
    if (q.oldestAgeSeconds === undefined) unknownAges++;
    else if (q.oldestAgeSeconds > target.oldestMessageAgeSeconds) {
      reasons.push({
        severity,
        check: 'oldest-message',
        subject: q.queue,
        detail: `oldest message waited ${Math.round(q.oldestAgeSeconds)} s (target ${target.oldestMessageAgeSeconds} s)`,
      });
    }
  }
  if (unknownAges > 0) {
    notes.push(
      `age of the oldest message unknown for ${unknownAges} queue(s): CloudWatch has no recent ApproximateAgeOfOldestMessage datapoint`,
    );
  }
  return reasons;
}

async function scheduleReasons(
  deps: HealthDependencies,
  now: Date,
  notes: string[],
): Promise<HealthReason[]> {
  const schedules = await listSchedules(deps.config, deps.scheduler);
  const reasons = await Promise.all(
    schedules.map(async (s): Promise<HealthReason | undefined> => {
      if (s.state !== 'ENABLED' || !s.task) return undefined;
      if (deps.catalog.tasks.get(s.task)?.ignoreResult) {
        notes.push(
          `schedule ${s.name}: its task ignores results and leaves no record, so its ticks cannot be seen`,
        );
        return undefined;
      }
      const created = s.createdAt ? Date.parse(s.createdAt) : undefined;
      const last = await lastTickOf(deps.stats, s.name);
      const lastMs = last ? Date.parse(last) : undefined;
      const interval = rateIntervalMs(s.expression);
      let due: Date | undefined;
      if (interval !== undefined) {
        // A rate fires every interval from its start: late once an interval and the grace
        // have passed since the last tick (or since it was created, if none was seen).
        const since = lastMs ?? created;
        if (since === undefined) {
          notes.push(`schedule ${s.name}: no tick seen yet and no creation time to count from`);
          return undefined;
        }
        if (now.getTime() - since <= interval + SCHEDULE_GRACE_MS) return undefined;
        due = new Date(since + interval);
      } else {
        due = previousDue(s.expression, s.timezone, now);
        if (!due) {
          notes.push(`schedule ${s.name}: cannot tell when '${s.expression}' was last due`);
          return undefined;
        }
        if (now.getTime() - due.getTime() < SCHEDULE_GRACE_MS) return undefined;
        if (created !== undefined && due.getTime() < created) return undefined;
        // A tick's task is written moments after its scheduled time; allow a minute of clock skew.
        if (lastMs !== undefined && lastMs >= due.getTime() - 60_000) return undefined;
        if (lastMs === undefined && created === undefined) {
          notes.push(
            `schedule ${s.name}: no tick seen yet and no creation time to tell whether one was due`,
          );
          return undefined;
        }
      }
      return {
        severity: 'degraded',
        check: 'schedule',
        subject: s.name,
        detail: `due at ${due.toISOString()} (${s.expression}${s.timezone !== 'UTC' ? ` ${s.timezone}` : ''}) but ${last ? `last fired at ${last}` : 'no tick seen yet'}`,
      };
    }),
  );
  return reasons.filter((r): r is HealthReason => r !== undefined);
}
