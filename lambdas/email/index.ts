import { SESv2Client } from '@aws-sdk/client-sesv2';
import { catalog } from '../../src/catalog/index.js';
import { createWorker } from '../../src/runtime/index.js';
import { checkQuota } from './check-quota.js';
import { sendEmail } from './send.js';

const ses = new SESv2Client({});

export const handler = createWorker(catalog, 'email', {
  'email.send': (args, ctx) => sendEmail(ses, args, ctx),
  'email.check_quota': (args, ctx) => checkQuota(ses, args, ctx),
});
