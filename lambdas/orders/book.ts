import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { MatchOrderArgs } from '../../src/catalog/index.js';
import { DATA_KINDS } from '../../src/protocol/workload.js';

export type Side = MatchOrderArgs['side'];
export type OrderStatus = 'OPEN' | 'PARTIAL' | 'FILLED';

export interface Fill {
  readonly against: string;
  readonly quantity: number;
  readonly price: number;
  readonly at: string;
}

/** An order as stored in the domain table. */
export interface Order extends MatchOrderArgs {
  readonly remaining: number;
  readonly status: OrderStatus;
  readonly fills: readonly Fill[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly lastNotified?: string;
  /** The order's kind on the byKind index (ORDER_KINDS) and since when (oldest first). */
  readonly kind?: string;
  readonly kindAt?: string;
  readonly remindedAt?: string;
  /** The reminders run holding the order while it publishes its reminder, and until when (epoch ms). */
  readonly reminderClaim?: string;
  readonly reminderClaimUntil?: number;
}

/**
 * Kinds on the byKind index: open orders waiting for a reminder, open orders
 * already reminded, and filled ones (archiving).
 */
export const ORDER_KINDS = {
  open: DATA_KINDS.openOrder,
  reminded: DATA_KINDS.remindedOrder,
  closed: DATA_KINDS.closedOrder,
} as const;

const PRICE_DIGITS = 10;
export const orderKey = (orderId: string) => ({ pk: `ORDER#${orderId}`, sk: 'ORDER' });
export const bookPk = (symbol: string, side: Side) => `BOOK#${symbol}#${side}`;

/**
 * Sort key of a resting order in its book, so that a plain ascending query
 * returns the best price first (lowest sell, highest buy), then the oldest.
 */
export function bookSk(order: Pick<Order, 'side' | 'price' | 'createdAt' | 'orderId'>): string {
  const key = order.side === 'sell' ? order.price : 10 ** PRICE_DIGITS - order.price;
  return `${String(key).padStart(PRICE_DIGITS, '0')}#${order.createdAt}#${order.orderId}`;
}

/** Whether a resting order at `restingPrice` can fill an incoming order (limit prices cross). */
export function crosses(incoming: Pick<Order, 'side' | 'price'>, restingPrice: number): boolean {
  return incoming.side === 'buy' ? restingPrice <= incoming.price : restingPrice >= incoming.price;
}

/** Reads and writes orders and their books in the domain table. */
export class OrderStore {
  constructor(
    readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async get(orderId: string): Promise<Order | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: orderKey(orderId), ConsistentRead: true }),
    );
    return out.Item as Order | undefined;
  }

  /** Creates the order once; returns the stored order (the existing one on a re-run). */
  async create(args: MatchOrderArgs, now: Date): Promise<Order> {
    const at = now.toISOString();
    const order: Order = {
      ...args,
      remaining: args.quantity,
      status: 'OPEN',
      fills: [],
      createdAt: at,
      updatedAt: at,
    };
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...orderKey(args.orderId), ...order },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return order;
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      const existing = await this.get(args.orderId);
      if (!existing) throw error;
      return existing;
    }
  }

  /** Up to `limit` resting orders on the opposite side, best price first. */
  async opposite(order: Pick<Order, 'symbol' | 'side'>, limit = 25): Promise<Order[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: {
          ':pk': bookPk(order.symbol, order.side === 'buy' ? 'sell' : 'buy'),
        },
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return (out.Items ?? []) as Order[];
  }
}
