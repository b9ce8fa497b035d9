import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { payments } from '../../src/catalog/categories/payments.js';
import { categoryCatalog } from '../../src/catalog/category-catalog.js';
import { WORKLOAD_ENV } from '../../src/protocol/workload.js';
import { createWorker } from '../../src/runtime/index.js';
import { requireEnv } from '../shared/env.js';
import { s3Client } from '../shared/s3.js';
import { Ledger } from './ledger.js';
import { reconcile } from './reconcile.js';
import { retryFailed } from './retry-failed.js';

const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const s3 = s3Client();
let ledger: Ledger | undefined;
const theLedger = () => (ledger ??= new Ledger(db, requireEnv(WORKLOAD_ENV.ledgerTable)));

export const handler = createWorker(categoryCatalog('payments', payments), 'payments', {
  'payments.record': (args) => theLedger().settle(args, new Date()),
  'payments.retry_failed': (args, ctx) => retryFailed(theLedger(), args, ctx),
  'payments.reconcile': (args, ctx) =>
    reconcile(theLedger(), s3, requireEnv(WORKLOAD_ENV.dataBucket), args, ctx),
});
