import { defineCatalog, task } from './define.js';
import { DailyReportArgs, RollupMetricsArgs, WeeklyReportArgs } from './tasks/analytics.js';
import {
  AddArgs,
  BadResultArgs,
  CollectArgs,
  CrashArgs,
  FailArgs,
  FlakyArgs,
  HangArgs,
  NoteFailureArgs,
  PingArgs,
  RetryLaterArgs,
  SpawnArgs,
  StubbornArgs,
  WorkArgs,
} from './tasks/diagnostics.js';
import {
  BounceEventArgs,
  CheckQuotaArgs,
  SendBulkEmailArgs,
  SendEmailArgs,
} from './tasks/email.js';
import {
  AnalyzeLogsArgs,
  EmbedLogsArgs,
  GenerateLogsArgs,
  ProcessLogFileArgs,
} from './tasks/logs.js';
import { CheckAppsArgs, RegisterAppArgs, SystemHealthArgs } from './tasks/monitoring.js';
import { MatchOrderArgs, NotifyStatusArgs, SendRemindersArgs } from './tasks/orders.js';
import { ReconcileArgs, RecordPaymentArgs, RetryFailedPaymentsArgs } from './tasks/payments.js';
import { ArchiveArgs, BackupArgs, CleanupArgs } from './tasks/sync.js';

export * from './tasks/analytics.js';
export * from './tasks/diagnostics.js';
export * from './tasks/email.js';
export * from './tasks/logs.js';
export * from './tasks/monitoring.js';
export * from './tasks/orders.js';
export * from './tasks/payments.js';
export * from './tasks/sync.js';

/** Short backoff for drills: 1, 2, 4 s, so end-to-end checks finish in seconds. */
const DRILL_BACKOFF = { baseSeconds: 1, factor: 2, maxSeconds: 4, jitter: 'none' } as const;

/**
 * The Lovage task catalog: the one place that names categories, tasks,
 * tiers, schedules and event triggers. The stack, the runtime, the client
 * and the CLI all read it. One block per category; payload schemas live in
 * ./tasks/<category>.ts.
 */
export const catalog = defineCatalog({
  categories: {
    email: {
      timeoutSeconds: 30,
      memoryMb: 256,
      tasks: {
        'email.send': task({
          schema: SendEmailArgs,
          tier: 'high',
          description: 'Send one e-mail through Amazon SES',
        }),
        'email.check_quota': task({
          schema: CheckQuotaArgs,
          tier: 'low',
          resultTtlSeconds: 3600,
          description: 'Record SES sending-quota use and warn near the limit',
        }),
        'email.send_bulk': task({
          schema: SendBulkEmailArgs,
          tier: 'low',
          description: 'Send one message per recipient, skipping suppressed addresses',
        }),
        'email.process_bounce': task({
          schema: BounceEventArgs,
          tier: 'low',
          // SES publishes bounce events only to the account's default bus (and PutEvents refuses
          // `aws.*` sources), so this is sent as a task by whatever receives the bounces.
          description: 'Suppress permanently bounced addresses (detail of an SES bounce event)',
        }),
      },
    },
    payments: {
      timeoutSeconds: 30,
      memoryMb: 256,
      tierConcurrency: { critical: 100 },
      tasks: {
        'payments.record': task({
          schema: RecordPaymentArgs,
          tier: 'critical',
          resultTtlSeconds: 7 * 86_400,
          description: 'Write one ledger movement, once per payment id',
        }),
        'payments.retry_failed': task({
          schema: RetryFailedPaymentsArgs,
          tier: 'normal',
          description: 'Retry payments that failed for lack of funds',
        }),
        'payments.reconcile': task({
          schema: ReconcileArgs,
          tier: 'low',
          description: 'Compare balances with their ledger entries; report to S3',
        }),
      },
    },
    orders: {
      timeoutSeconds: 30,
      memoryMb: 256,
      tasks: {
        'orders.match': task({
          schema: MatchOrderArgs,
          tier: 'high',
          description: 'Match a new order against the opposite side of its book',
        }),
        'orders.notify_status': task({
          schema: NotifyStatusArgs,
          tier: 'normal',
          description: "E-mail the customer their order's status, once per status",
        }),
        'orders.send_reminders': task({
          schema: SendRemindersArgs,
          tier: 'low',
          description: 'Publish one reminder event per order left open too long',
        }),
      },
    },
    sync: {
      timeoutSeconds: 300,
      memoryMb: 512,
      batchSize: 1,
      tasks: {
        'sync.backup': task({
          schema: BackupArgs,
          tier: 'low',
          description: 'Copy a table to S3 as JSON lines',
        }),
        'sync.cleanup': task({
          schema: CleanupArgs,
          tier: 'low',
          description: 'Delete backups or archives older than a cut-off',
        }),
        'sync.archive': task({
          schema: ArchiveArgs,
          tier: 'low',
          description: 'Move closed orders older than a cut-off to S3',
        }),
      },
    },
    analytics: {
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
    },
    monitoring: {
      timeoutSeconds: 60,
      memoryMb: 256,
      tasks: {
        'monitoring.register_app': task({
          schema: RegisterAppArgs,
          tier: 'normal',
          description: 'Register an application whose health URL is checked',
        }),
        'monitoring.check_apps': task({
          schema: CheckAppsArgs,
          tier: 'high',
          resultTtlSeconds: 3600,
          description: 'HTTP health check of every registered application, with history',
        }),
        'monitoring.system_health': task({
          schema: SystemHealthArgs,
          tier: 'normal',
          resultTtlSeconds: 3600,
          description: 'Recent task failures and applications down, as one status',
        }),
      },
    },
    logs: {
      timeoutSeconds: 60,
      memoryMb: 512,
      tasks: {
        'logs.generate': task({
          schema: GenerateLogsArgs,
          tier: 'low',
          description: 'Write sample JSON-lines log files for a day (demo and tests)',
        }),
        'logs.process_file': task({
          schema: ProcessLogFileArgs,
          description: 'Parse one JSON-lines log file from the data bucket',
        }),
        'logs.embed': task({
          schema: EmbedLogsArgs,
          description: "Feature-hashing vectors for a parsed file's messages",
        }),
        'logs.analyze': task({
          schema: AnalyzeLogsArgs,
          description: 'Levels, sources and error rates of one file or a day, as a report in S3',
        }),
      },
    },
    diagnostics: {
      // Short, so that the crash and hang drills come back within a minute (visibility 6 x 10 s).
      timeoutSeconds: 10,
      memoryMb: 256,
      tasks: {
        'diagnostics.ping': task({
          schema: PingArgs,
          description: 'Echo the message with runtime facts (like `celery inspect ping`)',
        }),
        // The same ping with the two lighter record options, for bench/requests.ts.
        'diagnostics.ping_untracked': task({
          schema: PingArgs,
          trackStarted: false,
          description: 'diagnostics.ping without the STARTED claim (trackStarted: false)',
        }),
        'diagnostics.ping_ignored': task({
          schema: PingArgs,
          ignoreResult: true,
          description: 'diagnostics.ping that writes nothing on success (ignoreResult)',
        }),
        'diagnostics.flaky': task({
          schema: FlakyArgs,
          maxRetries: 3,
          backoff: DRILL_BACKOFF,
          description: 'Fail with a retryable error until attempt > failTimes, then succeed',
        }),
        'diagnostics.work': task({
          schema: WorkArgs,
          softTimeLimitSeconds: 5,
          neverRetry: ['SoftTimeLimitExceededError'],
          maxRetries: 1,
          backoff: DRILL_BACKOFF,
          description: 'Hash for `steps` steps with progress; for time limits, progress and revoke',
        }),
        'diagnostics.fail': task({
          schema: FailArgs,
          maxRetries: 1,
          backoff: DRILL_BACKOFF,
          neverRetry: ['DrillConfigError'],
          description: 'Throw the requested error (unrecoverable or named)',
        }),
        'diagnostics.crash': task({
          schema: CrashArgs,
          maxRetries: 2,
          backoff: DRILL_BACKOFF,
          description: 'Kill the worker process while attempt <= times (WorkerLostError drill)',
        }),
        'diagnostics.hang': task({
          schema: HangArgs,
          maxRetries: 2,
          backoff: DRILL_BACKOFF,
          description: 'Never return while attempt <= times, until the function timeout',
        }),
        'diagnostics.stubborn': task({
          schema: StubbornArgs,
          softTimeLimitSeconds: 1,
          maxRetries: 2,
          backoff: DRILL_BACKOFF,
          description: 'Ignore the soft time limit signal and finish later',
        }),
        'diagnostics.bad_result': task({
          schema: BadResultArgs,
          description: 'Return a result that a task record cannot store',
        }),
        'diagnostics.add': task({
          schema: AddArgs,
          description: 'Add to a value and append its id to a trail (workflow drills)',
        }),
        'diagnostics.collect': task({
          schema: CollectArgs,
          description: "Count and sum a chord's results (workflow drills)",
        }),
        'diagnostics.spawn': task({
          schema: SpawnArgs,
          maxRetries: 2,
          backoff: DRILL_BACKOFF,
          description: 'Queue child pings with ctx.send (child id drills)',
        }),
        'diagnostics.note_failure': task({
          schema: NoteFailureArgs,
          description: 'Note the step a workflow failed at (a linkError for drills)',
        }),
        'diagnostics.retry_later': task({
          schema: RetryLaterArgs,
          maxRetries: 2,
          description: 'Ask for a retry with ctx.retry while attempt <= times',
        }),
      },
    },
  },
  schedules: {
    'email-quota-check': {
      task: 'email.check_quota',
      every: { rate: '1 minute' },
      args: { warnAtPercent: 80 },
      description: 'SES quota use, every minute',
    },
    'app-health-checks': {
      task: 'monitoring.check_apps',
      every: { rate: '30 seconds' },
      args: {},
      description: 'Health checks of registered applications, every 30 s',
    },
    'system-health': {
      task: 'monitoring.system_health',
      every: { rate: '2 minutes' },
      args: {},
    },
    'metrics-rollup': {
      task: 'analytics.rollup_metrics',
      every: { rate: '5 minutes' },
      args: { windowMinutes: 5 },
    },
    'retry-failed-payments': {
      task: 'payments.retry_failed',
      every: { rate: '15 minutes' },
      args: {},
    },
    'order-reminders': {
      task: 'orders.send_reminders',
      every: { rate: '30 minutes' },
      args: { olderThanMinutes: 60 },
    },
    'cleanup-old-backups': {
      task: 'sync.cleanup',
      every: { rate: '1 hour' },
      args: { prefix: 'backups', olderThanDays: 30 },
    },
    'ledger-backup': {
      task: 'sync.backup',
      every: { rate: '6 hours' },
      args: { source: 'ledger' },
    },
    'daily-report': {
      task: 'analytics.daily_report',
      every: { cron: '0 2 * * ? *', timezone: 'Europe/London' },
      args: {},
      description: "Yesterday's task report, 02:00 London time",
    },
    'daily-reconciliation': {
      task: 'payments.reconcile',
      every: { cron: '30 2 * * ? *', timezone: 'Europe/London' },
      args: {},
    },
    'weekly-report': {
      task: 'analytics.weekly_report',
      every: { cron: '0 8 ? * SUN *', timezone: 'America/New_York' },
      args: {},
      description: 'Weekly task report, Sundays 08:00 New York time',
    },
    'weekly-archive': {
      task: 'sync.archive',
      every: { cron: '0 8 ? * SUN *', timezone: 'Europe/London' },
      args: { olderThanDays: 90 },
    },
  },
  triggers: {
    'order-created': {
      task: 'orders.match',
      pattern: { source: ['shop.orders'], detailType: ['order.created'] },
      description: 'A new order is matched against its book',
    },
  },
  // Python services still on Celery send here and read results with AsyncResult (README).
  celery: { resultTable: true },
});

export type LovageCatalog = typeof catalog;
