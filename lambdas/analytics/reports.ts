import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type {
  DailyReportArgs,
  RollupMetricsArgs,
  WeeklyReportArgs,
} from '../../src/catalog/index.js';
import { BUCKET_PREFIXES, DATA_PREFIXES } from '../../src/protocol/workload.js';
import type { TaskContext } from '../../src/runtime/index.js';
import { expiresInDays } from '../shared/env.js';
import {
  type CountWindow,
  countTasks,
  dayWindow,
  type TaskCounts,
  totals,
  yesterday,
} from './task-counts.js';

/** Where the analytics tasks read and write. */
export interface AnalyticsStores {
  readonly db: DynamoDBDocumentClient;
  readonly s3: S3Client;
  readonly taskTable: string;
  readonly dataTable: string;
  readonly bucket: string;
}

export interface ReportResult {
  readonly key: string;
  readonly window: CountWindow;
  readonly totals: ReturnType<typeof totals>;
  readonly tasks: number;
}

async function writeReport(
  stores: AnalyticsStores,
  key: string,
  window: CountWindow,
  signal: AbortSignal,
): Promise<ReportResult> {
  const counts: TaskCounts = await countTasks(stores.db, stores.taskTable, window, signal);
  const summary = totals(counts);
  await stores.s3.send(
    new PutObjectCommand({
      Bucket: stores.bucket,
      Key: key,
      ContentType: 'application/json',
      Body: JSON.stringify({ window, totals: summary, byTask: counts }, null, 2),
    }),
  );
  return { key, window, totals: summary, tasks: Object.keys(counts).length };
}

/** `analytics.daily_report`: one UTC day (yesterday by default) to `analytics/reports/daily/<date>.json`. */
export function dailyReport(
  stores: AnalyticsStores,
  args: DailyReportArgs,
  ctx: Pick<TaskContext, 'signal'>,
  now = new Date(),
): Promise<ReportResult> {
  const date = args.date ?? yesterday(now);
  return writeReport(
    stores,
    `${BUCKET_PREFIXES.analytics}reports/daily/${date}.json`,
    dayWindow(date),
    ctx.signal,
  );
}

/** `analytics.weekly_report`: the 7 days before `endDate` to `analytics/reports/weekly/<endDate>.json`. */
export function weeklyReport(
  stores: AnalyticsStores,
  args: WeeklyReportArgs,
  ctx: Pick<TaskContext, 'signal'>,
  now = new Date(),
): Promise<ReportResult> {
  const end = args.endDate ?? now.toISOString().slice(0, 10);
  const to = dayWindow(end).from;
  const from = new Date(new Date(to).getTime() - 7 * 86_400_000).toISOString();
  return writeReport(
    stores,
    `${BUCKET_PREFIXES.analytics}reports/weekly/${end}.json`,
    { from, to },
    ctx.signal,
  );
}

/** The last whole window of `minutes` before `now`, aligned to the clock. */
export function lastWindow(now: Date, minutes: number): CountWindow {
  const size = minutes * 60_000;
  const end = Math.floor(now.getTime() / size) * size;
  return { from: new Date(end - size).toISOString(), to: new Date(end).toISOString() };
}

export interface RollupResult {
  readonly window: CountWindow;
  readonly totals: ReturnType<typeof totals>;
}

/**
 * `analytics.rollup_metrics`: task counts of the last whole window, stored
 * as one item `METRICS#tasks` / `<window start>` (kept 30 days). Re-running
 * the same window overwrites the same item.
 */
export async function rollupMetrics(
  stores: AnalyticsStores,
  args: RollupMetricsArgs,
  ctx: Pick<TaskContext, 'signal'>,
  now = new Date(),
): Promise<RollupResult> {
  const window = lastWindow(now, args.windowMinutes);
  const counts = await countTasks(stores.db, stores.taskTable, window, ctx.signal);
  const summary = totals(counts);
  await stores.db.send(
    new PutCommand({
      TableName: stores.dataTable,
      Item: {
        pk: `${DATA_PREFIXES.analytics[0]}tasks`,
        sk: window.from,
        windowMinutes: args.windowMinutes,
        to: window.to,
        totals: summary,
        byTask: counts,
        expiresAt: expiresInDays(30, now.getTime()),
      },
    }),
  );
  return { window, totals: summary };
}
