import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { sync } from '../../src/catalog/categories/sync.js';
import { categoryCatalog } from '../../src/catalog/category-catalog.js';
import { WORKER_ENV } from '../../src/protocol/env.js';
import { WORKLOAD_ENV } from '../../src/protocol/workload.js';
import { createWorker } from '../../src/runtime/index.js';
import { requireEnv } from '../shared/env.js';
import { s3Client } from '../shared/s3.js';
import { archiveOrders } from './archive.js';
import { backup } from './backup.js';
import { cleanup } from './cleanup.js';

const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const s3 = s3Client();
const bucket = () => requireEnv(WORKLOAD_ENV.dataBucket);

export const handler = createWorker(categoryCatalog('sync', sync), 'sync', {
  'sync.backup': (args, ctx) =>
    backup(
      db,
      s3,
      bucket(),
      {
        tasks: requireEnv(WORKER_ENV.table),
        data: requireEnv(WORKLOAD_ENV.dataTable),
        ledger: requireEnv(WORKLOAD_ENV.ledgerTable),
      },
      args,
      ctx,
    ),
  'sync.cleanup': (args, ctx) => cleanup(s3, bucket(), args, ctx),
  'sync.archive': (args, ctx) =>
    archiveOrders(
      db,
      s3,
      { data: requireEnv(WORKLOAD_ENV.dataTable), tasks: requireEnv(WORKER_ENV.table) },
      bucket(),
      args,
      ctx,
    ),
});
