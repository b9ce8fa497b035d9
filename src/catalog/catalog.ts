import { analytics } from './categories/analytics.js';
import { diagnostics } from './categories/diagnostics.js';
import { email } from './categories/email.js';
import { logs } from './categories/logs.js';
import { monitoring } from './categories/monitoring.js';
import { orders } from './categories/orders.js';
import { payments } from './categories/payments.js';
import { sync } from './categories/sync.js';
import { defineCatalog, type TaskNamesOf } from './define.js';
import { schedules, triggers } from './schedules.js';

export * from './tasks/analytics.js';
export * from './tasks/diagnostics.js';
export * from './tasks/email.js';
export * from './tasks/logs.js';
export * from './tasks/monitoring.js';
export * from './tasks/orders.js';
export * from './tasks/payments.js';
export * from './tasks/sync.js';

/**
 * The categories of the catalog, one file each in ./categories (payload
 * schemas in ./tasks/<category>.ts). A category's function imports only its
 * own (see `categoryCatalog`), so it bundles only its own tasks' schemas.
 */
export const categories = {
  email,
  payments,
  orders,
  sync,
  analytics,
  monitoring,
  logs,
  diagnostics,
};

/** Every task name the catalog declares. */
export type LovageTaskName = TaskNamesOf<typeof categories>;

/**
 * The Lovage task catalog: the one place that names categories, tasks,
 * tiers, schedules and event triggers. The stack, the client and the CLI
 * read it whole; each category's function reads its own part of it
 * (`categoryCatalog`), validated the same way. Adding a category is a file
 * in ./categories, one entry here, and its folder in lambdas/.
 */
export const catalog = defineCatalog({
  categories,
  schedules,
  triggers,
  // Python services still on Celery send here and read results with AsyncResult (README).
  celery: { resultTable: true },
});

export type LovageCatalog = typeof catalog;
