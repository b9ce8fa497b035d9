import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppRegistry } from '../../../lambdas/monitoring/apps.js';
import {
  guardedGet,
  policyFromEnv,
  type Resolve,
  resolveFetchable,
} from '../../../lambdas/monitoring/guarded-get.js';
import { STRICT_POLICY } from '../../../src/protocol/addresses.js';
import { UnrecoverableError } from '../../../src/runtime/index.js';

const signal = new AbortController().signal;
/** A resolver that answers `answers[i]` on its i-th call (the last one after that), counting calls. */
function scripted(...answers: string[][]): Resolve & { calls: number } {
  const resolve = Object.assign(
    async () => {
      const i = Math.min(resolve.calls++, answers.length - 1);
      return (answers[i] ?? []).map((address) => ({
        address,
        family: address.includes(':') ? 6 : 4,
      }));
    },
    { calls: 0 },
  );
  return resolve;
}

describe('resolving a health URL', () => {
  it('refuses a name that resolves to a private address, naming both', async () => {
    await expect(
      resolveFetchable('billing.internal.example', STRICT_POLICY, scripted(['10.0.0.1'])),
    ).rejects.toThrow('billing.internal.example resolves to 10.0.0.1, a private address');
  });

  it('refuses literal loopback addresses without asking DNS', async () => {
    const resolve = scripted(['93.184.216.34']);
    await expect(resolveFetchable('127.0.0.1', STRICT_POLICY, resolve)).rejects.toThrow(
      '127.0.0.1 is a loopback address',
    );
    await expect(resolveFetchable('[::1]', STRICT_POLICY, resolve)).rejects.toThrow(
      '::1 is a loopback address',
    );
    expect(resolve.calls).toBe(0);
  });

  it('reads its allow-list from the environment, and refuses a malformed one', () => {
    expect(policyFromEnv(undefined).allow).toEqual([]);
    expect(policyFromEnv(' 127.0.0.2/32, 10.1.0.0/16 ').allow.map((n) => n.text)).toEqual([
      '127.0.0.2/32',
      '10.1.0.0/16',
    ]);
    expect(() => policyFromEnv('169.254.0.0/16')).toThrow('cannot be allow-listed');
  });
});

describe('monitoring.register_app', () => {
  const registry = () => {
    const db = mockClient(DynamoDBDocumentClient);
    db.on(PutCommand).resolves({});
    const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
    return { db, registry: new AppRegistry(client, 'data') };
  };

  it('fails for good, storing nothing, when the URL resolves to a refused address', async () => {
    const { db, registry: apps } = registry();
    const attempt = apps.register(
      { name: 'shop', url: 'http://shop.example/health', expectStatus: 200, timeoutMs: 1000 },
      STRICT_POLICY,
      scripted(['10.0.0.1']),
    );
    await expect(attempt).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(attempt).rejects.toThrow(
      'cannot register http://shop.example/health: shop.example resolves to 10.0.0.1, a private address',
    );
    expect(db.commandCalls(PutCommand)).toHaveLength(0);
    db.restore();
  });

  it('stores an application whose URL resolves to public addresses only', async () => {
    const { db, registry: apps } = registry();
    await apps.register(
      { name: 'shop', url: 'https://shop.example/health', expectStatus: 200, timeoutMs: 1000 },
      STRICT_POLICY,
      scripted(['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946']),
    );
    expect(db.commandCalls(PutCommand)[0]?.args[0].input.Item).toMatchObject({
      pk: 'APP#shop',
      kind: 'APP#REGISTERED',
    });
    db.restore();
  });
});

describe('guarded GET (a local server on 127.0.0.2)', () => {
  let server: Server;
  let port: number;
  const seen: string[] = [];
  const policy = policyFromEnv('127.0.0.2/32');

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(String(req.headers.host));
      res.writeHead(req.url === '/health' ? 200 : 503).end('body not read');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('connects to the address it checked, even when DNS answers differently afterwards', async () => {
    // First answer (the check) is allowed; any later lookup would say 10.0.0.1.
    const resolve = scripted(['127.0.0.2'], ['10.0.0.1']);
    const out = await guardedGet(new URL(`http://app.test:${port}/health`), {
      policy,
      timeoutMs: 2000,
      signal,
      resolve,
    });
    expect(out).toEqual({ status: 200, address: '127.0.0.2' });
    expect(resolve.calls).toBe(1);
    expect(seen.at(-1)).toBe(`app.test:${port}`);
  });

  it('never connects when the check refuses, and refuses what the allow-list leaves out', async () => {
    const before = seen.length;
    await expect(
      guardedGet(new URL(`http://127.0.0.1:${port}/health`), { policy, timeoutMs: 2000, signal }),
    ).rejects.toThrow('127.0.0.1 is a loopback address');
    await expect(
      guardedGet(new URL(`http://app.test:${port}/health`), {
        policy,
        timeoutMs: 2000,
        signal,
        resolve: scripted(['127.0.0.2', '10.0.0.1']),
      }),
    ).rejects.toThrow('app.test resolves to 10.0.0.1, a private address');
    expect(seen.length).toBe(before);
  });

  it('reports the status of an allow-listed address without following redirects or reading the body', async () => {
    const out = await guardedGet(new URL(`http://127.0.0.2:${port}/missing`), {
      policy,
      timeoutMs: 2000,
      signal,
    });
    expect(out.status).toBe(503);
  });
});
