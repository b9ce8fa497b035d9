/**
 * The UI server's guards, over real HTTP on loopback: nothing answers without the session the
 * printed address gives, every action needs the page's action token from the UI's own origin,
 * and a foreign Host header (DNS rebinding) is refused. The stack is unreachable here on
 * purpose: a request that passes every guard reaches the connection and gets its problem back.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningUi, startUi } from '../../../src/ui/index.js';

let ui: RunningUi;
let origin: string;
let cookie: string;
let actionToken: string;

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function call(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${origin}${path}`,
      { method: options.method ?? 'GET', headers: options.headers ?? {} },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const purge = JSON.stringify({ queue: 'email/high', which: 'queue', confirm: 'email/high' });

beforeAll(async () => {
  ui = await startUi({
    port: 0,
    connect: () => Promise.reject(new Error('no stack here')),
    describe: (error) => ({
      status: 503,
      error: 'Environment',
      message: (error as Error).message,
    }),
    target: () => ({ description: 'nowhere', local: true, stack: 'Lovage' }),
  });
  origin = new URL(ui.url).origin;
}, 60_000);

afterAll(() => ui?.close());

describe('lovage ui server', () => {
  it('listens on loopback and prints an address with a token', () => {
    const url = new URL(ui.url);
    expect(url.hostname).toBe('127.0.0.1');
    expect(url.searchParams.get('token')).toMatch(/^[\w-]{32}$/);
  });

  it('answers nothing without the session, and refuses a wrong token', async () => {
    expect((await call('/api/meta')).status).toBe(401);
    expect((await call('/')).status).toBe(401);
    expect((await call('/?token=not-the-token')).status).toBe(401);
  });

  it('exchanges the printed token for an HttpOnly, SameSite=Strict cookie and drops it from the address', async () => {
    const token = new URL(ui.url).searchParams.get('token') ?? '';
    const login = await call(`/tasks?state=FAILURE&token=${token}`);
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/tasks?state=FAILURE');
    const set = String(login.headers['set-cookie']);
    expect(set).toContain('HttpOnly');
    expect(set).toContain('SameSite=Strict');
    cookie = set.split(';')[0] ?? '';

    const page = await call('/tasks', { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    actionToken = /name="lovage-action-token" content="([^"]+)"/.exec(page.body)?.[1] ?? '';
    expect(actionToken).toMatch(/^[\w-]{32}$/);
    expect(page.body).not.toContain(token);
  });

  it('refuses a Host header that is not its own address (DNS rebinding)', async () => {
    const answer = await call('/api/meta', {
      headers: { cookie, host: `attacker.example:${ui.port}` },
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toContain('attacker.example');
  });

  it('takes an action only from its own origin, with the action token and a JSON body', async () => {
    const json = { cookie, 'content-type': 'application/json' };
    const attempts: [Record<string, string>, number, string][] = [
      [json, 403, 'origin missing'],
      [{ ...json, origin: 'http://localhost:1' }, 403, 'origin http://localhost:1'],
      [{ ...json, origin }, 403, 'action token'],
      [{ ...json, origin, 'x-lovage-action-token': 'guess' }, 403, 'action token'],
      [
        { ...json, origin, 'x-lovage-action-token': actionToken, 'sec-fetch-site': 'cross-site' },
        403,
        'cross-site',
      ],
      [
        { cookie, origin, 'x-lovage-action-token': actionToken, 'content-type': 'text/plain' },
        415,
        'JSON body',
      ],
      [{ ...json, 'x-lovage-action-token': actionToken, origin }, 503, 'no stack here'],
    ];
    for (const [headers, status, says] of attempts) {
      const answer = await call('/api/queues/purge', { method: 'POST', headers, body: purge });
      expect({ status: answer.status, body: answer.body }).toMatchObject({
        status,
        body: expect.stringContaining(says),
      });
    }
  });

  it('says in /api/meta why the stack cannot be reached', async () => {
    const meta = await call('/api/meta', { headers: { cookie } });
    expect(meta.status).toBe(200);
    expect(JSON.parse(meta.body)).toMatchObject({
      problem: { error: 'Environment', message: 'no stack here' },
      queues: [],
    });
  });
});
