import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { failedShard, Ledger } from '../../../lambdas/payments/ledger.js';
import { checkAccounts } from '../../../lambdas/payments/reconcile.js';

const cancelled = (codes: string[]) =>
  new TransactionCanceledException({
    message: 'cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
const payment = {
  paymentId: 'p-1',
  account: 'a-1',
  amount: 500,
  currency: 'EUR',
  direction: 'debit',
} as const;

describe('payments ledger', () => {
  it('settles entry and balance in one conditional transaction', async () => {
    const db = mockClient(DynamoDBDocumentClient);
    db.on(TransactWriteCommand).resolves({});
    db.on(GetCommand).resolves({ Item: { balance: 200, currency: 'EUR', entries: 3 } });
    const out = await new Ledger(db as unknown as DynamoDBDocumentClient, 'ledger').settle(
      payment,
      new Date(),
    );
    expect(out).toEqual({ paymentId: 'p-1', status: 'SETTLED', applied: true, balance: 200 });
    const items = db.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items[0]?.Update?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(items[1]?.Update?.ConditionExpression).toBe('currency = :cur AND balance >= :amount');
    expect(items[1]?.Update?.ExpressionAttributeValues?.[':delta']).toBe(-500);
  });

  it('changes nothing for a payment id it has already recorded', async () => {
    const db = mockClient(DynamoDBDocumentClient);
    db.on(TransactWriteCommand).rejects(cancelled(['ConditionalCheckFailed', 'None']));
    db.on(GetCommand).resolves({ Item: { ...payment, status: 'SETTLED' } });
    const out = await new Ledger(db as unknown as DynamoDBDocumentClient, 'ledger').settle(
      payment,
      new Date(),
    );
    expect(out).toEqual({ paymentId: 'p-1', status: 'SETTLED', applied: false });
    expect(db.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('records an overdraft as FAILED on the failed index for a later retry', async () => {
    const db = mockClient(DynamoDBDocumentClient);
    db.on(TransactWriteCommand).rejects(cancelled(['None', 'ConditionalCheckFailed']));
    db.on(GetCommand).resolves({ Item: { balance: 100, currency: 'EUR' } });
    db.on(UpdateCommand).resolves({});
    const out = await new Ledger(db as unknown as DynamoDBDocumentClient, 'ledger').settle(
      payment,
      new Date(),
    );
    expect(out).toMatchObject({
      status: 'FAILED',
      reason: 'insufficient funds: balance 100, debit 500',
    });
    expect(
      db.commandCalls(UpdateCommand)[0]?.args[0].input.ExpressionAttributeValues?.[':shard'],
    ).toBe(failedShard('p-1'));
  });

  it('fails for good on a currency that does not match the account', async () => {
    const db = mockClient(DynamoDBDocumentClient);
    db.on(TransactWriteCommand).rejects(cancelled(['None', 'ConditionalCheckFailed']));
    db.on(GetCommand).resolves({ Item: { balance: 1000, currency: 'USD' } });
    await expect(
      new Ledger(db as unknown as DynamoDBDocumentClient, 'ledger').settle(payment, new Date()),
    ).rejects.toMatchObject({
      name: 'UnrecoverableError',
      message: "payment p-1: currency EUR does not match account a-1's USD",
    });
  });
});

describe('payments.reconcile', () => {
  it('compares each balance with the sum of its settled entries', () => {
    const checks = checkAccounts([
      { pk: 'ACCOUNT#a', sk: 'BALANCE', balance: 700 },
      { pk: 'ACCOUNT#a', sk: 'PAYMENT#1', status: 'SETTLED', amount: 1000, direction: 'credit' },
      { pk: 'ACCOUNT#a', sk: 'PAYMENT#2', status: 'SETTLED', amount: 300, direction: 'debit' },
      { pk: 'ACCOUNT#a', sk: 'PAYMENT#3', status: 'FAILED', amount: 5000, direction: 'debit' },
      { pk: 'ACCOUNT#b', sk: 'BALANCE', balance: 50 },
    ]);
    expect(checks).toEqual([
      { account: 'a', balance: 700, ledgerSum: 700, settledEntries: 2, ok: true },
      { account: 'b', balance: 50, ledgerSum: 0, settledEntries: 0, ok: false },
    ]);
  });
});
