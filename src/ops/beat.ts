import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { StackConfig } from '../client/index.js';
import { statsKeys } from '../protocol/stats.js';
import { nextDue, rateIntervalMs } from './cron.js';
import { type BeatSchedule, listSchedules } from './schedules.js';
import type { StatsSource } from './stats.js';

/** A beat schedule with when it last ticked and when it fires next. */
export interface BeatTimes extends BeatSchedule {
  /** When a tick's task was last seen by the task stream (ISO); undefined before the first. */
  readonly lastTickAt?: string;
  /**
   * When Scheduler fires it next (ISO): cron evaluated in its time zone, a rate counted from
   * its creation (or, where Scheduler does not say, from the last tick). Undefined when paused
   * or when it cannot tell.
   */
  readonly nextDueAt?: string;
}

/**
 * When the task stream last saw a tick of schedule `name` (the `BEAT#<name>` item the
 * statistics observer keeps), or undefined.
 */
export async function lastTickOf(stats: StatsSource, name: string): Promise<string | undefined> {
  const out = await stats.db.send(
    new GetCommand({ TableName: stats.statsTable, Key: statsKeys.beat(name) }),
  );
  return typeof out.Item?.lastAt === 'string' ? out.Item.lastAt : undefined;
}

/**
 * The beat's schedules as Scheduler runs them, each with its last tick (when `stats` is given)
 * and next fire time: what `lovage schedules list` and the UI show.
 *
 * @example
 * for (const s of await beatTimes(config, scheduler, stats)) console.log(s.name, s.nextDueAt);
 */
export async function beatTimes(
  config: StackConfig,
  scheduler: SchedulerClient,
  stats: StatsSource | undefined,
  now = new Date(),
): Promise<BeatTimes[]> {
  const schedules = await listSchedules(config, scheduler);
  return Promise.all(
    schedules.map(async (s): Promise<BeatTimes> => {
      const lastTickAt = stats ? await lastTickOf(stats, s.name) : undefined;
      return {
        ...s,
        ...(lastTickAt ? { lastTickAt } : {}),
        ...nextOf(s, lastTickAt, now),
      };
    }),
  );
}

function nextOf(
  s: BeatSchedule,
  lastTickAt: string | undefined,
  now: Date,
): { nextDueAt?: string } {
  if (s.state !== 'ENABLED') return {};
  // A rate fires every interval from its creation; a tick's task is written moments after its
  // due time, so counting from the tick is a fallback that may be a few seconds late.
  const from = s.createdAt ?? lastTickAt;
  const start = rateIntervalMs(s.expression) !== undefined && from ? new Date(from) : undefined;
  const next = nextDue(s.expression, s.timezone, now, start);
  return next ? { nextDueAt: next.toISOString() } : {};
}
