import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { analytics } from '../../src/catalog/categories/analytics.js';
import { categoryCatalog } from '../../src/catalog/category-catalog.js';
import { WORKER_ENV } from '../../src/protocol/env.js';
import { WORKLOAD_ENV } from '../../src/protocol/workload.js';
import { createWorker } from '../../src/runtime/index.js';
import { requireEnv } from '../shared/env.js';
import { s3Client } from '../shared/s3.js';
import { type AnalyticsStores, dailyReport, rollupMetrics, weeklyReport } from './reports.js';

const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const s3 = s3Client();
const stores = (): AnalyticsStores => ({
  db,
  s3,
  taskTable: requireEnv(WORKER_ENV.table),
  dataTable: requireEnv(WORKLOAD_ENV.dataTable),
  bucket: requireEnv(WORKLOAD_ENV.dataBucket),
});

export const handler = createWorker(categoryCatalog('analytics', analytics), 'analytics', {
  'analytics.daily_report': (args, ctx) => dailyReport(stores(), args, ctx),
  'analytics.weekly_report': (args, ctx) => weeklyReport(stores(), args, ctx),
  'analytics.rollup_metrics': (args, ctx) => rollupMetrics(stores(), args, ctx),
});
