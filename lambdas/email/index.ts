import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { email } from '../../src/catalog/categories/email.js';
import { categoryCatalog } from '../../src/catalog/category-catalog.js';
import { WORKLOAD_ENV } from '../../src/protocol/workload.js';
import { createWorker } from '../../src/runtime/index.js';
import { requireEnv } from '../shared/env.js';
import { checkQuota } from './check-quota.js';
import { processBounce } from './process-bounce.js';
import { sendEmail } from './send.js';
import { sendBulk } from './send-bulk.js';
import { SendMarkers } from './send-markers.js';
import { Suppressions } from './suppressions.js';

const ses = new SESv2Client({});
// Bulk sends are never retried by the SDK: a request repeated after a lost answer could
// deliver twice. The task's own retry (with backoff) takes over, and the markers skip
// every recipient already sent to.
const sesOnce = new SESv2Client({ maxAttempts: 1 });
const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
let suppressions: Suppressions | undefined;
let markers: SendMarkers | undefined;
const suppressionList = () =>
  (suppressions ??= new Suppressions(db, requireEnv(WORKLOAD_ENV.dataTable)));
const sendMarkers = () => (markers ??= new SendMarkers(db, requireEnv(WORKLOAD_ENV.dataTable)));

export const handler = createWorker(categoryCatalog('email', email), 'email', {
  'email.send': (args, ctx) => sendEmail(ses, args, ctx),
  'email.check_quota': (args, ctx) => checkQuota(ses, args, ctx),
  'email.send_bulk': (args, ctx) => sendBulk(sesOnce, suppressionList(), sendMarkers(), args, ctx),
  'email.process_bounce': (args, ctx) => processBounce(suppressionList(), args, ctx),
});
