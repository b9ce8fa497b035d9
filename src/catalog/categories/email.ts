import { category, task } from '../define.js';
import {
  BounceEventArgs,
  CheckQuotaArgs,
  SendBulkEmailArgs,
  SendEmailArgs,
} from '../tasks/email.js';

/** The `email` category of the catalog (see `../catalog.ts`): sending e-mail through Amazon SES: single and bulk sends, quota checks, bounces. */
export const email = category({
  timeoutSeconds: 30,
  memoryMb: 256,
  tasks: {
    'email.send': task({
      schema: SendEmailArgs,
      tier: 'high',
      description: 'Send one e-mail through Amazon SES',
    }),
    'email.check_quota': task({
      schema: CheckQuotaArgs,
      tier: 'low',
      resultTtlSeconds: 3600,
      description: 'Record SES sending-quota use and warn near the limit',
    }),
    'email.send_bulk': task({
      schema: SendBulkEmailArgs,
      tier: 'low',
      description: 'Send one message per recipient, skipping suppressed addresses',
    }),
    'email.process_bounce': task({
      schema: BounceEventArgs,
      tier: 'low',
      // SES publishes bounce events only to the account's default bus (and PutEvents refuses
      // `aws.*` sources), so this is sent as a task by whatever receives the bounces.
      description: 'Suppress permanently bounced addresses (detail of an SES bounce event)',
    }),
  },
});
