import { describe, expect, it } from 'vitest';
import { RegisterAppArgs } from '../../../src/catalog/index.js';
import {
  allowableClassOf,
  assertFetchable,
  classify,
  formatIp,
  literalHostRefusal,
  parseCidr,
  parseIp,
  refusalOf,
  STRICT_POLICY,
} from '../../../src/protocol/addresses.js';

const classOf = (text: string) => {
  const ip = parseIp(text);
  if (!ip) throw new Error(`not an address: ${text}`);
  return classify(ip)?.class;
};

describe('address classes', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['10.0.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared (carrier-grade NAT)'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fd00:ec2::254', 'unique-local'],
    ['fc00::1', 'unique-local'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'documentation'],
    ['2001:db8::1', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
  ])('%s is %s', (address, expected) => {
    expect(classOf(address)).toBe(expected);
  });

  it.each(['8.8.8.8', '172.32.0.1', '2606:4700::1111', '64:ff9b::808:808'])(
    '%s is public',
    (address) => {
      expect(classOf(address)).toBeUndefined();
    },
  );

  it('classifies IPv6 forms that carry an IPv4 address by that address', () => {
    for (const mapped of ['::ffff:127.0.0.1', '::ffff:7f00:1', '[::ffff:127.0.0.1]']) {
      const ip = parseIp(mapped);
      expect(ip && classify(ip)).toMatchObject({ class: 'loopback', via: 'IPv4-mapped' });
    }
    const nat64 = parseIp('64:ff9b::a9fe:a9fe');
    expect(nat64 && classify(nat64)).toMatchObject({ class: 'link-local', via: 'NAT64' });
    const sixToFour = parseIp('2002:a00:1::1');
    expect(sixToFour && classify(sixToFour)).toMatchObject({ class: 'private', via: '6to4' });
  });

  it('parses only well-formed literals and prints IPv6 compressed', () => {
    for (const bad of ['1.2.3', '01.2.3.4', '256.1.1.1', '1:2:3', '::1::', 'fe80::1%eth0', 'x']) {
      expect(parseIp(bad)).toBeUndefined();
    }
    const ip = parseIp('2001:0db8:0000:0000:0000:ff00:0042:8329');
    expect(ip && formatIp(ip)).toBe('2001:db8::ff00:42:8329');
  });
});

describe('what a task may fetch', () => {
  it('refuses every non-public address by default, naming the address and its class', () => {
    expect(() => assertFetchable('127.0.0.1', ['127.0.0.1'], STRICT_POLICY)).toThrow(
      '127.0.0.1 is a loopback address: tasks do not fetch it unless the deployment allow-lists its network',
    );
    expect(() => assertFetchable('[::1]', ['::1'], STRICT_POLICY)).toThrow(
      '::1 is a loopback address',
    );
    expect(() => assertFetchable('internal.example', ['10.0.0.1'], STRICT_POLICY)).toThrow(
      'internal.example resolves to 10.0.0.1, a private address',
    );
    expect(() =>
      assertFetchable('meta.example', ['::ffff:169.254.169.254'], STRICT_POLICY),
    ).toThrow(
      'meta.example resolves to ::ffff:169.254.169.254, an IPv4-mapped link-local address (169.254.169.254)',
    );
    expect(() => assertFetchable('any.example', ['0.0.0.0'], STRICT_POLICY)).toThrow(
      'an unspecified address',
    );
  });

  it('refuses a name when any one of its addresses is refused', () => {
    expect(() =>
      assertFetchable('split.example', ['93.184.216.34', '10.1.2.3'], STRICT_POLICY),
    ).toThrow('split.example resolves to 10.1.2.3, a private address');
    expect(() => assertFetchable('ok.example', ['93.184.216.34'], STRICT_POLICY)).not.toThrow();
  });

  it('lets an allow-list open loopback, private or unique-local networks, and never link-local', () => {
    const policy = { allow: [parseCidr('127.0.0.2/32'), parseCidr('10.1.0.0/16')] };
    const refused = (text: string) => {
      const ip = parseIp(text);
      return ip && refusalOf(ip, policy)?.class;
    };
    expect(refused('127.0.0.2')).toBeUndefined();
    expect(refused('::ffff:127.0.0.2')).toBeUndefined();
    expect(refused('10.1.200.3')).toBeUndefined();
    expect(refused('127.0.0.1')).toBe('loopback');
    expect(refused('10.2.0.1')).toBe('private');
    expect(refused('169.254.169.254')).toBe('link-local');
  });

  it('accepts allow-list entries inside one allowable range only', () => {
    expect(allowableClassOf(parseCidr('127.0.0.2/32'))).toBe('loopback');
    expect(allowableClassOf(parseCidr('fd00::/8'))).toBe('unique-local');
    expect(allowableClassOf(parseCidr('10.9.9.9/8'))).toBe('private');
    for (const wide of [
      '10.0.0.0/7',
      '172.16.0.0/11',
      '169.254.0.0/16',
      '0.0.0.0/0',
      '8.8.8.0/24',
    ]) {
      expect(() => allowableClassOf(parseCidr(wide))).toThrow('cannot be allow-listed');
    }
    expect(() => parseCidr('10.0.0.0/33')).toThrow('prefix length must be a whole number 0-32');
    expect(() => parseCidr('example.com/8')).toThrow('is not an IP network');
  });
});

describe('monitoring.register_app payload', () => {
  const payload = (url: string) => RegisterAppArgs.safeParse({ name: 'shop', url });

  it('refuses literal addresses no deployment may open, before anything is sent', () => {
    for (const [url, message] of [
      ['http://169.254.169.254/latest/meta-data', '169.254.169.254 is a link-local address'],
      ['http://[::ffff:169.254.169.254]/', 'an IPv4-mapped link-local address (169.254.169.254)'],
      ['http://0.0.0.0:8080/', '0.0.0.0 is an unspecified address'],
      ['http://[fe80::1]/', 'fe80::1 is a link-local address'],
    ] as const) {
      const parsed = payload(url);
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.message).toContain(message);
    }
    expect(literalHostRefusal('http://0xa9.0xfe.0xa9.0xfe/')).toContain('link-local');
  });

  it('leaves names and allowable classes to the task, which knows the allow-list', () => {
    for (const url of [
      'http://127.0.0.1/',
      'http://[::1]/',
      'http://10.0.0.1/',
      'https://a.example/',
    ]) {
      expect(payload(url).success).toBe(true);
    }
  });
});
