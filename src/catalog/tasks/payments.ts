import * as z from 'zod';

const account = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -');

/** Payload of `payments.record`: one ledger movement, written once per `paymentId`. */
export const RecordPaymentArgs = z.object({
  /** Idempotency key: a second payment with this id changes nothing. */
  paymentId: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be 1-100 letters, digits, _ or -'),
  account,
  /** Amount in minor units (cents), positive. */
  amount: z.number().int().positive().max(1_000_000_000),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code'),
  /** `credit` adds to the balance; `debit` needs enough balance or fails for a later retry. */
  direction: z.enum(['credit', 'debit']),
});
export type RecordPaymentArgs = z.infer<typeof RecordPaymentArgs>;

/** Payload of `payments.retry_failed`. */
export const RetryFailedPaymentsArgs = z.object({
  /** Payments retried per run. */
  limit: z.number().int().min(1).max(500).default(100),
  /** A payment that failed this often is abandoned (status ABANDONED). */
  maxAttempts: z.number().int().min(1).max(50).default(5),
});
export type RetryFailedPaymentsArgs = z.infer<typeof RetryFailedPaymentsArgs>;

/** Payload of `payments.reconcile`. */
export const ReconcileArgs = z.object({
  /** Accounts to reconcile; all accounts when absent. */
  accounts: z.array(account).max(1000).optional(),
});
export type ReconcileArgs = z.infer<typeof ReconcileArgs>;
