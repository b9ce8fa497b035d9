import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { RetryFailedPaymentsArgs } from '../../src/catalog/index.js';
import { LEDGER_FAILED_SHARDS, LEDGER_KEYS } from '../../src/protocol/workload.js';
import type { TaskContext } from '../../src/runtime/index.js';
import type { Ledger, Payment } from './ledger.js';

export interface RetryReport {
  readonly examined: number;
  readonly settled: readonly string[];
  readonly stillFailing: readonly string[];
  readonly abandoned: readonly string[];
}

/**
 * `payments.retry_failed`: reads the failed-payments index (all shards,
 * oldest first) and settles each payment again; one that has failed
 * `maxAttempts` times is abandoned instead.
 */
export async function retryFailed(
  ledger: Ledger,
  args: RetryFailedPaymentsArgs,
  ctx: Pick<TaskContext, 'signal'>,
  now = new Date(),
): Promise<RetryReport> {
  const failed = await failedPayments(ledger, args.limit);
  const report = {
    examined: failed.length,
    settled: [] as string[],
    stillFailing: [] as string[],
    abandoned: [] as string[],
  };
  for (const payment of failed) {
    if (ctx.signal.aborted) break;
    if (payment.attempts >= args.maxAttempts) {
      await ledger.abandon(payment, now);
      report.abandoned.push(payment.paymentId);
      continue;
    }
    const outcome = await ledger.settle(payment, now, true);
    (outcome.status === 'SETTLED' ? report.settled : report.stillFailing).push(payment.paymentId);
  }
  return report;
}

async function failedPayments(ledger: Ledger, limit: number): Promise<Payment[]> {
  const { name, partitionKey, sortKey } = LEDGER_KEYS.failed;
  const pages = await Promise.all(
    Array.from({ length: LEDGER_FAILED_SHARDS }, (_, shard) =>
      ledger.db.send(
        new QueryCommand({
          TableName: ledger.tableName,
          IndexName: name,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': partitionKey },
          ExpressionAttributeValues: { ':pk': `FAILED#${shard}` },
          Limit: limit,
        }),
      ),
    ),
  );
  return pages
    .flatMap((p) => (p.Items ?? []) as (Payment & { failedAt: string })[])
    .sort((a, b) => String(a[sortKey]).localeCompare(String(b[sortKey])))
    .slice(0, limit);
}
