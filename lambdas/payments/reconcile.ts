import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { ReconcileArgs } from '../../src/catalog/index.js';
import { BUCKET_PREFIXES } from '../../src/protocol/workload.js';
import type { TaskContext } from '../../src/runtime/index.js';
import { keySafe } from '../shared/s3.js';
import type { Ledger } from './ledger.js';

/** One account's balance against the sum of its settled entries. */
export interface AccountCheck {
  readonly account: string;
  readonly balance: number;
  readonly ledgerSum: number;
  readonly settledEntries: number;
  readonly ok: boolean;
}

export interface ReconcileReport {
  readonly accounts: number;
  readonly mismatches: readonly AccountCheck[];
  /** S3 key of the full report. */
  readonly reportKey: string;
}

interface LedgerItem {
  readonly pk: string;
  readonly sk: string;
  readonly balance?: number;
  readonly status?: string;
  readonly amount?: number;
  readonly direction?: string;
}

/** Balance versus the sum of SETTLED credits minus debits, per account. */
export function checkAccounts(
  items: readonly LedgerItem[],
  only?: ReadonlySet<string>,
): AccountCheck[] {
  const totals = new Map<string, { balance: number; sum: number; entries: number }>();
  for (const item of items) {
    const account = item.pk.replace(/^ACCOUNT#/, '');
    if (only && !only.has(account)) continue;
    const t = totals.get(account) ?? { balance: 0, sum: 0, entries: 0 };
    if (item.sk === 'BALANCE') t.balance = Number(item.balance ?? 0);
    else if (item.status === 'SETTLED') {
      t.sum += (item.direction === 'debit' ? -1 : 1) * Number(item.amount ?? 0);
      t.entries += 1;
    }
    totals.set(account, t);
  }
  return [...totals.entries()]
    .map(([account, t]) => ({
      account,
      balance: t.balance,
      ledgerSum: t.sum,
      settledEntries: t.entries,
      ok: t.balance === t.sum,
    }))
    .sort((a, b) => a.account.localeCompare(b.account));
}

/**
 * `payments.reconcile`: reads the whole ledger (a consistent-enough scan for a
 * nightly check), compares every balance with its entries and writes the
 * report to `payments/reconciliation/<date>/<task id>.json`.
 */
export async function reconcile(
  ledger: Ledger,
  s3: S3Client,
  bucket: string,
  args: ReconcileArgs,
  ctx: Pick<TaskContext, 'id' | 'signal' | 'logger'>,
  now = new Date(),
): Promise<ReconcileReport> {
  const items: LedgerItem[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await ledger.db.send(
      new ScanCommand({ TableName: ledger.tableName, ExclusiveStartKey: start }),
      { abortSignal: ctx.signal },
    );
    items.push(...((page.Items ?? []) as LedgerItem[]));
    start = page.LastEvaluatedKey;
  } while (start);
  const checks = checkAccounts(items, args.accounts ? new Set(args.accounts) : undefined);
  const mismatches = checks.filter((c) => !c.ok);
  const reportKey = `${BUCKET_PREFIXES.payments}reconciliation/${now.toISOString().slice(0, 10)}/${keySafe(ctx.id)}.json`;
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: reportKey,
      ContentType: 'application/json',
      Body: JSON.stringify({ generatedAt: now.toISOString(), accounts: checks }, null, 2),
    }),
  );
  if (mismatches.length > 0) {
    ctx.logger.warn('ledger balances do not match their entries', {
      mismatches: mismatches.length,
    });
  }
  return { accounts: checks.length, mismatches, reportKey };
}
