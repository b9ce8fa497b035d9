import type { BounceEventArgs } from '../../src/catalog/index.js';
import type { TaskContext } from '../../src/runtime/index.js';
import type { Suppressions } from './suppressions.js';

export interface BounceResult {
  readonly bounceType: BounceEventArgs['bounce']['bounceType'];
  /** Addresses now on the suppression list. */
  readonly suppressed: readonly string[];
  /** Addresses that bounced softly: counted, still mailed. */
  readonly ignored: readonly string[];
}

/**
 * `email.process_bounce`: a permanent bounce puts every bounced address on
 * the suppression list that `email.send_bulk` consults; a transient or
 * undetermined bounce changes nothing.
 */
export async function processBounce(
  suppressions: Pick<Suppressions, 'suppress'>,
  args: BounceEventArgs,
  ctx: Pick<TaskContext, 'logger'>,
  now = new Date(),
): Promise<BounceResult> {
  const addresses = [
    ...new Set(args.bounce.bouncedRecipients.map((r) => r.emailAddress.toLowerCase())),
  ];
  if (args.bounce.bounceType !== 'Permanent') {
    return { bounceType: args.bounce.bounceType, suppressed: [], ignored: addresses };
  }
  const reason = `bounce:${args.bounce.bounceSubType ?? 'General'}`;
  const at = args.bounce.timestamp ?? now.toISOString();
  for (const address of addresses) await suppressions.suppress(address, reason, at);
  ctx.logger.info('suppressed permanently bounced addresses', { count: addresses.length });
  return { bounceType: 'Permanent', suppressed: addresses, ignored: [] };
}
