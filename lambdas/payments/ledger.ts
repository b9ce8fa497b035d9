import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { RecordPaymentArgs } from '../../src/catalog/index.js';
import { LEDGER_FAILED_SHARDS } from '../../src/protocol/workload.js';
import { UnrecoverableError } from '../../src/runtime/index.js';

export type PaymentStatus = 'SETTLED' | 'FAILED' | 'ABANDONED';

/** A payment as stored under its account. */
export interface Payment extends RecordPaymentArgs {
  readonly status: PaymentStatus;
  readonly attempts: number;
  readonly createdAt: string;
  readonly settledAt?: string;
  readonly reason?: string;
}

export interface PaymentOutcome {
  readonly paymentId: string;
  readonly status: PaymentStatus;
  /** False when this call found the payment already recorded and changed nothing. */
  readonly applied: boolean;
  readonly balance?: number;
  readonly reason?: string;
}

export const balanceKey = (account: string) => ({ pk: `ACCOUNT#${account}`, sk: 'BALANCE' });
export const paymentKey = (account: string, paymentId: string) => ({
  pk: `ACCOUNT#${account}`,
  sk: `PAYMENT#${paymentId}`,
});

/** Shard of the failed-payments index a payment is written to (stable per id). */
export function failedShard(paymentId: string): string {
  let sum = 0;
  for (const ch of paymentId) sum = (sum * 31 + ch.charCodeAt(0)) >>> 0;
  return `FAILED#${sum % LEDGER_FAILED_SHARDS}`;
}

/**
 * The payments ledger: one item per payment under its account and one
 * balance item per account, changed together in one transaction so that a
 * balance always equals the sum of its settled entries.
 */
export class Ledger {
  constructor(
    readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /**
   * Settles the payment once: the entry and the balance change in one
   * transaction, conditional on the entry not existing yet (or being FAILED,
   * when `retry`) and, for a debit, on enough balance. Lack of funds records
   * (or keeps) the payment as FAILED for `payments.retry_failed`.
   */
  async settle(p: RecordPaymentArgs, now: Date, retry = false): Promise<PaymentOutcome> {
    const at = now.toISOString();
    const delta = p.direction === 'credit' ? p.amount : -p.amount;
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: paymentKey(p.account, p.paymentId),
                UpdateExpression:
                  'SET #status = :settled, settledAt = :at, amount = :amount, currency = :cur, direction = :dir, paymentId = :id, account = :acct, createdAt = if_not_exists(createdAt, :at), attempts = if_not_exists(attempts, :zero) + :one REMOVE failedShard, failedAt, reason',
                ConditionExpression: retry ? '#status = :failed' : 'attribute_not_exists(pk)',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':settled': 'SETTLED',
                  ':at': at,
                  ':amount': p.amount,
                  ':cur': p.currency,
                  ':dir': p.direction,
                  ':id': p.paymentId,
                  ':acct': p.account,
                  ':zero': 0,
                  ':one': 1,
                  ...(retry ? { ':failed': 'FAILED' } : {}),
                },
              },
            },
            {
              Update: {
                TableName: this.tableName,
                Key: balanceKey(p.account),
                UpdateExpression:
                  'SET balance = if_not_exists(balance, :zero) + :delta, currency = :cur, updatedAt = :at ADD entries :one',
                ConditionExpression:
                  p.direction === 'debit'
                    ? 'currency = :cur AND balance >= :amount'
                    : 'attribute_not_exists(currency) OR currency = :cur',
                ExpressionAttributeValues: {
                  ':zero': 0,
                  ':delta': delta,
                  ':cur': p.currency,
                  ':at': at,
                  ':one': 1,
                  ...(p.direction === 'debit' ? { ':amount': p.amount } : {}),
                },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [entry, balance] = error.CancellationReasons ?? [];
      if (entry?.Code === 'ConditionalCheckFailed') {
        const existing = await this.payment(p.account, p.paymentId);
        return {
          paymentId: p.paymentId,
          status: existing?.status ?? 'SETTLED',
          applied: false,
          ...(existing?.reason ? { reason: existing.reason } : {}),
        };
      }
      if (balance?.Code === 'ConditionalCheckFailed') return this.refuse(p, now, retry);
      throw error;
    }
    const after = await this.balance(p.account);
    return {
      paymentId: p.paymentId,
      status: 'SETTLED',
      applied: true,
      balance: after?.balance ?? 0,
    };
  }

  /** The balance item of `account`, if it has one. */
  async balance(
    account: string,
  ): Promise<{ balance: number; currency: string; entries: number } | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: balanceKey(account), ConsistentRead: true }),
    );
    return out.Item as { balance: number; currency: string; entries: number } | undefined;
  }

  async payment(account: string, paymentId: string): Promise<Payment | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: paymentKey(account, paymentId),
        ConsistentRead: true,
      }),
    );
    return out.Item as Payment | undefined;
  }

  /** Marks a payment given up on: off the failed index, kept in the ledger for the record. */
  async abandon(p: Payment, now: Date): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: paymentKey(p.account, p.paymentId),
        UpdateExpression:
          'SET #status = :abandoned, abandonedAt = :at REMOVE failedShard, failedAt',
        ConditionExpression: '#status = :failed',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':abandoned': 'ABANDONED',
          ':failed': 'FAILED',
          ':at': now.toISOString(),
        },
      }),
    );
  }

  /** The balance refused the movement: a currency mismatch is final, lack of funds is retried later. */
  private async refuse(p: RecordPaymentArgs, now: Date, retry: boolean): Promise<PaymentOutcome> {
    const current = await this.balance(p.account);
    if (current && current.currency !== p.currency) {
      throw new UnrecoverableError(
        `payment ${p.paymentId}: currency ${p.currency} does not match account ${p.account}'s ${current.currency}`,
      );
    }
    const reason = `insufficient funds: balance ${current?.balance ?? 0}, debit ${p.amount}`;
    const at = now.toISOString();
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: paymentKey(p.account, p.paymentId),
        UpdateExpression:
          'SET #status = :failed, reason = :reason, failedShard = :shard, failedAt = :at, amount = :amount, currency = :cur, direction = :dir, paymentId = :id, account = :acct, createdAt = if_not_exists(createdAt, :at), attempts = if_not_exists(attempts, :zero) + :one',
        ConditionExpression: retry ? '#status = :failed' : 'attribute_not_exists(pk)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':failed': 'FAILED',
          ':reason': reason,
          ':shard': failedShard(p.paymentId),
          ':at': at,
          ':amount': p.amount,
          ':cur': p.currency,
          ':dir': p.direction,
          ':id': p.paymentId,
          ':acct': p.account,
          ':zero': 0,
          ':one': 1,
        },
      }),
    );
    return { paymentId: p.paymentId, status: 'FAILED', applied: true, reason };
  }
}
