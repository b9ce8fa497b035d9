import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { monitoring } from '../../src/catalog/categories/monitoring.js';
import { categoryCatalog } from '../../src/catalog/category-catalog.js';
import { WORKER_ENV } from '../../src/protocol/env.js';
import { WORKLOAD_ENV } from '../../src/protocol/workload.js';
import { createWorker } from '../../src/runtime/index.js';
import { requireEnv } from '../shared/env.js';
import { AppRegistry } from './apps.js';
import { checkApps, guardedHealthGet } from './check-apps.js';
import { policyFromEnv } from './guarded-get.js';
import { systemHealth } from './system-health.js';

const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
let apps: AppRegistry | undefined;
const registry = () => (apps ??= new AppRegistry(db, requireEnv(WORKLOAD_ENV.dataTable)));
// Loopback, link-local, private and unique-local addresses are refused unless the stack
// setting monitoringAllowNetworks lists them (off by default; link-local never).
const policy = policyFromEnv(process.env[WORKLOAD_ENV.monitoringAllowNetworks]);

export const handler = createWorker(categoryCatalog('monitoring', monitoring), 'monitoring', {
  'monitoring.register_app': (args) => registry().register(args, policy),
  'monitoring.check_apps': (args, ctx) =>
    checkApps(registry(), args, ctx, guardedHealthGet(policy)),
  'monitoring.system_health': (args, ctx) =>
    systemHealth(db, requireEnv(WORKER_ENV.table), registry(), args, ctx),
});
