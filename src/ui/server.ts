import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { HttpError } from '../api/http.js';
import { ROUTES, type UiContext } from './api.js';
import { type Assets, buildAssets, encodedBody } from './assets.js';
import {
  allowedHosts,
  checkRequest,
  createSecrets,
  isLoopback,
  SECURITY_HEADERS,
  sameToken,
  sessionCookie,
  type UiSecrets,
} from './security.js';
import type { UiMeta, UiProblem, UiTarget } from './types.js';

export interface UiServerOptions {
  /** @defaultValue '127.0.0.1' */
  readonly host?: string;
  /** 0 picks a free port. @defaultValue 5555 */
  readonly port?: number;
  /**
   * Connects to the stack; called again after a failure, so the page recovers once the
   * stack is deployed or credentials are set.
   */
  readonly connect: () => Promise<UiContext>;
  /** Maps any error to what the page shows (the CLI's own classification). */
  readonly describe: (error: unknown) => UiProblem;
  readonly target: () => UiTarget;
  /** One line per action taken (never a payload). @defaultValue nothing */
  readonly log?: (line: string) => void;
}

export interface RunningUi {
  /** The address to open: it carries the access token. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Largest action body: filters and names, never a payload. */
const MAX_BODY_BYTES = 65_536;
/** Errors that mean the stack changed under the UI (redeployed): connect again. */
const STALE = /NonExistentQueue|QueueDoesNotExist|ResourceNotFoundException/;

/**
 * Starts the UI's web server: the page (bundled now with esbuild), its JSON API and nothing
 * else. Listens on 127.0.0.1 unless told otherwise. Every request must come with the session
 * cookie that the printed address's token is exchanged for, and every action with the page's
 * action token (see security.ts).
 *
 * @example
 * const ui = await startUi({ connect, describe, target: () => info, port: 0 });
 * console.log(ui.url); // http://127.0.0.1:38211/?token=...
 */
export async function startUi(options: UiServerOptions): Promise<RunningUi> {
  const host = options.host ?? '127.0.0.1';
  const assets = await buildAssets();
  let context: Promise<UiContext> | undefined;
  const connection: Connection = {
    get: () => {
      context ??= options.connect().catch((error: unknown) => {
        context = undefined;
        throw error;
      });
      return context;
    },
    reset: () => {
      context = undefined;
    },
  };
  let secrets: UiSecrets | undefined;
  let hosts: ReadonlySet<string> | undefined;
  const server = createServer((request, response) => {
    if (!secrets) return void response.writeHead(503).end();
    serve(request, response, { secrets, hosts, assets, connection, options }).catch(
      (error: unknown) => {
        if (!response.headersSent) sendJson(response, 500, problemOf(error, options));
        else response.end();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 5555, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  secrets = createSecrets(port);
  hosts = allowedHosts(host, port);
  const named = isLoopback(host) ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${named}:${port}/?token=${secrets.accessToken}`,
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Serving {
  readonly secrets: UiSecrets;
  readonly hosts: ReadonlySet<string> | undefined;
  readonly assets: Assets;
  readonly connection: Connection;
  readonly options: UiServerOptions;
}

/** The stack's clients, connected once and again after a failure or a redeploy. */
interface Connection {
  get(): Promise<UiContext>;
  reset(): void;
}

async function serve(request: IncomingMessage, response: ServerResponse, s: Serving) {
  const url = new URL(request.url ?? '/', 'http://ui.invalid');
  const token = url.searchParams.get('token');
  const login = request.method === 'GET' && token !== null;
  const refused = checkRequest(request, s.secrets, s.hosts, { login });
  if (refused)
    return sendJson(response, refused.status, { error: 'Refused', message: refused.message });
  if (login) {
    if (!sameToken(token ?? undefined, s.secrets.accessToken)) {
      return sendJson(response, 401, {
        error: 'Refused',
        message: 'this token is not the one lovage ui printed: open the address it printed',
      });
    }
    url.searchParams.delete('token');
    response.writeHead(303, {
      ...SECURITY_HEADERS,
      'set-cookie': sessionCookie(s.secrets),
      location: `${url.pathname}${url.search}`,
    });
    return void response.end();
  }
  if (url.pathname.startsWith('/api/')) return api(request, response, url, s);
  if (request.method !== 'GET')
    return sendJson(response, 404, { error: 'NotFound', message: 'no such page' });
  const asset = s.assets.byPath.get(url.pathname);
  if (asset) {
    const { body, encoding } = encodedBody(asset, request.headers['accept-encoding']);
    response.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': asset.contentType,
      'cache-control': 'private, max-age=31536000, immutable',
      vary: 'accept-encoding',
      ...(encoding ? { 'content-encoding': encoding } : {}),
      'content-length': body.length,
    });
    return void response.end(body);
  }
  if (url.pathname.startsWith('/assets/')) {
    return sendJson(response, 404, { error: 'NotFound', message: 'no such asset' });
  }
  // Every other path is a page of the app: the shell, which routes on the client.
  const html = Buffer.from(shell(s.assets, s.secrets));
  const { body, encoding } = encodedBody(
    { raw: html, gzip: gzipSync(html), brotli: brotliCompressSync(html) },
    request.headers['accept-encoding'],
  );
  response.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    vary: 'accept-encoding',
    ...(encoding ? { 'content-encoding': encoding } : {}),
    'content-length': body.length,
  });
  response.end(body);
}

/** The page: the bundle, the action token, and where the calls go; nothing inline runs. */
function shell(assets: Assets, secrets: UiSecrets): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="lovage-action-token" content="${secrets.actionToken}">
<title>Lovage</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${assets.style.path}">
<script type="module" src="${assets.script.path}"></script>
</head>
<body>
<div id="app"><p class="loading">Loading Lovage…</p></div>
</body>
</html>
`;
}

async function api(request: IncomingMessage, response: ServerResponse, url: URL, s: Serving) {
  if (url.pathname === '/api/meta') {
    if (request.method !== 'GET')
      return sendJson(response, 404, { error: 'NotFound', message: 'GET only' });
    return sendJson(response, 200, await meta(s));
  }
  let params: Record<string, string> | undefined;
  const found = ROUTES.find((r) => {
    if (r.method !== request.method) return false;
    const match = r.pattern.exec(url.pathname);
    if (!match) return false;
    params = Object.fromEntries(
      r.params.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? '')]),
    );
    return true;
  });
  if (!found || !params) {
    return sendJson(response, 404, {
      error: 'NotFound',
      message: `no ${request.method} ${url.pathname}`,
    });
  }
  const stop = new AbortController();
  response.on('close', () => stop.abort());
  try {
    const body = request.method === 'POST' ? await readJson(request) : undefined;
    const query = Object.fromEntries(url.searchParams) as Record<string, string | undefined>;
    const ctx = await s.connection.get();
    if (found.action) s.options.log?.(`${found.action} ${url.pathname}`);
    const answer = await found.handler({ params, query, body, signal: stop.signal }, ctx);
    if ('json' in answer) return sendJson(response, answer.status ?? 200, answer.json);
    response.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'application/x-ndjson; charset=utf-8',
      'cache-control': 'no-store',
    });
    await answer.lines((line) => response.write(`${JSON.stringify(line)}\n`));
    response.end();
  } catch (error) {
    // Queues or tables gone: the stack was redeployed or deleted; read its outputs again.
    if (STALE.test(`${(error as Error).name} ${(error as Error).message}`)) s.connection.reset();
    const problem = problemOf(error, s.options);
    if (response.headersSent) {
      // A stream already started: its last line says what went wrong.
      response.end(`${JSON.stringify({ kind: 'error', ...problem })}\n`);
    } else sendJson(response, problem.status, problem);
  }
}

async function meta(s: Serving): Promise<UiMeta> {
  const target = s.options.target();
  let problem: UiProblem | undefined;
  let context: UiContext | undefined;
  try {
    context = await s.connection.get();
  } catch (error) {
    problem = problemOf(error, s.options);
  }
  const catalog = context?.lovage.catalog;
  return {
    target,
    problem,
    stack: context?.lovage.config.stackName ?? target.stack,
    queues: context ? Object.keys(context.lovage.config.queues).sort() : [],
    tasks: catalog
      ? [...catalog.tasks.values()].map((t) => ({
          name: t.name,
          category: t.category,
          tier: t.tier,
        }))
      : [],
    statistics: context ? context.stats !== undefined : false,
  };
}

function problemOf(error: unknown, options: UiServerOptions): UiProblem {
  if (error instanceof HttpError)
    return { status: error.status, error: error.code, message: error.message };
  return options.describe(error);
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new HttpError(413, 'PayloadTooLarge', `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(
      400,
      'InvalidJson',
      `request body is not valid JSON: ${(error as Error).message}`,
    );
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}
