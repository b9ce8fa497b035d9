import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SendRemindersArgs } from '../../src/catalog/index.js';
import { DATA_KEYS } from '../../src/protocol/workload.js';
import type { TaskContext } from '../../src/runtime/index.js';
import { ORDER_KINDS, type Order, type OrderStore, orderKey } from './book.js';

/** Event published for each order left open too long; subscribe to it on the stack's bus. */
export const REMINDER_EVENT = { source: 'lovage.orders', detailType: 'order.reminder' } as const;

/**
 * How long a run holds the orders it is reminding about: past Lambda's
 * longest timeout, so a claim outlives the run that took it only when that
 * run died, and then a later run takes the order over.
 */
export const REMINDER_CLAIM_MS = 15 * 60_000;

/** PutEvents takes at most 10 entries. */
const EVENTS_PER_CALL = 10;

export interface RemindersResult {
  readonly reminded: readonly string[];
}

/**
 * `orders.send_reminders`: every open order created before the cut-off gets
 * one `order.reminder` event on the bus, oldest first, up to `limit` a run.
 *
 * Orders waiting for a reminder are kind `ORDER#OPEN` on the byKind index;
 * a reminded order moves to `ORDER#REMINDED`, so each run reads only orders
 * still to be reminded and successive runs reach every one (paging goes on
 * past orders another run holds). Per order: a conditional claim (two runs
 * never publish the same order at once), the event, then the mark, only for
 * entries EventBridge accepted; a refused entry is released for the next
 * run, and the task fails so the runtime retries it. A crash between
 * publishing and marking publishes that order again later: the event's
 * `reminderId` lets subscribers drop the copy.
 */
export async function sendReminders(
  store: OrderStore,
  events: EventBridgeClient,
  busName: string,
  args: SendRemindersArgs,
  ctx: Pick<TaskContext, 'id' | 'attempt' | 'signal'>,
  now = new Date(),
): Promise<RemindersResult> {
  const cutoff = new Date(now.getTime() - args.olderThanMinutes * 60_000).toISOString();
  const run = `${ctx.id}#${ctx.attempt}`;
  const { name, partitionKey, sortKey } = DATA_KEYS.byKind;
  const reminded: string[] = [];
  let refused = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await store.db.send(
      new QueryCommand({
        TableName: store.tableName,
        IndexName: name,
        KeyConditionExpression: '#k = :kind AND #at <= :cutoff',
        ExpressionAttributeNames: { '#k': partitionKey, '#at': sortKey },
        ExpressionAttributeValues: { ':kind': ORDER_KINDS.open, ':cutoff': cutoff },
        Limit: args.limit - reminded.length,
        ExclusiveStartKey: start,
      }),
      { abortSignal: ctx.signal },
    );
    start = page.LastEvaluatedKey;
    const orders = (page.Items ?? []) as Order[];
    for (let i = 0; i < orders.length && !ctx.signal.aborted; i += EVENTS_PER_CALL) {
      const claimed = await claimAll(store, orders.slice(i, i + EVENTS_PER_CALL), run, now);
      const outcome = await publish(events, busName, claimed);
      await Promise.all(
        claimed.map((order, j) =>
          outcome[j] ? mark(store, order, run, now) : release(store, order, run),
        ),
      );
      refused += outcome.filter((ok) => !ok).length;
      reminded.push(...claimed.filter((_, j) => outcome[j]).map((o) => o.orderId));
    }
  } while (start && reminded.length < args.limit && !ctx.signal.aborted);
  if (refused > 0) {
    throw new Error(
      `EventBridge refused ${refused} reminder(s); they were released for the next run`,
    );
  }
  return { reminded };
}

/** The orders of `batch` this run now holds (open, not held by a live run). */
async function claimAll(
  store: OrderStore,
  batch: readonly Order[],
  run: string,
  now: Date,
): Promise<Order[]> {
  const held = await Promise.all(
    batch.map(async (order) => {
      try {
        await store.db.send(
          new UpdateCommand({
            TableName: store.tableName,
            Key: orderKey(order.orderId),
            UpdateExpression: 'SET reminderClaim = :run, reminderClaimUntil = :until',
            ConditionExpression:
              'kind = :open AND (attribute_not_exists(reminderClaimUntil) OR reminderClaimUntil < :now)',
            ExpressionAttributeValues: {
              ':run': run,
              ':until': now.getTime() + REMINDER_CLAIM_MS,
              ':now': now.getTime(),
              ':open': ORDER_KINDS.open,
            },
          }),
        );
        return order;
      } catch (error) {
        if ((error as Error).name === 'ConditionalCheckFailedException') return undefined;
        throw error;
      }
    }),
  );
  return held.filter((o): o is Order => o !== undefined);
}

/** One PutEvents call; per entry, whether EventBridge accepted it. */
async function publish(
  events: EventBridgeClient,
  busName: string,
  orders: readonly Order[],
): Promise<boolean[]> {
  if (orders.length === 0) return [];
  const out = await events.send(
    new PutEventsCommand({
      Entries: orders.map((order) => ({
        EventBusName: busName,
        Source: REMINDER_EVENT.source,
        DetailType: REMINDER_EVENT.detailType,
        Detail: JSON.stringify({
          reminderId: `reminder:${order.orderId}`,
          orderId: order.orderId,
          symbol: order.symbol,
          remaining: order.remaining,
          createdAt: order.createdAt,
        }),
      })),
    }),
  );
  return orders.map((_, i) => Boolean(out.Entries?.[i]?.EventId) && !out.Entries?.[i]?.ErrorCode);
}

/** Published: the order leaves the waiting kind, so no run reads it again. */
async function mark(store: OrderStore, order: Order, run: string, now: Date): Promise<void> {
  await store.db
    .send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: orderKey(order.orderId),
        UpdateExpression:
          'SET kind = :reminded, remindedAt = :at REMOVE reminderClaim, reminderClaimUntil',
        ConditionExpression: 'reminderClaim = :run AND kind = :open',
        ExpressionAttributeValues: {
          ':reminded': ORDER_KINDS.reminded,
          ':open': ORDER_KINDS.open,
          ':at': now.toISOString(),
          ':run': run,
        },
      }),
    )
    .catch((error: Error) => {
      // Filled meanwhile (kind is now closed): nothing left to mark.
      if (error.name !== 'ConditionalCheckFailedException') throw error;
    });
}

async function release(store: OrderStore, order: Order, run: string): Promise<void> {
  await store.db
    .send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: orderKey(order.orderId),
        UpdateExpression: 'REMOVE reminderClaim, reminderClaimUntil',
        ConditionExpression: 'reminderClaim = :run',
        ExpressionAttributeValues: { ':run': run },
      }),
    )
    .catch((error: Error) => {
      if (error.name !== 'ConditionalCheckFailedException') throw error;
    });
}
