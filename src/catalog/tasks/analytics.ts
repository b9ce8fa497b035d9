import * as z from 'zod';

/** Payload of `analytics.daily_report`: task counts of one UTC day, written to S3. */
export const DailyReportArgs = z.object({
  /** `YYYY-MM-DD`; the day before the run when absent (the usual 02:00 run reports yesterday). */
  date: z.iso.date().optional(),
});
export type DailyReportArgs = z.infer<typeof DailyReportArgs>;

/** Payload of `analytics.weekly_report`: the seven days before `endDate` (exclusive). */
export const WeeklyReportArgs = z.object({
  /** `YYYY-MM-DD`; the day of the run when absent. */
  endDate: z.iso.date().optional(),
});
export type WeeklyReportArgs = z.infer<typeof WeeklyReportArgs>;

/** Payload of `analytics.rollup_metrics`: task counts of the last window, stored per window. */
export const RollupMetricsArgs = z.object({
  windowMinutes: z.number().int().min(1).max(1440).default(5),
});
export type RollupMetricsArgs = z.infer<typeof RollupMetricsArgs>;
