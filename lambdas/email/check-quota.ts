import { GetAccountCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { CheckQuotaArgs } from '../../src/catalog/index.js';
import type { TaskContext } from '../../src/runtime/index.js';

export interface QuotaReport {
  readonly max24HourSend: number;
  readonly sentLast24Hours: number;
  readonly maxSendRate: number;
  readonly percentUsed: number;
  readonly sendingEnabled: boolean;
  readonly productionAccess: boolean;
}

/** `email.check_quota`: reads the account's SES sending quota and warns when usage nears the limit. */
export async function checkQuota(
  ses: SESv2Client,
  args: CheckQuotaArgs,
  ctx: Pick<TaskContext, 'signal' | 'logger'>,
): Promise<QuotaReport> {
  const account = await ses.send(new GetAccountCommand({}), { abortSignal: ctx.signal });
  const quota = account.SendQuota ?? {};
  const max24HourSend = quota.Max24HourSend ?? 0;
  const sentLast24Hours = quota.SentLast24Hours ?? 0;
  const report: QuotaReport = {
    max24HourSend,
    sentLast24Hours,
    maxSendRate: quota.MaxSendRate ?? 0,
    percentUsed: percentUsed(sentLast24Hours, max24HourSend),
    sendingEnabled: account.SendingEnabled ?? false,
    productionAccess: account.ProductionAccessEnabled ?? false,
  };
  if (report.percentUsed >= args.warnAtPercent || !report.sendingEnabled) {
    ctx.logger.warn('SES sending quota needs attention', { ...report });
  }
  return report;
}

/** Share of the 24-hour quota used, in percent with one decimal; an unlimited (-1) or zero quota reads 0. */
export function percentUsed(sent: number, max: number): number {
  if (max <= 0) return 0;
  return Math.round((sent / max) * 1000) / 10;
}
