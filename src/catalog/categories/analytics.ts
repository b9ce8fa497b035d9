import { category, task } from '../define.js';
import { DailyReportArgs, RollupMetricsArgs, WeeklyReportArgs } from '../tasks/analytics.js';

/** The `analytics` category of the catalog (see `../catalog.ts`): task reports and metric roll-ups. */
export const analytics = category({
  timeoutSeconds: 120,
  memoryMb: 512,
  batchSize: 1,
  tasks: {
    'analytics.daily_report': task({
      schema: DailyReportArgs,
      tier: 'low',
      description: 'Task counts of one day, by task and state, to S3',
    }),
    'analytics.weekly_report': task({
      schema: WeeklyReportArgs,
      tier: 'low',
      description: 'Task counts of seven days, by task and state, to S3',
    }),
    'analytics.rollup_metrics': task({
      schema: RollupMetricsArgs,
      tier: 'low',
      resultTtlSeconds: 3600,
      description: 'Roll task counts of the last window up into one item',
    }),
  },
});
