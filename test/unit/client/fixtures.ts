import type { StackConfig } from '../../../src/client/index.js';

/** A stack as `loadStackConfig` would read it; nothing here is ever called. */
export const config: StackConfig = {
  stackName: 'Lovage',
  region: 'eu-west-1',
  account: '123456789012',
  partition: 'aws',
  tableName: 'tasks',
  queues: {
    'email/high': {
      url: 'https://sqs.eu-west-1.amazonaws.com/123456789012/email-high',
      dlq: 'https://sqs.eu-west-1.amazonaws.com/123456789012/email-high-dlq',
    },
    'email/low': {
      url: 'https://sqs.eu-west-1.amazonaws.com/123456789012/email-low',
      dlq: 'https://sqs.eu-west-1.amazonaws.com/123456789012/email-low-dlq',
    },
  },
  scheduleGroup: 'beat',
  delayScheduleGroup: 'delays',
  delayRoleArn: 'arn:aws:iam::123456789012:role/delivery',
  eventBusName: 'bus',
  dashboardName: 'Lovage-tasks',
};

export const email = {
  from: 'noreply@example.com',
  to: ['ada@example.com'],
  subject: 'Hello',
  text: 'Welcome',
};
