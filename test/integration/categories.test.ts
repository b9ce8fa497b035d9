import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_STACK_NAME, STACK_OUTPUTS } from '../../src/protocol/outputs.js';
import { deployed, eventually, recordsOfTask, verifiedSender } from '../helpers/deployed.js';

let env: Awaited<ReturnType<typeof deployed>>;
let outputs: Record<string, string>;
let sender: string;
const s3 = new S3Client({ forcePathStyle: true });
const finished = (state: string) => ['SUCCESS', 'FAILURE', 'REVOKED', 'EXPIRED'].includes(state);

beforeAll(async () => {
  env = await deployed();
  sender = await verifiedSender();
  const stack = await new CloudFormationClient({}).send(
    new DescribeStacksCommand({ StackName: process.env.LOVAGE_STACK_NAME ?? DEFAULT_STACK_NAME }),
  );
  outputs = Object.fromEntries(
    (stack.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']),
  );
});

/** Sends `task` with the client and waits for it to finish; returns its status. */
async function run(task: string, args: unknown) {
  const { id } = await env.lovage.send(task as never, args as never);
  return eventually(
    `${task} ${id} to finish`,
    async () => {
      const status = await env.lovage.get(id);
      return finished(status.state) ? status : undefined;
    },
    { timeoutMs: 90_000 },
  );
}

const item = async (table: string, key: Record<string, string>) =>
  (await env.db.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;

const object = async (key: string) => {
  const out = await s3.send(
    new GetObjectCommand({ Bucket: outputs[STACK_OUTPUTS.dataBucketName], Key: key }),
  );
  return out.Body?.transformToString() ?? '';
};

describe('email', () => {
  it('suppresses a permanently bounced address and skips it in a bulk send, with an outcome per recipient', async () => {
    const bounced = `gone-${randomUUID().slice(0, 8)}@example.com`;
    const bounce = await run('email.process_bounce', {
      eventType: 'Bounce',
      bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: bounced }] },
    });
    expect(bounce).toMatchObject({ state: 'SUCCESS', result: { suppressed: [bounced] } });
    expect(
      await item(outputs[STACK_OUTPUTS.dataTableName] ?? '', {
        pk: `SUPPRESS#${bounced}`,
        sk: 'SUPPRESS',
      }),
    ).toMatchObject({ reason: 'bounce:General' });

    const bulk = await run('email.send_bulk', {
      from: sender,
      subject: 'Hello',
      text: 'Hi {{name}}',
      recipients: [{ to: 'success@simulator.amazonses.com', name: 'Ada' }, { to: bounced }],
    });
    expect(bulk.state).toBe('SUCCESS');
    expect(bulk.result).toMatchObject({
      sent: 1,
      suppressed: 1,
      outcomes: [
        { to: 'success@simulator.amazonses.com', status: 'sent', messageId: expect.any(String) },
        { to: bounced, status: 'suppressed' },
      ],
    });
  });
});

describe('payments', () => {
  it('writes each payment once, refuses an overdraft for a later retry, and keeps the balance equal to the ledger', async () => {
    const account = `acct-${randomUUID().slice(0, 8)}`;
    const pay = (paymentId: string, amount: number, direction: 'credit' | 'debit') =>
      run('payments.record', { paymentId, account, amount, currency: 'EUR', direction });
    expect((await pay(`${account}-1`, 1000, 'credit')).result).toMatchObject({
      status: 'SETTLED',
      applied: true,
      balance: 1000,
    });
    expect((await pay(`${account}-2`, 300, 'debit')).result).toMatchObject({
      status: 'SETTLED',
      balance: 700,
    });
    // The same payment id again (a new task): nothing changes.
    expect((await pay(`${account}-2`, 300, 'debit')).result).toMatchObject({
      status: 'SETTLED',
      applied: false,
    });
    expect((await pay(`${account}-3`, 5000, 'debit')).result).toMatchObject({ status: 'FAILED' });

    const ledger = outputs[STACK_OUTPUTS.ledgerTableName] ?? '';
    expect(await item(ledger, { pk: `ACCOUNT#${account}`, sk: 'BALANCE' })).toMatchObject({
      balance: 700,
      entries: 2,
    });
    expect(
      await item(ledger, { pk: `ACCOUNT#${account}`, sk: `PAYMENT#${account}-3` }),
    ).toMatchObject({
      status: 'FAILED',
      failedShard: expect.stringMatching(/^FAILED#/),
    });

    const reconciled = await run('payments.reconcile', { accounts: [account] });
    expect(reconciled.result).toMatchObject({ accounts: 1, mismatches: [] });
    const report = JSON.parse(
      await object(String((reconciled.result as { reportKey: string }).reportKey)),
    );
    expect(report.accounts).toEqual([
      { account, balance: 700, ledgerSum: 700, settledEntries: 2, ok: true },
    ]);
  });
});

describe('orders (event trigger)', () => {
  it('runs orders.match for order.created events put on the bus, and fills the crossing orders', async () => {
    const symbol = `T${randomUUID()
      .slice(0, 6)
      .toUpperCase()
      .replace(/[^A-Z0-9]/g, 'X')}`;
    const since = new Date(Date.now() - 60_000).toISOString();
    const sell = `sell-${randomUUID().slice(0, 8)}`;
    const buy = `buy-${randomUUID().slice(0, 8)}`;
    const events = new EventBridgeClient({});
    const put = (detail: object) =>
      events.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: env.config.eventBusName,
              Source: 'shop.orders',
              DetailType: 'order.created',
              Detail: JSON.stringify(detail),
            },
          ],
        }),
      );
    const matched = (orderId: string) =>
      eventually(
        `orders.match of ${orderId} to succeed`,
        async () => {
          const records = await recordsOfTask(env.db, env.config.tableName, 'orders.match', since);
          return records.find(
            (r) =>
              r.state === 'SUCCESS' &&
              (r.result as { orderId?: string } | undefined)?.orderId === orderId,
          );
        },
        { timeoutMs: 90_000, intervalMs: 1000 },
      );

    const out = await put({ orderId: sell, symbol, side: 'sell', price: 100, quantity: 10 });
    expect(out.FailedEntryCount ?? 0).toBe(0);
    const sold = await matched(sell);
    expect(String(sold.id)).toMatch(/^event:order-created:/);
    expect(sold.source).toBe('event:order-created');
    expect(sold.result).toMatchObject({ status: 'OPEN', remaining: 10 });

    await put({ orderId: buy, symbol, side: 'buy', price: 105, quantity: 4 });
    const bought = await matched(buy);
    expect(bought.result).toMatchObject({
      status: 'FILLED',
      filled: 4,
      fills: [{ against: sell, quantity: 4, price: 100 }],
    });

    const data = outputs[STACK_OUTPUTS.dataTableName] ?? '';
    expect(await item(data, { pk: `ORDER#${sell}`, sk: 'ORDER' })).toMatchObject({
      status: 'PARTIAL',
      remaining: 6,
      kind: 'ORDER#OPEN',
    });
    expect(await item(data, { pk: `ORDER#${buy}`, sk: 'ORDER' })).toMatchObject({
      status: 'FILLED',
      remaining: 0,
      kind: 'ORDER#CLOSED',
    });
  });
});

describe('sync', () => {
  it('backs the ledger up to S3 as JSON lines', async () => {
    const status = await run('sync.backup', { source: 'ledger' });
    expect(status.state).toBe('SUCCESS');
    const result = status.result as { key: string; items: number };
    expect(result.key).toMatch(/^sync\/backups\/ledger\//);
    const lines = (await object(result.key)).trim().split('\n').filter(Boolean);
    expect(lines).toHaveLength(result.items);
    expect(lines.some((l) => JSON.parse(l).sk === 'BALANCE')).toBe(true);
  });
});

describe('analytics', () => {
  it("writes today's task report to S3 with counts from the task table", async () => {
    const date = new Date().toISOString().slice(0, 10);
    const status = await run('analytics.daily_report', { date });
    expect(status.state).toBe('SUCCESS');
    const report = JSON.parse(await object(`analytics/reports/daily/${date}.json`));
    expect(report.window.from).toBe(`${date}T00:00:00.000Z`);
    expect(report.byTask['payments.record']?.SUCCESS).toBeGreaterThanOrEqual(4);
  });
});

describe('monitoring', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/health') res.writeHead(200).end('ok');
      else if (req.url === '/broken') res.writeHead(503).end('down');
      // /hang never answers: the check's timeout must end it.
    });
    // 127.0.0.2: the one loopback address local stacks allow monitoring to fetch
    // (monitoringAllowNetworks); everything else internal is refused (handlers.test.ts).
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
    base = `http://127.0.0.2:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('records up, down and timed-out applications with their history', async () => {
    const suffix = randomUUID().slice(0, 6);
    const apps = { up: `up-${suffix}`, broken: `broken-${suffix}`, hang: `hang-${suffix}` };
    await run('monitoring.register_app', { name: apps.up, url: `${base}/health` });
    await run('monitoring.register_app', { name: apps.broken, url: `${base}/broken` });
    await run('monitoring.register_app', { name: apps.hang, url: `${base}/hang`, timeoutMs: 500 });

    const status = await run('monitoring.check_apps', { apps: Object.values(apps) });
    expect(status.state).toBe('SUCCESS');
    expect(status.result).toMatchObject({ checked: 3, up: 1, down: 2 });
    const results = (
      status.result as {
        results: { app: string; status: string; error?: string; httpStatus?: number }[];
      }
    ).results;
    expect(results.find((r) => r.app === apps.broken)).toMatchObject({
      status: 'down',
      httpStatus: 503,
    });
    expect(results.find((r) => r.app === apps.hang)).toMatchObject({
      status: 'down',
      error: 'no answer within 500 ms',
    });

    const data = outputs[STACK_OUTPUTS.dataTableName] ?? '';
    expect(await item(data, { pk: `APP#${apps.up}`, sk: 'APP' })).toMatchObject({
      lastStatus: 'up',
      consecutiveFailures: 0,
    });
    // The beat's app-health-checks (every 30 s) checks every registered app too, so the
    // hung app may have failed more than this one check by now.
    const hang = await item(data, { pk: `APP#${apps.hang}`, sk: 'APP' });
    expect(hang).toMatchObject({ lastStatus: 'down' });
    expect(hang?.consecutiveFailures).toBeGreaterThanOrEqual(1);
  });
});

describe('beat faster than a minute', () => {
  it('fans the one-minute tick of the 30 s schedule out into two deliveries, 30 s apart, each run once', async () => {
    const since = new Date(Date.now() - 10 * 60_000).toISOString();
    const pair = await eventually(
      'both 30 s slots of one app-health-checks tick to succeed',
      async () => {
        const records = await recordsOfTask(
          env.db,
          env.config.tableName,
          'monitoring.check_apps',
          since,
        );
        const ticks = records.filter(
          (r) => String(r.source) === 'beat:app-health-checks' && r.state === 'SUCCESS',
        );
        const first = ticks.find((r) => String(r.id).endsWith('+0s'));
        const second =
          first && ticks.find((r) => r.id === String(first.id).replace(/\+0s$/, '+30s'));
        return first && second ? { first, second } : undefined;
      },
      { timeoutMs: 200_000, intervalMs: 3000 },
    );
    expect(
      Date.parse(String(pair.second.startedAt)) - Date.parse(String(pair.first.startedAt)),
    ).toBeGreaterThanOrEqual(29_000);
  });
});
