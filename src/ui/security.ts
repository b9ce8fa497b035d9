import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/**
 * What keeps the UI to the person who started it. The UI acts with that person's AWS
 * credentials, so nothing else may drive it: not another local user, not a web page open in
 * the same browser (cross-site requests, DNS rebinding).
 *
 * - An access token, printed in the address `lovage ui` shows (and opens), is exchanged once
 *   for an HttpOnly, SameSite=Strict cookie; every request needs that cookie.
 * - Every action (POST) also needs the action token the served page carries, in a header: a
 *   cross-site page can neither read the page nor set the header without a CORS preflight,
 *   which the server never grants. POSTs must say `Origin` = the UI's own origin and carry JSON.
 * - The Host header must name the address the UI listens on (loopback names for loopback),
 *   which defeats DNS rebinding.
 */
export interface UiSecrets {
  /** In the printed address; exchanged for the session cookie. */
  readonly accessToken: string;
  /** In the served page; required in {@link ACTION_HEADER} on every action. */
  readonly actionToken: string;
  /** Per port, so two UIs on one machine keep their own cookie. */
  readonly cookieName: string;
}

/** The header every action carries its token in. */
export const ACTION_HEADER = 'x-lovage-action-token';

export function createSecrets(port: number): UiSecrets {
  return {
    accessToken: randomBytes(24).toString('base64url'),
    actionToken: randomBytes(24).toString('base64url'),
    cookieName: `lovage_ui_${port}`,
  };
}

/** Constant-time comparison of a presented token with the real one. */
export function sameToken(presented: string | undefined, real: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(real);
  return a.length === b.length && timingSafeEqual(a, b);
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/** Whether `host` (an address or name to listen on) only reaches this machine. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1';
}

/**
 * The Host header values a request may carry: the loopback names and the listening address,
 * with the port. Undefined when the UI listens on every interface (`0.0.0.0`, `::`): any name
 * may reach it then, and the tokens are the only guard.
 */
export function allowedHosts(host: string, port: number): ReadonlySet<string> | undefined {
  if (host === '0.0.0.0' || host === '::' || host === '[::]') return undefined;
  const named = isIP(host) === 6 ? `[${host}]` : host;
  const names = isLoopback(host) ? [...LOOPBACK_NAMES, named] : [named];
  return new Set(names.map((name) => `${name}:${port}`.toLowerCase()));
}

/** The cookies of a request, by name. */
export function cookiesOf(request: IncomingMessage): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) cookies[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return cookies;
}

/** Why a request is refused, or undefined when it may go on. */
export type Refusal = { readonly status: 400 | 401 | 403 | 415; readonly message: string };

/**
 * Checks a request before anything is read or done: the Host header, then the session cookie
 * (unless `login` is true: the request that presents the access token), and for actions the
 * origin, the action token and a JSON body.
 */
export function checkRequest(
  request: IncomingMessage,
  secrets: UiSecrets,
  hosts: ReadonlySet<string> | undefined,
  options: { readonly login?: boolean } = {},
): Refusal | undefined {
  const host = (request.headers.host ?? '').toLowerCase();
  if (hosts && !hosts.has(host)) {
    return {
      status: 400,
      message: `Host '${host}' is not this UI's address; open ${[...hosts][0]}`,
    };
  }
  if (!options.login && !sameToken(cookiesOf(request)[secrets.cookieName], secrets.accessToken)) {
    return {
      status: 401,
      message: 'open the address lovage ui printed (it carries a token) to use this UI',
    };
  }
  if (request.method === 'GET' || request.method === 'HEAD') return undefined;
  if (request.method !== 'POST') return { status: 400, message: `${request.method} is not used` };
  // Browsers send Origin with every POST; a request without one is not from this UI's page.
  const origin = request.headers.origin;
  if (origin !== `http://${host}`) {
    return {
      status: 403,
      message: `actions are only taken from this UI's own page (origin ${origin ?? 'missing'})`,
    };
  }
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') {
    return { status: 403, message: `actions are only taken from this UI's own page (${site})` };
  }
  const token = request.headers[ACTION_HEADER];
  if (!sameToken(typeof token === 'string' ? token : undefined, secrets.actionToken)) {
    return { status: 403, message: 'the action token is missing or wrong: reload the page' };
  }
  if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
    return { status: 415, message: 'actions take a JSON body (Content-Type: application/json)' };
  }
  return undefined;
}

/** The cookie that the access token is exchanged for. */
export function sessionCookie(secrets: UiSecrets): string {
  return `${secrets.cookieName}=${secrets.accessToken}; HttpOnly; SameSite=Strict; Path=/`;
}

/**
 * Headers of every answer: no caching of data, no framing, no referrer (the printed address
 * carries the token), and a content security policy that runs only the UI's own bundle.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};
