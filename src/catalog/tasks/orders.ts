import * as z from 'zod';

const orderId = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be 1-100 letters, digits, _ or -');

/** Payload of `orders.match`: the `detail` of an `order.created` event. */
export const MatchOrderArgs = z.object({
  orderId,
  symbol: z.string().regex(/^[A-Z0-9]{1,12}$/, 'must be 1-12 upper-case letters or digits'),
  side: z.enum(['buy', 'sell']),
  /** Limit price in minor units. */
  price: z.number().int().positive().max(1_000_000_000),
  quantity: z.number().int().positive().max(1_000_000),
  /** Where status notifications go. */
  customerEmail: z.email().optional(),
});
export type MatchOrderArgs = z.infer<typeof MatchOrderArgs>;

/** Payload of `orders.notify_status`: tell the customer where their order stands. */
export const NotifyStatusArgs = z.object({
  orderId,
  /** Verified SES sender. */
  from: z.email(),
});
export type NotifyStatusArgs = z.infer<typeof NotifyStatusArgs>;

/** Payload of `orders.send_reminders`. */
export const SendRemindersArgs = z.object({
  /** Open orders older than this get one reminder event. */
  olderThanMinutes: z.number().int().min(0).max(43_200).default(60),
  limit: z.number().int().min(1).max(500).default(100),
});
export type SendRemindersArgs = z.infer<typeof SendRemindersArgs>;
