import { lookup } from 'node:dns/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import {
  type AddressPolicy,
  AddressSyntaxError,
  allowableClassOf,
  assertFetchable,
  parseCidr,
  parseIp,
} from '../../src/protocol/addresses.js';

/** Resolves a host name to every address it has (the system resolver by default). */
export type Resolve = (host: string) => Promise<readonly { address: string; family: number }[]>;

export const systemResolve: Resolve = (host) => lookup(host, { all: true, verbatim: true });

/** One address `host` may be fetched at, after every address it resolves to passed the policy. */
export interface PinnedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** What a guarded GET needs besides the URL. */
export interface GuardedGetOptions {
  readonly policy: AddressPolicy;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  /** @default systemResolve */
  readonly resolve?: Resolve;
}

/** A GET that ran out of time; distinct so a check can say "no answer within ...". */
export class GetTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'GetTimeoutError';
  }
}

/**
 * The allow-list a deployment gave the monitoring function
 * (`LOVAGE_MONITORING_ALLOW_NETWORKS`, comma-separated CIDRs). A malformed or
 * non-allowable entry fails loudly: the stack checks the same rules at synth.
 */
export function policyFromEnv(value: string | undefined): AddressPolicy {
  const entries = (value ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  return {
    allow: entries.map((entry) => {
      const net = parseCidr(entry);
      allowableClassOf(net);
      return net;
    }),
  };
}

/**
 * Resolves `host` and checks every address it has against `policy`; returns
 * the one to connect to. A literal address is checked as it is.
 *
 * @throws ForbiddenAddressError naming the address and its class
 */
export async function resolveFetchable(
  host: string,
  policy: AddressPolicy,
  resolve: Resolve = systemResolve,
): Promise<PinnedAddress> {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const literal = parseIp(bare);
  const found = literal
    ? [{ address: bare, family: literal.version }]
    : (await resolve(bare)).map((a) => ({ address: a.address, family: a.family }));
  const first = found[0];
  if (!first) throw new AddressSyntaxError(`${host} resolves to no address`);
  assertFetchable(
    host,
    found.map((a) => a.address),
    policy,
  );
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

/**
 * GET `url` without following redirects, connecting only to an address that
 * passed {@link resolveFetchable}. The socket is handed that very address
 * (a `lookup` that answers with it), so a DNS answer that changes between
 * the check and the connection (DNS rebinding) cannot send the request
 * elsewhere; TLS still verifies the certificate against the host name.
 * Resolves with the status as soon as the headers arrive; the body is not read.
 */
export async function guardedGet(
  url: URL,
  options: GuardedGetOptions,
): Promise<{ status: number; address: string }> {
  const pinned = await resolveFetchable(url.hostname, options.policy, options.resolve);
  const pinnedLookup: LookupFunction = (_host, opts, callback) => {
    if (opts.all) callback(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = AbortSignal.any([options.signal, timeout]);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers: { 'user-agent': 'lovage-monitoring/1', host: url.host },
        lookup: pinnedLookup,
        // One connection per check: no pooled socket can outlive the check of its address.
        agent: false,
        signal,
        ...(url.protocol === 'https:' && !parseIp(host) ? { servername: host } : {}),
      },
      (res) => {
        resolve({ status: res.statusCode ?? 0, address: pinned.address });
        res.destroy();
      },
    );
    req.on('error', (error) =>
      reject(timeout.aborted ? new GetTimeoutError(options.timeoutMs) : error),
    );
    req.end();
  });
}
