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
} as const;

/**
 * Single-table layout of the domain table. The partition key of every item
 * starts with its owner's prefix, so IAM can limit a category to its own
 * items (`dynamodb:LeadingKeys`).
 */
export const DATA_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttl: 'expiresAt',
  /** Sparse index of "items of a kind by time" (open orders, registered apps). */
  byKind: { name: 'byKind', partitionKey: 'kind', sortKey: 'kindAt' },
} as const;

/** Partition-key prefixes of the domain table, by owning category. */
export const DATA_PREFIXES = {
  email: ['SUPPRESS#'],
  orders: ['ORDER#', 'BOOK#'],
  monitoring: ['APP#', 'HEALTH#'],
  analytics: ['METRICS#'],
} as const;

/** Key prefixes of the data bucket, by owning category. */
export const BUCKET_PREFIXES = {
  payments: 'payments/',
  sync: 'sync/',
  analytics: 'analytics/',
} as const;

/** Layout of the ledger table: entries under their account, a sparse index of failed payments. */
export const LEDGER_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  failed: { name: 'failed', partitionKey: 'failedShard', sortKey: 'failedAt' },
} as const;

/** Shards of the failed-payments index, so a burst of failures never lands on one partition. */
export const LEDGER_FAILED_SHARDS = 4;
