import { category, task } from '../define.js';
import { MatchOrderArgs, NotifyStatusArgs, SendRemindersArgs } from '../tasks/orders.js';

/** The `orders` category of the catalog (see `../catalog.ts`): order matching, status e-mails and reminders. */
export const orders = category({
  timeoutSeconds: 30,
  memoryMb: 256,
  tasks: {
    'orders.match': task({
      schema: MatchOrderArgs,
      tier: 'high',
      description: 'Match a new order against the opposite side of its book',
    }),
    'orders.notify_status': task({
      schema: NotifyStatusArgs,
      tier: 'normal',
      description: "E-mail the customer their order's status, once per status",
    }),
    'orders.send_reminders': task({
      schema: SendRemindersArgs,
      tier: 'low',
      description: 'Publish one reminder event per order left open too long',
    }),
  },
});
