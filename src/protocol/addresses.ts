/**
 * Which IP addresses a task may fetch. Tasks that fetch URLs someone else
 * registered (`monitoring.check_apps`) must never reach the function's own
 * machine (the Lambda runtime API on loopback), the metadata services on
 * link-local addresses, or private networks: that is server-side request
 * forgery. Shared by the catalog (literal addresses in a payload), the
 * monitoring task code (every address a name resolves to, at registration
 * and again at fetch time) and the stack (the allow-list setting, at synth).
 * Pure: no DNS, no sockets.
 */
import { LovageError } from '../errors.js';

/** Address ranges that are not the public internet, by what they are. */
export type AddressClass =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'shared (carrier-grade NAT)'
  | 'link-local'
  | 'unique-local'
  | 'site-local'
  | 'multicast'
  | 'broadcast'
  | 'documentation'
  | 'benchmarking'
  | 'reserved';

/**
 * Classes a deployment may open with an explicit allow-list (internal
 * services, a test server). Everything else is refused whatever the setting:
 * link-local is where instance and task metadata live.
 */
export const ALLOWABLE_CLASSES: readonly AddressClass[] = [
  'loopback',
  'private',
  'shared (carrier-grade NAT)',
  'unique-local',
];

export interface IpAddress {
  readonly version: 4 | 6;
  /** 4 or 16 bytes, network order. */
  readonly bytes: Uint8Array;
}

export interface Cidr {
  readonly address: IpAddress;
  readonly prefix: number;
  /** As written, e.g. `127.0.0.2/32`. */
  readonly text: string;
}

/** What an address is, when it is not a public unicast address. */
export interface Classification {
  readonly class: AddressClass;
  /** Set when the class comes from an IPv4 address embedded in an IPv6 one. */
  readonly via?: 'IPv4-mapped' | 'NAT64' | '6to4';
  /** The IPv4 address the class was taken from (for `via`). */
  readonly embedded?: IpAddress;
}

/** A deployment's exceptions: networks it explicitly lets tasks fetch. */
export interface AddressPolicy {
  readonly allow: readonly Cidr[];
}

/** Refuses every non-public address: the default. */
export const STRICT_POLICY: AddressPolicy = { allow: [] };

/** An address a task must not fetch; the message names the address and its class. */
export class ForbiddenAddressError extends LovageError {
  readonly address: string;
  readonly addressClass: AddressClass;

  constructor(host: string, address: string, classification: Classification) {
    const bare = host.startsWith('[') ? host.slice(1, -1) : host;
    const what = describeClass(classification);
    const allowable = ALLOWABLE_CLASSES.includes(classification.class)
      ? ' unless the deployment allow-lists its network'
      : '';
    super(
      parseIp(bare)
        ? `${address} is ${what}: tasks do not fetch it${allowable}`
        : `${host} resolves to ${address}, ${what}: tasks do not fetch it${allowable}`,
    );
    this.name = 'ForbiddenAddressError';
    this.address = address;
    this.addressClass = classification.class;
  }
}

/** A malformed address or network in a setting. */
export class AddressSyntaxError extends LovageError {
  constructor(message: string) {
    super(message);
    this.name = 'AddressSyntaxError';
  }
}

const v4 = (text: string, prefix: number) => ({ address: mustParse(text), prefix });
const v6 = v4;

/** Checked in order; the first match names the class. */
const IPV4_RANGES: readonly (readonly [ReturnType<typeof v4>, AddressClass])[] = [
  [v4('0.0.0.0', 8), 'unspecified'],
  [v4('10.0.0.0', 8), 'private'],
  [v4('100.64.0.0', 10), 'shared (carrier-grade NAT)'],
  [v4('127.0.0.0', 8), 'loopback'],
  [v4('169.254.0.0', 16), 'link-local'],
  [v4('172.16.0.0', 12), 'private'],
  [v4('192.0.0.0', 24), 'reserved'],
  [v4('192.0.2.0', 24), 'documentation'],
  [v4('192.88.99.0', 24), 'reserved'],
  [v4('192.168.0.0', 16), 'private'],
  [v4('198.18.0.0', 15), 'benchmarking'],
  [v4('198.51.100.0', 24), 'documentation'],
  [v4('203.0.113.0', 24), 'documentation'],
  [v4('224.0.0.0', 4), 'multicast'],
  [v4('255.255.255.255', 32), 'broadcast'],
  [v4('240.0.0.0', 4), 'reserved'],
];

const IPV6_RANGES: readonly (readonly [ReturnType<typeof v6>, AddressClass])[] = [
  [v6('::', 128), 'unspecified'],
  [v6('::1', 128), 'loopback'],
  // IPv4-compatible (deprecated) and the rest of ::/8 not matched above.
  [v6('::', 8), 'reserved'],
  [v6('64:ff9b:1::', 48), 'reserved'],
  [v6('100::', 64), 'reserved'],
  [v6('2001:db8::', 32), 'documentation'],
  [v6('2001::', 23), 'reserved'],
  [v6('3fff::', 20), 'documentation'],
  [v6('fc00::', 7), 'unique-local'],
  [v6('fe80::', 10), 'link-local'],
  [v6('fec0::', 10), 'site-local'],
  [v6('ff00::', 8), 'multicast'],
];

const MAPPED = mustParse('::ffff:0:0');
const NAT64 = mustParse('64:ff9b::');
const SIX_TO_FOUR = mustParse('2002::');

/**
 * Parses a literal IPv4 (dotted quad) or IPv6 address; brackets around an
 * IPv6 address are accepted, zone ids are not.
 *
 * @example parseIp('::ffff:127.0.0.1') // { version: 6, bytes: [0, ..., 0xff, 0xff, 127, 0, 0, 1] }
 */
export function parseIp(text: string): IpAddress | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const four = parseIpv4(bare);
  if (four) return { version: 4, bytes: four };
  const six = parseIpv6(bare);
  return six ? { version: 6, bytes: six } : undefined;
}

/**
 * The class of a non-public address, or undefined for a public unicast one.
 * IPv6 forms that carry an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`, NAT64
 * `64:ff9b::/96`, 6to4 `2002::/16`) are classified by that IPv4 address, so
 * `::ffff:169.254.169.254` is link-local like the address it maps.
 */
export function classify(ip: IpAddress): Classification | undefined {
  if (ip.version === 4) {
    const hit = IPV4_RANGES.find(([range]) => inRange(ip, range.address, range.prefix));
    return hit ? { class: hit[1] } : undefined;
  }
  const embedded = embeddedIpv4(ip);
  if (embedded) {
    const inner = classify(embedded.address);
    return inner
      ? { class: inner.class, via: embedded.via, embedded: embedded.address }
      : undefined;
  }
  const hit = IPV6_RANGES.find(([range]) => inRange(ip, range.address, range.prefix));
  return hit ? { class: hit[1] } : undefined;
}

/**
 * Why `ip` may not be fetched under `policy`, or undefined when it may:
 * public addresses always may, allowable classes only inside an allow-listed
 * network, everything else never.
 */
export function refusalOf(ip: IpAddress, policy: AddressPolicy): Classification | undefined {
  const found = classify(ip);
  if (!found) return undefined;
  if (!ALLOWABLE_CLASSES.includes(found.class)) return found;
  const target = found.embedded ?? ip;
  return policy.allow.some((net) => inRange(target, net.address.bytes, net.prefix))
    ? undefined
    : found;
}

/**
 * Throws {@link ForbiddenAddressError} unless every one of `addresses` (what
 * `host` resolved to) may be fetched. All must pass: a name that resolves to
 * one public and one private address is refused.
 */
export function assertFetchable(
  host: string,
  addresses: readonly string[],
  policy: AddressPolicy,
): void {
  for (const address of addresses) {
    const ip = parseIp(address);
    if (!ip) throw new AddressSyntaxError(`${host} resolved to '${address}', not an IP address`);
    const refused = refusalOf(ip, policy);
    if (refused) throw new ForbiddenAddressError(host, address, refused);
  }
}

/**
 * For a URL whose host is a literal IP address in a class that no deployment
 * may open (link-local, unspecified, multicast, ...): the reason, else
 * undefined. Names and allowable classes are left to the task, which knows
 * the deployment's allow-list and resolves names.
 */
export function literalHostRefusal(url: string): string | undefined {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return undefined;
  }
  const ip = parseIp(host);
  const found = ip && classify(ip);
  if (!ip || !found || ALLOWABLE_CLASSES.includes(found.class)) return undefined;
  return `${formatIp(ip)} is ${describeClass(found)}: tasks never fetch it`;
}

/**
 * Parses `a.b.c.d/n` or `x::y/n` (a bare address is a single host).
 *
 * @example parseCidr('127.0.0.2/32')
 */
export function parseCidr(text: string): Cidr {
  const [addressText = '', prefixText, extra] = text.trim().split('/');
  const address = parseIp(addressText);
  if (!address || extra !== undefined) {
    throw new AddressSyntaxError(`'${text}' is not an IP network (e.g. 10.1.0.0/16 or fd00::/8)`);
  }
  const max = address.version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || prefixText === '') {
    throw new AddressSyntaxError(`'${text}': the prefix length must be a whole number 0-${max}`);
  }
  return { address: networkBase(address, prefix), prefix, text: text.trim() };
}

/**
 * The class of every address in `net` when they all share one allowable
 * class (its first and last address do: the ranges are aligned blocks);
 * otherwise an error saying why the network cannot be allow-listed.
 */
export function allowableClassOf(net: Cidr): AddressClass {
  const first = classify(net.address);
  const last = classify(lastAddress(net));
  if (!first || !last || first.class !== last.class || !ALLOWABLE_CLASSES.includes(first.class)) {
    throw new AddressSyntaxError(
      `'${net.text}' cannot be allow-listed: only networks inside one ${ALLOWABLE_CLASSES.join(', ')} range can (link-local, multicast and public ranges never)`,
    );
  }
  return first.class;
}

/** Canonical text of an address (IPv6 compressed, without brackets). */
export function formatIp(ip: IpAddress): string {
  if (ip.version === 4) return [...ip.bytes].join('.');
  const groups = Array.from({ length: 8 }, (_, i) =>
    (((ip.bytes[i * 2] ?? 0) << 8) | (ip.bytes[i * 2 + 1] ?? 0)).toString(16),
  );
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.length && j - i > 1) best = { start: i, length: j - i };
    i = j;
  }
  if (best.start < 0) return groups.join(':');
  const head = groups.slice(0, best.start).join(':');
  const tail = groups.slice(best.start + best.length).join(':');
  return `${head}::${tail}`;
}

/** `a loopback address`, `an IPv4-mapped link-local address (169.254.169.254)`. */
function describeClass(found: Classification): string {
  if (found.via && found.embedded) {
    const article = found.via === 'IPv4-mapped' ? 'an' : 'a';
    return `${article} ${found.via} ${found.class} address (${formatIp(found.embedded)})`;
  }
  return `${/^[aeiou]/.test(found.class) ? 'an' : 'a'} ${found.class} address`;
}

function embeddedIpv4(
  ip: IpAddress,
): { address: IpAddress; via: Classification['via'] } | undefined {
  const tail = (from: number) => ({ version: 4 as const, bytes: ip.bytes.slice(from, from + 4) });
  if (inRange(ip, MAPPED, 96)) return { address: tail(12), via: 'IPv4-mapped' };
  if (inRange(ip, NAT64, 96)) return { address: tail(12), via: 'NAT64' };
  if (inRange(ip, SIX_TO_FOUR, 16)) return { address: tail(2), via: '6to4' };
  return undefined;
}

function inRange(ip: IpAddress, base: Uint8Array | IpAddress, prefix: number): boolean {
  const bytes = base instanceof Uint8Array ? base : base.bytes;
  if (ip.bytes.length !== bytes.length) return false;
  for (let bit = 0; bit < prefix; bit += 8) {
    const mask = prefix - bit >= 8 ? 0xff : (0xff << (8 - (prefix - bit))) & 0xff;
    const i = bit / 8;
    if (((ip.bytes[i] ?? 0) & mask) !== ((bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** `ip` with its host bits cleared: the first address of its network. */
function networkBase(ip: IpAddress, prefix: number): IpAddress {
  const bytes = Uint8Array.from(ip.bytes);
  for (let bit = prefix; bit < bytes.length * 8; bit++) {
    const i = Math.floor(bit / 8);
    bytes[i] = (bytes[i] ?? 0) & ~(0x80 >> (bit % 8));
  }
  return { version: ip.version, bytes };
}

function lastAddress(net: Cidr): IpAddress {
  const bytes = Uint8Array.from(net.address.bytes);
  for (let bit = net.prefix; bit < bytes.length * 8; bit++) {
    const i = Math.floor(bit / 8);
    bytes[i] = (bytes[i] ?? 0) | (0x80 >> (bit % 8));
  }
  return { version: net.address.version, bytes };
}

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) {
    return undefined;
  }
  return Uint8Array.from(parts.map(Number));
}

function parseIpv6(text: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || text.split('::').length > 2) return undefined;
  const [left = '', right] = text.split('::');
  const groups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (const [i, piece] of pieces.entries()) {
      if (i === pieces.length - 1 && piece.includes('.')) {
        const four = parseIpv4(piece);
        if (!four) return undefined;
        out.push(((four[0] ?? 0) << 8) | (four[1] ?? 0), ((four[2] ?? 0) << 8) | (four[3] ?? 0));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) {
        out.push(Number.parseInt(piece, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = groups(left);
  const tail = right === undefined ? [] : groups(right);
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (right === undefined ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array<number>(right === undefined ? 0 : missing).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  });
  return bytes;
}

function mustParse(text: string): Uint8Array {
  const ip = parseIp(text);
  if (!ip) throw new Error(`bad built-in address ${text}`);
  return ip.bytes;
}
