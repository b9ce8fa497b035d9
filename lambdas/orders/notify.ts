import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { NotifyStatusArgs } from '../../src/catalog/index.js';
import { type TaskContext, UnrecoverableError } from '../../src/runtime/index.js';
import { type Order, type OrderStore, orderKey } from './book.js';

export interface NotifyResult {
  readonly orderId: string;
  readonly status: string;
  /** False when the customer was already told about this status, or has no address. */
  readonly sent: boolean;
  readonly messageId?: string;
}

/** What the customer is told; one notification per distinct value. */
export const notificationKey = (o: Pick<Order, 'status' | 'remaining'>) =>
  `${o.status}:${o.remaining}`;

export function statusMessage(o: Order): { subject: string; text: string } {
  const filled = o.quantity - o.remaining;
  return {
    subject: `Order ${o.orderId}: ${o.status.toLowerCase()}`,
    text: `Your ${o.side} order ${o.orderId} for ${o.quantity} ${o.symbol} at ${o.price} is ${o.status.toLowerCase()}: ${filled} filled, ${o.remaining} open.`,
  };
}

/**
 * `orders.notify_status`: e-mails the customer the order's current status
 * through SES, once per status (the last status told is kept on the order).
 */
export async function notifyStatus(
  store: OrderStore,
  ses: SESv2Client,
  args: NotifyStatusArgs,
  ctx: Pick<TaskContext, 'signal'>,
): Promise<NotifyResult> {
  const order = await store.get(args.orderId);
  if (!order) throw new UnrecoverableError(`order ${args.orderId} does not exist`);
  const key = notificationKey(order);
  if (!order.customerEmail || order.lastNotified === key) {
    return { orderId: order.orderId, status: order.status, sent: false };
  }
  const { subject, text } = statusMessage(order);
  const out = await ses.send(
    new SendEmailCommand({
      FromEmailAddress: args.from,
      Destination: { ToAddresses: [order.customerEmail] },
      Content: {
        Simple: {
          Subject: { Data: subject, Charset: 'UTF-8' },
          Body: { Text: { Data: text, Charset: 'UTF-8' } },
        },
      },
    }),
    { abortSignal: ctx.signal },
  );
  await store.db.send(
    new UpdateCommand({
      TableName: store.tableName,
      Key: orderKey(order.orderId),
      UpdateExpression: 'SET lastNotified = :key, lastNotifiedAt = :at',
      ExpressionAttributeValues: { ':key': key, ':at': new Date().toISOString() },
    }),
  );
  return {
    orderId: order.orderId,
    status: order.status,
    sent: true,
    ...(out.MessageId ? { messageId: out.MessageId } : {}),
  };
}
