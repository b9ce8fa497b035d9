import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SendRemindersArgs } from '../../src/catalog/index.js';
import { DATA_KEYS } from '../../src/protocol/workload.js';
import type { TaskContext } from '../../src/runtime/index.js';
import { ORDER_KINDS, type Order, type OrderStore, orderKey } from './book.js';

/** Event published for each order left open too long; subscribe to it on the stack's bus. */
export const REMINDER_EVENT = { source: 'lovage.orders', detailType: 'order.reminder' } as const;

export interface RemindersResult {
  readonly reminded: readonly string[];
}

/**
 * `orders.send_reminders`: every open order created before the cut-off that
 * was not reminded yet gets one `order.reminder` event on the bus. The
 * order is marked first (conditionally), so two runs never remind twice.
 */
export async function sendReminders(
  store: OrderStore,
  events: EventBridgeClient,
  busName: string,
  args: SendRemindersArgs,
  ctx: Pick<TaskContext, 'signal'>,
  now = new Date(),
): Promise<RemindersResult> {
  const cutoff = new Date(now.getTime() - args.olderThanMinutes * 60_000).toISOString();
  const { name, partitionKey, sortKey } = DATA_KEYS.byKind;
  const out = await store.db.send(
    new QueryCommand({
      TableName: store.tableName,
      IndexName: name,
      KeyConditionExpression: '#k = :kind AND #at <= :cutoff',
      FilterExpression: 'attribute_not_exists(remindedAt)',
      ExpressionAttributeNames: { '#k': partitionKey, '#at': sortKey },
      ExpressionAttributeValues: { ':kind': ORDER_KINDS.open, ':cutoff': cutoff },
      Limit: args.limit,
    }),
    { abortSignal: ctx.signal },
  );
  const reminded: string[] = [];
  for (const order of (out.Items ?? []) as Order[]) {
    try {
      await store.db.send(
        new UpdateCommand({
          TableName: store.tableName,
          Key: orderKey(order.orderId),
          UpdateExpression: 'SET remindedAt = :at',
          ConditionExpression: 'attribute_not_exists(remindedAt) AND kind = :open',
          ExpressionAttributeValues: { ':at': now.toISOString(), ':open': ORDER_KINDS.open },
        }),
      );
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') continue;
      throw error;
    }
    const result = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: busName,
            Source: REMINDER_EVENT.source,
            DetailType: REMINDER_EVENT.detailType,
            Detail: JSON.stringify({
              orderId: order.orderId,
              symbol: order.symbol,
              remaining: order.remaining,
              createdAt: order.createdAt,
            }),
          },
        ],
      }),
    );
    if (result.FailedEntryCount) {
      throw new Error(`EventBridge refused the reminder of order ${order.orderId}`);
    }
    reminded.push(order.orderId);
  }
  return { reminded };
}
