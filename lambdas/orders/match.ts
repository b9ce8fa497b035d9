import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { MatchOrderArgs } from '../../src/catalog/index.js';
import type { TaskContext } from '../../src/runtime/index.js';
import {
  bookPk,
  bookSk,
  crosses,
  type Fill,
  ORDER_KINDS,
  type Order,
  type OrderStatus,
  type OrderStore,
  orderKey,
} from './book.js';

export interface MatchResult {
  readonly orderId: string;
  readonly status: OrderStatus;
  readonly filled: number;
  readonly remaining: number;
  readonly fills: readonly Fill[];
}

const statusOf = (quantity: number, remaining: number): OrderStatus =>
  remaining === 0 ? 'FILLED' : remaining < quantity ? 'PARTIAL' : 'OPEN';

/**
 * `orders.match` (triggered by `order.created`): stores the order, fills it
 * against the best-priced resting orders of the opposite side, and rests what
 * is left in its own book. Each fill changes both orders and the resting
 * book entry in one transaction, conditional on both remainders, so a re-run
 * or a concurrent match never fills the same quantity twice.
 *
 * An order matches as the incoming side only until it rests (until it has a
 * `kind`): a fill as incoming is conditional on that, and a re-run of an
 * order that already rests or closed changes nothing. Otherwise a duplicate
 * run could fill an order that sits in the book without touching its book
 * entry. Resting is conditional on the remainder too, so a fill that lands
 * meanwhile is never undone and a filled order never reappears as open.
 */
export async function matchOrder(
  store: OrderStore,
  args: MatchOrderArgs,
  ctx: Pick<TaskContext, 'signal'>,
  now = () => new Date(),
): Promise<MatchResult> {
  let order = await store.create(args, now());
  const incoming = (o: Order) => o.remaining > 0 && o.kind === undefined;
  for (let round = 0; incoming(order) && round < 20 && !ctx.signal.aborted; round++) {
    const candidates = (await store.opposite(order)).filter((r) => crosses(order, r.price));
    if (candidates.length === 0) break;
    for (const resting of candidates) {
      if (!incoming(order)) break;
      const filled = await fill(store, order, resting, now().toISOString());
      // Refused: the resting order or this one changed (a duplicate run filled or rested it).
      order = filled ?? (await store.get(order.orderId)) ?? order;
    }
  }
  if (incoming(order)) order = await rest(store, order, now().toISOString());
  return {
    orderId: order.orderId,
    status: order.status,
    filled: order.quantity - order.remaining,
    remaining: order.remaining,
    fills: order.fills,
  };
}

/** One fill; undefined when either order changed under us (the caller re-reads). */
async function fill(
  store: OrderStore,
  order: Order,
  entry: Order,
  at: string,
): Promise<Order | undefined> {
  const resting = await store.get(entry.orderId);
  if (!resting || resting.remaining === 0) return undefined;
  const quantity = Math.min(order.remaining, resting.remaining);
  const restingLeft = resting.remaining - quantity;
  const orderLeft = order.remaining - quantity;
  const toOrder: Fill = { against: resting.orderId, quantity, price: resting.price, at };
  const toResting: Fill = { against: order.orderId, quantity, price: resting.price, at };
  const update = (o: Order, left: number, f: Fill, isIncoming: boolean) => ({
    Update: {
      TableName: store.tableName,
      Key: orderKey(o.orderId),
      UpdateExpression: `SET remaining = :left, #status = :status, fills = list_append(fills, :fill), updatedAt = :at${left === 0 ? ', kind = :closed, kindAt = :at' : ''}`,
      // The incoming order must not rest yet: once in the book, only fills against its entry.
      ConditionExpression: isIncoming
        ? 'remaining = :before AND attribute_not_exists(kind)'
        : 'remaining = :before',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':left': left,
        ':status': statusOf(o.quantity, left),
        ':fill': [f],
        ':at': at,
        ':before': o.remaining,
        ...(left === 0 ? { ':closed': ORDER_KINDS.closed } : {}),
      },
    },
  });
  const bookKey = { pk: bookPk(resting.symbol, resting.side), sk: bookSk(resting) };
  try {
    await store.db.send(
      new TransactWriteCommand({
        TransactItems: [
          update(order, orderLeft, toOrder, true),
          update(resting, restingLeft, toResting, false),
          restingLeft === 0
            ? { Delete: { TableName: store.tableName, Key: bookKey } }
            : {
                Update: {
                  TableName: store.tableName,
                  Key: bookKey,
                  UpdateExpression: 'SET remaining = :left',
                  ExpressionAttributeValues: { ':left': restingLeft },
                },
              },
        ],
      }),
    );
  } catch (error) {
    if (error instanceof TransactionCanceledException) return undefined;
    throw error;
  }
  return {
    ...order,
    remaining: orderLeft,
    status: statusOf(order.quantity, orderLeft),
    fills: [...order.fills, toOrder],
  };
}

/**
 * Puts what is left of the order in its book and marks it open, in one
 * transaction conditional on the order still having that remainder. When a
 * fill landed meanwhile (a re-run of this task racing a match against the
 * order's earlier book entry), the transaction fails, the order is read
 * again and rested with what is left, or not at all once it is filled.
 * Resolves with the order as stored.
 */
async function rest(store: OrderStore, order: Order, at: string): Promise<Order> {
  let current = order;
  for (let round = 0; current.remaining > 0; round++) {
    try {
      await store.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: store.tableName,
                Item: bookEntry(current),
              },
            },
            {
              Update: {
                TableName: store.tableName,
                Key: orderKey(current.orderId),
                // A reminded order stays reminded: kind is set only the first time.
                UpdateExpression:
                  'SET kind = if_not_exists(kind, :open), kindAt = if_not_exists(kindAt, :created), updatedAt = :at',
                ConditionExpression: 'remaining = :remaining',
                ExpressionAttributeValues: {
                  ':open': ORDER_KINDS.open,
                  ':created': current.createdAt,
                  ':at': at,
                  ':remaining': current.remaining,
                },
              },
            },
          ],
        }),
      );
      return current;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException) || round >= 10) throw error;
      const stored = await store.get(current.orderId);
      if (!stored) throw new Error(`order ${current.orderId} disappeared while resting`);
      current = stored;
    }
  }
  return current;
}

/**
 * The book's copy of a resting order: the order without its index and
 * reminder attributes, so that it never shows up on the byKind index itself.
 */
function bookEntry(order: Order): Record<string, unknown> {
  const {
    kind: _kind,
    kindAt: _kindAt,
    remindedAt: _remindedAt,
    reminderClaim: _claim,
    reminderClaimUntil: _until,
    ...entry
  } = order;
  return { ...entry, pk: bookPk(order.symbol, order.side), sk: bookSk(order) };
}
