import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { orders as ordersCategory } from '../../src/catalog/categories/orders.js';
import { categoryCatalog } from '../../src/catalog/category-catalog.js';
import { WORKER_ENV } from '../../src/protocol/env.js';
import { WORKLOAD_ENV } from '../../src/protocol/workload.js';
import { createWorker } from '../../src/runtime/index.js';
import { requireEnv } from '../shared/env.js';
import { OrderStore } from './book.js';
import { matchOrder } from './match.js';
import { notifyStatus } from './notify.js';
import { sendReminders } from './reminders.js';

const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const ses = new SESv2Client({});
const events = new EventBridgeClient({});
let orders: OrderStore | undefined;
const store = () => (orders ??= new OrderStore(db, requireEnv(WORKLOAD_ENV.dataTable)));

export const handler = createWorker(categoryCatalog('orders', ordersCategory), 'orders', {
  'orders.match': (args, ctx) => matchOrder(store(), args, ctx),
  'orders.notify_status': (args, ctx) => notifyStatus(store(), ses, args, ctx),
  'orders.send_reminders': (args, ctx) =>
    sendReminders(store(), events, requireEnv(WORKER_ENV.eventBus), args, ctx),
});
