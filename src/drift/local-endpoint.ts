/**
 * Telling an emulator from an AWS account by its endpoint. Anything that patches resources
 * behind CloudFormation (reconcile, `lovage doctor --fix`) runs only where this says "local".
 */

/** Host names that only ever mean "an emulator on this machine or next to it". */
const LOCAL_HOST_NAMES = new Set(['localhost', 'localstack', 'ministack', 'host.docker.internal']);

/**
 * Whether `url` names an emulator rather than an AWS account: an http(s) URL whose host is a
 * loopback address, `localhost` (or a `*.localhost` name, which RFC 6761 reserves for loopback),
 * or one of the container names `localstack`, `ministack`, `host.docker.internal`.
 * Anything else, including every `*.amazonaws.com` host, is not local.
 *
 * @example isLocalEndpoint('http://127.0.0.1:4566') // true
 * @example isLocalEndpoint('https://sqs.us-east-1.amazonaws.com') // false
 */
export function isLocalEndpoint(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  if (parsed.username || parsed.password) return false;
  const host = parsed.hostname.toLowerCase().replace(/\.$/, '');
  return (
    LOCAL_HOST_NAMES.has(host) || host.endsWith('.localhost') || isLoopbackAddress(stripIpv6(host))
  );
}

/** Whether the endpoint's host is this machine, so that an emulator could be started for it. */
export function isThisMachine(url: string): boolean {
  const host = new URL(url).hostname.toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || isLoopbackAddress(stripIpv6(host));
}

function stripIpv6(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function isLoopbackAddress(host: string): boolean {
  if (/^127(\.\d{1,3}){3}$/.test(host)) return host.split('.').every((part) => Number(part) <= 255);
  if (host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
  const mapped = /^::ffff:(.+)$/.exec(host)?.[1];
  if (mapped === undefined) return false;
  if (/^127(\.\d{1,3}){3}$/.test(mapped)) return true;
  // URL normalises ::ffff:127.0.0.1 to ::ffff:7f00:1.
  return /^7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(mapped);
}
