import type { LovageTaskName } from './catalog.js';
import type { TriggerDefinition } from './triggers.js';
import type { ScheduleDefinition } from './types.js';

/**
 * The catalog's periodic tasks (the beat), keyed by schedule name. Plain data
 * beside the categories, so that a category's function can take the schedules
 * of its own tasks (the beat fans sub-minute rates out in the runtime) without
 * bundling every category's payload schemas; `defineCatalog` validates their
 * args against the task's schema, for the whole catalog and for each category.
 */
export const schedules = {
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
} as const satisfies Readonly<Record<string, ScheduleDefinition<LovageTaskName>>>;

/** Domain events on the stack's bus that start tasks, keyed by trigger name. */
export const triggers = {
  'order-created': {
    task: 'orders.match',
    pattern: { source: ['shop.orders'], detailType: ['order.created'] },
    description: 'A new order is matched against its book',
  },
} as const satisfies Readonly<Record<string, TriggerDefinition<LovageTaskName>>>;
