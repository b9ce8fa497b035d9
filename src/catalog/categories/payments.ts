import { category, task } from '../define.js';
import { ReconcileArgs, RecordPaymentArgs, RetryFailedPaymentsArgs } from '../tasks/payments.js';

/** The `payments` category of the catalog (see `../catalog.ts`): ledger movements, once per payment id, and their reconciliation. */
export const payments = category({
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
});
