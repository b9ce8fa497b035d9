/**
 * Stores the seed tasks work on, shared by the stack (which creates and
 * grants them) and the task code in lambdas/ (which reads and writes them).
 */

/** Environment variables of the seed categories' functions (besides WORKER_ENV). */
export const WORKLOAD_ENV = {
  /** S3 bucket for backups, archives and reports; each category writes under its own prefix. */
  dataBucket: 'LOVAGE_DATA_BUCKET',
  /** Domain table: orders, registered applications, health checks, suppressions, metric roll-ups. */
  dataTable: 'LOVAGE_DATA_TABLE',
  /** Payments ledger table. */
  ledgerTable: 'LOVAGE_LEDGER_TABLE',
  /**
   * Comma-separated networks (CIDR) that `monitoring` may fetch although they
   * are loopback, private or unique-local; unset means none. Set from the
   * stack setting `monitoringAllowNetworks`, checked at synth.
   */
  monitoringAllowNetworks: 'LOVAGE_MONITORING_ALLOW_NETWORKS',
} as const;

/**
 * Single-table layout of the domain table. The partition key of every item
 * starts with its owner's prefix, and so does its `kind` (the partition key
 * of the byKind index), so one IAM condition (`dynamodb:LeadingKeys`) limits
 * a category to its own items in the table and in the index alike.
 */
export const DATA_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttl: 'expiresAt',
  /** Sparse index of "items of a kind by time" (open orders, registered apps). */
  byKind: { name: 'byKind', partitionKey: 'kind', sortKey: 'kindAt' },
} as const;

/**
 * Values of `kind` on the byKind index. Each starts with its owner's key
 * prefix (see {@link DATA_PREFIXES}), which is what lets IAM scope index
 * queries per category.
 */
export const DATA_KINDS = {
  /** Open order not reminded yet: `orders.send_reminders` reads these, oldest first. */
  openOrder: 'ORDER#OPEN',
  /** Open order whose reminder was published. */
  remindedOrder: 'ORDER#REMINDED',
  /** Filled order: `sync.archive` moves these to S3. */
  closedOrder: 'ORDER#CLOSED',
  /** Application registered for health checks. */
  app: 'APP#REGISTERED',
} as const;

/** Partition-key prefixes of the domain table, by owning category. */
export const DATA_PREFIXES = {
  /** Suppressed addresses; per-recipient send markers of `email.send_bulk`. */
  email: ['SUPPRESS#', 'BULK#'],
  orders: ['ORDER#', 'BOOK#'],
  monitoring: ['APP#', 'HEALTH#'],
  analytics: ['METRICS#'],
} as const;

/** Key prefixes of the data bucket, by owning category. */
export const BUCKET_PREFIXES = {
  payments: 'payments/',
  sync: 'sync/',
  analytics: 'analytics/',
  logs: 'logs/',
} as const;

/** Layout of the ledger table: entries under their account, a sparse index of failed payments. */
export const LEDGER_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  failed: { name: 'failed', partitionKey: 'failedShard', sortKey: 'failedAt' },
} as const;

/** Shards of the failed-payments index, so a burst of failures never lands on one partition. */
export const LEDGER_FAILED_SHARDS = 4;
