import * as z from 'zod';
import { literalHostRefusal } from '../../protocol/addresses.js';

const appName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and -');

/**
 * Payload of `monitoring.register_app`: an application whose health URL is
 * checked. A literal address that no deployment may fetch (link-local such
 * as 169.254.169.254, 0.0.0.0, multicast, ...) is refused here, before
 * anything is sent; names, loopback and private addresses are resolved and
 * refused by the task itself, which knows the deployment's allow-list.
 */
export const RegisterAppArgs = z.object({
  name: appName,
  url: z.url({ protocol: /^https?$/ }).superRefine((url, ctx) => {
    const refusal = literalHostRefusal(url);
    if (refusal) ctx.addIssue({ code: 'custom', message: refusal });
  }),
  /** Status code that counts as healthy. */
  expectStatus: z.number().int().min(100).max(599).default(200),
  /** A check slower than this counts as down. */
  timeoutMs: z.number().int().min(100).max(30_000).default(5000),
});
export type RegisterAppArgs = z.infer<typeof RegisterAppArgs>;

/** Payload of `monitoring.check_apps`: checks every registered application (or the named ones). */
export const CheckAppsArgs = z.object({
  apps: z.array(appName).max(100).optional(),
  /** How long each check's history entry is kept. */
  historyDays: z.number().int().min(1).max(90).default(7),
});
export type CheckAppsArgs = z.infer<typeof CheckAppsArgs>;

/** Payload of `monitoring.system_health`: failures in the task table and applications that are down. */
export const SystemHealthArgs = z.object({
  windowMinutes: z.number().int().min(1).max(1440).default(15),
  /** More FAILURE records than this in the window makes the system `degraded`. */
  maxFailures: z.number().int().min(0).default(10),
});
export type SystemHealthArgs = z.infer<typeof SystemHealthArgs>;
