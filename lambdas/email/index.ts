import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { catalog } from '../../src/catalog/index.js';
import { WORKLOAD_ENV } from '../../src/protocol/workload.js';
import { createWorker } from '../../src/runtime/index.js';
import { requireEnv } from '../shared/env.js';
import { checkQuota } from './check-quota.js';
import { processBounce } from './process-bounce.js';
import { sendEmail } from './send.js';
import { sendBulk } from './send-bulk.js';
import { Suppressions } from './suppressions.js';

const ses = new SESv2Client({});
const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
let suppressions: Suppressions | undefined;
const suppressionList = () =>
  (suppressions ??= new Suppressions(db, requireEnv(WORKLOAD_ENV.dataTable)));

export const handler = createWorker(catalog, 'email', {
  'email.send': (args, ctx) => sendEmail(ses, args, ctx),
  'email.check_quota': (args, ctx) => checkQuota(ses, args, ctx),
  'email.send_bulk': (args, ctx) => sendBulk(ses, suppressionList(), args, ctx),
  'email.process_bounce': (args, ctx) => processBounce(suppressionList(), args, ctx),
});
