/**
 * The seed handlers' effects, once per task id, on the emulator: real SES, DynamoDB, S3,
 * EventBridge and Lambda, deployed from the stack. Faults are injected by a proxy in front
 * of the emulator (test/helpers/fault-proxy.ts), never by code in the handlers.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bookPk, OrderStore, orderKey } from '../../lambdas/orders/book.js';
import { matchOrder } from '../../lambdas/orders/match.js';
import { PayloadValidationError } from '../../src/catalog/index.js';
import { loadStackConfig } from '../../src/client/stack-config.js';
import { DATA_KINDS } from '../../src/protocol/workload.js';
import { deployed, verifiedSender } from '../helpers/deployed.js';
import {
  type FaultProxy,
  failFirst,
  type ProxiedRequest,
  startFaultProxy,
  withFunctionEnvironment,
} from '../helpers/fault-proxy.js';

type Env = Awaited<ReturnType<typeof deployed>>;
let env: Env;
let dataTable: string;
let bucket: string;
const endpoint = (process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4566').replace(/\/$/, '');
const s3 = new S3Client({ forcePathStyle: true });
const token = () => randomUUID().slice(0, 8);
const OLD = '2001-01-01T00:00:00.000Z';

beforeAll(async () => {
  env = await deployed();
  const outputs = await loadStackOutputs();
  dataTable = outputs.DataTableName ?? '';
  bucket = outputs.DataBucketName ?? '';
});

async function loadStackOutputs(): Promise<Record<string, string>> {
  const { CloudFormationClient, DescribeStacksCommand } = await import(
    '@aws-sdk/client-cloudformation'
  );
  const config = await loadStackConfig();
  const out = await new CloudFormationClient({}).send(
    new DescribeStacksCommand({ StackName: config.stackName }),
  );
  return Object.fromEntries(
    (out.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']),
  );
}

/** Sends `task` with the client (`id` fixed when given) and waits for it to finish. */
async function run(task: string, args: unknown, id?: string) {
  const sent = await env.lovage.send(task as never, args as never, id ? { id } : {});
  return env.lovage.wait(sent.id, { timeoutMs: 150_000 });
}

async function withProxy<T>(
  fault: (request: ProxiedRequest) => ReturnType<Parameters<typeof startFaultProxy>[1]>,
  body: (proxy: FaultProxy) => Promise<T>,
): Promise<T> {
  const proxy = await startFaultProxy(endpoint, fault);
  try {
    return await body(proxy);
  } finally {
    await proxy.close();
  }
}

const putAll = async (db: DynamoDBDocumentClient, items: Record<string, unknown>[]) => {
  for (let i = 0; i < items.length; i += 25) {
    await db.send(
      new BatchWriteCommand({
        RequestItems: {
          [dataTable]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
        },
      }),
    );
  }
};

describe('email.send_bulk', () => {
  it('sends each recipient exactly once when SES throttles recipient k and the task is retried', async () => {
    const run_ = token();
    const subject = `bulk ${run_}`;
    const recipients = Array.from({ length: 12 }, (_, i) => ({ to: `r${i}-${run_}@example.com` }));
    const k = recipients[5]?.to ?? '';
    // SES's answer when the account's send rate is exceeded, for recipient k, once.
    const throttle = failFirst(
      1,
      (r) => r.path.endsWith('/v2/email/outbound-emails') && r.body.includes(k),
      {
        status: 429,
        headers: { 'x-amzn-errortype': 'TooManyRequestsException' },
        body: JSON.stringify({ message: 'Maximum sending rate exceeded.' }),
      },
    );
    const from = await verifiedSender();
    const { status, sends } = await withProxy(throttle, (proxy) =>
      withFunctionEnvironment('email', { AWS_ENDPOINT_URL_SESV2: proxy.url }, async () => {
        const done = await run('email.send_bulk', {
          from,
          subject,
          text: 'Hi {{name}}',
          recipients,
        });
        return {
          status: done,
          sends: proxy.requests.filter((r) => r.path.endsWith('/v2/email/outbound-emails')),
        };
      }),
    );

    expect(throttle.injected()).toBe(1);
    expect(status.state).toBe('SUCCESS');
    expect(status.attempt).toBe(2);
    expect(status.history?.map((h) => h.state)).toContain('RETRY');
    expect(status.result).toMatchObject({ sent: 12, unconfirmed: 0 });

    // What SES actually accepted, read from the emulator: one message per recipient.
    const inbox = (await (await fetch(`${endpoint}/_ministack/ses/messages`)).json()) as {
      messages: Record<string, { Subject: string; To: string[] }[]>;
    };
    const delivered = Object.values(inbox.messages)
      .flat()
      .filter((m) => m.Subject === subject)
      .flatMap((m) => m.To);
    expect(delivered.sort()).toEqual(recipients.map((r) => r.to).sort());
    // 13 requests in all: the 12 accepted and the one throttled; no recipient was re-sent.
    expect(sends).toHaveLength(13);
  });
});

describe('sync.archive', () => {
  const seedClosedOrders = async (prefix: string, count: number) => {
    const ids = Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(2, '0')}`);
    await putAll(
      env.db,
      ids.map((orderId, i) => ({
        ...orderKey(orderId),
        orderId,
        symbol: 'ARCH',
        side: 'buy',
        price: 100,
        quantity: 1,
        remaining: 0,
        status: 'FILLED',
        fills: [],
        createdAt: OLD,
        updatedAt: OLD,
        kind: DATA_KINDS.closedOrder,
        kindAt: new Date(Date.parse(OLD) + i).toISOString(),
      })),
    );
    return ids;
  };

  /** Where each order is now: the table, and every archive object that lists it. */
  async function placesOf(ids: readonly string[]) {
    const inTable = new Set<string>();
    for (const id of ids) {
      const out = await env.db.send(
        new GetCommand({ TableName: dataTable, Key: orderKey(id), ConsistentRead: true }),
      );
      if (out.Item) inTable.add(id);
    }
    const objects = new Map<string, string[]>();
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: 'sync/archive/orders/',
          ContinuationToken: token,
        }),
      );
      for (const { Key } of page.Contents ?? []) {
        if (!Key) continue;
        const text = await (
          await s3.send(new GetObjectCommand({ Bucket: bucket, Key }))
        ).Body?.transformToString();
        for (const line of (text ?? '').split('\n').filter(Boolean)) {
          const { orderId } = JSON.parse(line) as { orderId: string };
          if (ids.includes(orderId)) objects.set(orderId, [...(objects.get(orderId) ?? []), Key]);
        }
      }
      token = page.NextContinuationToken;
    } while (token);
    return { inTable, objects };
  }

  const serverError = {
    status: 500,
    headers: { 'x-amzn-errortype': 'InternalServerError' },
    body: JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError' }),
  };

  it('finishes a run interrupted half-way through its deletes: every order in exactly one place', async () => {
    const prefix = `arch-${token()}`;
    const ids = await seedClosedOrders(prefix, 14);
    const taskId = `archive-${prefix}`;
    // The delete of the 7th order fails through every attempt the SDK makes: the task's
    // attempt 1 dies with its object written and some orders deleted.
    const victim = `"ORDER#${ids[6]}"`;
    const sdkAttempts = await new DynamoDBClient({}).config.maxAttempts();
    const fault = failFirst(
      sdkAttempts,
      (r) => r.target === 'DynamoDB_20120810.DeleteItem' && r.body.includes(victim),
      serverError,
    );
    const status = await withProxy(fault, (proxy) =>
      withFunctionEnvironment('sync', { AWS_ENDPOINT_URL_DYNAMODB: proxy.url }, () =>
        run('sync.archive', { olderThanDays: 0, limit: 1000 }, taskId),
      ),
    );
    expect(fault.injected()).toBe(sdkAttempts);
    expect(status.state).toBe('SUCCESS');
    expect(status.attempt).toBe(2);
    const first = `sync/archive/orders/${new Date().toISOString().slice(0, 10)}/${taskId}-a1.jsonl`;
    expect((status.result as { recovered: string[] }).recovered).toContain(first);

    const { inTable, objects } = await placesOf(ids);
    expect([...inTable]).toEqual([]);
    for (const id of ids) expect(objects.get(id)).toEqual([first]);
  });

  it('re-archives the orders of a run that died before its object was stored, into a new object only', async () => {
    const prefix = `arch-${token()}`;
    const ids = await seedClosedOrders(prefix, 6);
    const taskId = `archive-${prefix}`;
    // Every attempt the SDK makes to store the object fails: attempt 1 dies holding claims.
    const sdkAttempts = await s3.config.maxAttempts();
    const fault = failFirst(
      sdkAttempts,
      (r) =>
        r.method === 'PUT' && r.path.includes(`/sync/archive/orders/`) && r.path.includes(taskId),
      {
        status: 500,
        headers: { 'content-type': 'application/xml' },
        body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>',
      },
    );
    const status = await withProxy(fault, (proxy) =>
      withFunctionEnvironment('sync', { AWS_ENDPOINT_URL_S3: proxy.url }, () =>
        run('sync.archive', { olderThanDays: 0, limit: 1000 }, taskId),
      ),
    );
    expect(fault.injected()).toBe(sdkAttempts);
    expect(status.state).toBe('SUCCESS');
    expect(status.attempt).toBe(2);
    const day = new Date().toISOString().slice(0, 10);
    const second = `sync/archive/orders/${day}/${taskId}-a2.jsonl`;
    expect(status.result).toMatchObject({ key: second });

    const { inTable, objects } = await placesOf(ids);
    expect([...inTable]).toEqual([]);
    for (const id of ids) expect(objects.get(id)).toEqual([second]);
  });
});

describe('orders.match', () => {
  it('never reopens an order that a concurrent match filled while a duplicate run was resting it', async () => {
    const symbol = `R${token()
      .toUpperCase()
      .replace(/[^A-Z0-9]/g, 'X')}`;
    const sell = {
      orderId: `sell-${token()}`,
      symbol,
      side: 'sell' as const,
      price: 100,
      quantity: 10,
    };
    const plain = new OrderStore(env.db, dataTable);
    const signal = new AbortController().signal;

    // Two deliveries of the same order.created run at once. The slow one stops right before
    // it rests the order (the only request naming the sell side's book is that write).
    let release: () => void = () => undefined;
    let paused: () => void = () => undefined;
    const reached = new Promise<void>((resolve) => {
      paused = resolve;
    });
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slowDb = new Proxy(env.db, {
      get(target, property, receiver) {
        if (property !== 'send') return Reflect.get(target, property, receiver);
        return async (command: { input?: unknown }) => {
          if (JSON.stringify(command.input ?? {}).includes(bookPk(symbol, 'sell'))) {
            paused();
            await gate;
          }
          return target.send(command as never);
        };
      },
    });
    const slow = matchOrder(new OrderStore(slowDb, dataTable), sell, { signal });
    await reached;
    // The other delivery rests the order, and a buy fills all of it from the book.
    expect(await matchOrder(plain, sell, { signal })).toMatchObject({ status: 'OPEN' });
    const buy = `buy-${token()}`;
    const bought = await matchOrder(
      plain,
      { orderId: buy, symbol, side: 'buy', price: 100, quantity: 10 },
      { signal },
    );
    expect(bought).toMatchObject({ status: 'FILLED', filled: 10 });
    release();
    expect(await slow).toMatchObject({ status: 'FILLED', remaining: 0 });

    const order = await plain.get(sell.orderId);
    expect(order).toMatchObject({ status: 'FILLED', remaining: 0, kind: DATA_KINDS.closedOrder });
    const book = await env.db.send(
      new QueryCommand({
        TableName: dataTable,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': bookPk(symbol, 'sell') },
        ConsistentRead: true,
      }),
    );
    expect(book.Items ?? []).toEqual([]);
  });

  it('keeps every fill paired and every remainder exact under a burst of concurrent matches', async () => {
    const symbol = `C${token()
      .toUpperCase()
      .replace(/[^A-Z0-9]/g, 'X')}`;
    const store = new OrderStore(env.db, dataTable);
    const signal = new AbortController().signal;
    const orders = Array.from({ length: 16 }, (_, i) => ({
      orderId: `burst-${token()}-${i}`,
      symbol,
      side: (i % 2 === 0 ? 'sell' : 'buy') as 'sell' | 'buy',
      price: 100,
      quantity: 1 + (i % 3),
    }));
    // Each order matched twice at once, as a duplicate delivery would.
    await Promise.all([...orders, ...orders].map((o) => matchOrder(store, o, { signal })));
    const stored = await Promise.all(orders.map((o) => store.get(o.orderId)));
    let bought = 0;
    let sold = 0;
    for (const order of stored) {
      if (!order) throw new Error('order missing');
      const filled = order.fills.reduce((sum, f) => sum + f.quantity, 0);
      expect(order.remaining).toBe(order.quantity - filled);
      if (order.side === 'buy') bought += filled;
      else sold += filled;
      expect(order.kind).toBe(
        order.remaining === 0 ? DATA_KINDS.closedOrder : DATA_KINDS.openOrder,
      );
    }
    expect(bought).toBe(sold);
    for (const side of ['buy', 'sell'] as const) {
      const book = await env.db.send(
        new QueryCommand({
          TableName: dataTable,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': bookPk(symbol, side) },
          ConsistentRead: true,
        }),
      );
      const open = stored.filter((o) => o?.side === side && (o?.remaining ?? 0) > 0);
      expect((book.Items ?? []).map((b) => [b.orderId, b.remaining]).sort()).toEqual(
        open.map((o) => [o?.orderId, o?.remaining]).sort(),
      );
    }
  });
});

describe('orders.send_reminders', () => {
  it('reaches every open order over successive runs, and marks one only once its event is accepted', async () => {
    const prefix = `remind-${token()}`;
    const ids = Array.from({ length: 6 }, (_, i) => `${prefix}-${i}`);
    await putAll(
      env.db,
      ids.map((orderId, i) => ({
        ...orderKey(orderId),
        orderId,
        symbol: 'REM',
        side: 'buy',
        price: 1,
        quantity: 1,
        remaining: 1,
        status: 'OPEN',
        fills: [],
        createdAt: OLD,
        updatedAt: OLD,
        kind: DATA_KINDS.openOrder,
        // Older than orders other tests leave open, so these come first.
        kindAt: new Date(Date.parse(OLD) - 1000 + i).toISOString(),
      })),
    );
    const refused = ids[3] ?? '';
    const mentions = (r: ProxiedRequest, id: string) => r.body.includes(`reminder:${id}\\"`);
    const reminders = (r: ProxiedRequest) =>
      r.target === 'AWSEvents.PutEvents' && r.body.includes('lovage.orders');
    // EventBridge refuses that order's reminder once (an entry-level failure, HTTP 200).
    const fault = failFirst(1, (r) => reminders(r) && mentions(r, refused), {
      status: 200,
      headers: { 'content-type': 'application/x-amz-json-1.1' },
      body: JSON.stringify({
        FailedEntryCount: 1,
        Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }],
      }),
    });
    const reminded = async (id: string) =>
      (
        await env.db.send(
          new GetCommand({ TableName: dataTable, Key: orderKey(id), ConsistentRead: true }),
        )
      ).Item;
    const published = await withProxy(fault, (proxy) =>
      withFunctionEnvironment('orders', { AWS_ENDPOINT_URL_EVENTBRIDGE: proxy.url }, async () => {
        // Limit 1: each run reminds one order, so reaching all of them takes successive runs.
        for (let runs = 0; runs < 3 * ids.length; runs++) {
          const status = await run('orders.send_reminders', { olderThanMinutes: 0, limit: 1 });
          expect(status.state).toBe('SUCCESS');
          const left = await Promise.all(ids.map(reminded));
          if (left.every((o) => o?.kind === DATA_KINDS.remindedOrder)) break;
        }
        return proxy.requests.filter(reminders);
      }),
    );
    expect(fault.injected()).toBe(1);
    for (const id of ids) {
      const order = await reminded(id);
      expect(order).toMatchObject({
        kind: DATA_KINDS.remindedOrder,
        remindedAt: expect.any(String),
      });
      expect(order?.reminderClaim).toBeUndefined();
      // Accepted exactly once; the refused one was published once more, after its release.
      const forOrder = published.filter((r) => mentions(r, id));
      expect(forOrder.filter((r) => !r.injected)).toHaveLength(1);
      expect(forOrder.filter((r) => r.injected)).toHaveLength(id === refused ? 1 : 0);
    }
  });
});

describe('monitoring: URLs that resolve to internal addresses', () => {
  // One server on the allow-listed 127.0.0.2 (local stacks allow it), one on 127.0.0.1,
  // which must never be contacted.
  const servers: Server[] = [];
  const hits: Record<string, number> = { allowed: 0, refused: 0 };
  const ports: Record<string, number> = {};

  beforeAll(async () => {
    for (const [which, host] of [
      ['allowed', '127.0.0.2'],
      ['refused', '127.0.0.1'],
    ] as const) {
      const server = createServer((_req, res) => {
        hits[which] = (hits[which] ?? 0) + 1;
        res.writeHead(200).end('ok');
      });
      await new Promise<void>((resolve) => server.listen(0, host, resolve));
      ports[which] = (server.address() as AddressInfo).port;
      servers.push(server);
    }
  });
  afterAll(() => {
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
  });

  it('refuses 169.254.169.254 at the client, before anything is sent', async () => {
    await expect(
      env.lovage.send('monitoring.register_app', {
        name: `meta-${token()}`,
        url: 'http://169.254.169.254/latest/meta-data/',
      }),
    ).rejects.toThrow(PayloadValidationError);
    await expect(
      env.lovage.send('monitoring.register_app', {
        name: `meta-${token()}`,
        url: 'http://169.254.169.254/latest/meta-data/',
      }),
    ).rejects.toThrow('169.254.169.254 is a link-local address: tasks never fetch it');
  });

  it('fails a raw envelope for 169.254.169.254 in the runtime, before running it', async () => {
    const id = `meta-raw-${token()}`;
    await env.sqs.send(
      new SendMessageCommand({
        QueueUrl: env.queue('monitoring', 'normal').url,
        MessageBody: JSON.stringify({
          v: 1,
          id,
          task: 'monitoring.register_app',
          args: { name: 'meta', url: 'http://169.254.169.254/' },
          tier: 'normal',
          createdAt: new Date().toISOString(),
        }),
      }),
    );
    const status = await env.lovage.wait(id, { timeoutMs: 90_000 });
    expect(status.state).toBe('FAILURE');
    expect(status.error?.message).toContain('169.254.169.254 is a link-local address');
  });

  it.each([
    ['http://127.0.0.1', '127.0.0.1 is a loopback address'],
    ['http://[::1]', '::1 is a loopback address'],
    ['http://localhost', 'localhost resolves to 127.0.0.1, a loopback address'],
  ])('fails registering %s for good, naming the address class', async (base, message) => {
    const name = `internal-${token()}`;
    const status = await run('monitoring.register_app', {
      name,
      url: `${base}:${ports.refused}/health`,
    });
    expect(status.state).toBe('FAILURE');
    expect(status.attempt).toBe(1);
    expect(status.error).toMatchObject({ type: 'UnrecoverableError' });
    expect(status.error?.message).toContain(message);
    const stored = await env.db.send(
      new GetCommand({ TableName: dataTable, Key: { pk: `APP#${name}`, sk: 'APP' } }),
    );
    expect(stored.Item).toBeUndefined();
  });

  it('checks again at fetch time: an app whose URL now points at loopback is down and never fetched', async () => {
    const refusedApp = `stale-${token()}`;
    const allowedApp = `allowed-${token()}`;
    // As if registered when its name still resolved elsewhere (or written by hand).
    await env.db.send(
      new PutCommand({
        TableName: dataTable,
        Item: {
          pk: `APP#${refusedApp}`,
          sk: 'APP',
          name: refusedApp,
          url: `http://127.0.0.1:${ports.refused}/health`,
          expectStatus: 200,
          timeoutMs: 2000,
          registeredAt: new Date().toISOString(),
          kind: DATA_KINDS.app,
          kindAt: refusedApp,
        },
      }),
    );
    const registered = await run('monitoring.register_app', {
      name: allowedApp,
      url: `http://127.0.0.2:${ports.allowed}/health`,
    });
    expect(registered.state).toBe('SUCCESS');
    const before = { ...hits };
    const status = await run('monitoring.check_apps', { apps: [refusedApp, allowedApp] });
    expect(status.state).toBe('SUCCESS');
    const results = (
      status.result as { results: { app: string; status: string; error?: string }[] }
    ).results;
    expect(results.find((r) => r.app === refusedApp)).toMatchObject({
      status: 'down',
      refused: true,
      error: expect.stringContaining('127.0.0.1 is a loopback address'),
    });
    expect(results.find((r) => r.app === allowedApp)).toMatchObject({ status: 'up' });
    // Only the allow-listed address was contacted.
    expect(hits.allowed).toBe((before.allowed ?? 0) + 1);
    expect(hits.refused).toBe(0);
  });
});
