/**
 * Fault injection for integration tests, without a line of test code in the product: an
 * HTTP proxy in front of the emulator that answers chosen requests with an error the real
 * service sends (throttling, a 500, a failed PutEvents entry) and forwards everything else
 * unchanged. A deployed function is pointed at it through the SDK's own per-service
 * endpoint variables (`AWS_ENDPOINT_URL_SESV2`, `..._DYNAMODB`, `..._S3`,
 * `..._EVENTBRIDGE`), set on the function for the duration of one test and restored after.
 * The function's code, the SDK's error parsing and the runtime's retries are the real ones.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  GetFunctionConfigurationCommand,
  LambdaClient,
  paginateListFunctions,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { eventually } from './deployed.js';

/** One request the proxy saw. */
export interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
  /** `x-amz-target` (JSON protocols: DynamoDB, EventBridge), when present. */
  readonly target?: string;
  readonly body: string;
  readonly at: number;
  /** The status the proxy answered with. */
  status?: number;
  /** True when the proxy answered with an injected fault instead of forwarding. */
  injected?: boolean;
}

/** The answer the proxy gives instead of forwarding. */
export interface FaultResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Decides, per request, whether to fail it; undefined forwards it to the emulator. */
export type Fault = (request: ProxiedRequest) => FaultResponse | undefined;

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`, to put in a function's AWS_ENDPOINT_URL_<SERVICE>. */
  readonly url: string;
  readonly requests: ProxiedRequest[];
  close(): Promise<void>;
}

const read = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

/** Starts a proxy to `upstream` (the emulator) that applies `fault` to every request. */
export async function startFaultProxy(upstream: string, fault: Fault): Promise<FaultProxy> {
  const requests: ProxiedRequest[] = [];
  const server: Server = createServer(async (req, res) => {
    try {
      const body = await read(req);
      const target = req.headers['x-amz-target'];
      const seen: ProxiedRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        ...(typeof target === 'string' ? { target } : {}),
        body: body.toString('utf8'),
        at: Date.now(),
      };
      requests.push(seen);
      const injected = fault(seen);
      if (injected) {
        seen.status = injected.status;
        seen.injected = true;
        res.writeHead(injected.status, { 'content-type': 'application/json', ...injected.headers });
        res.end(injected.body);
        return;
      }
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(
          ([name, value]) =>
            typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name),
        ),
      ) as Record<string, string>;
      const out = await fetch(`${upstream}${seen.path}`, {
        method: seen.method,
        headers,
        ...(body.length > 0 ? { body } : {}),
      });
      seen.status = out.status;
      const payload = Buffer.from(await out.arrayBuffer());
      const relayed: Record<string, string> = {};
      out.headers.forEach((value, name) => {
        if (
          !['content-encoding', 'transfer-encoding', 'connection', 'content-length'].includes(name)
        )
          relayed[name] = value;
      });
      res.writeHead(out.status, relayed);
      res.end(payload);
    } catch (error) {
      res.writeHead(502).end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Fails the first `times` requests that `match` selects, then forwards them again. */
export function failFirst(
  times: number,
  match: (request: ProxiedRequest) => boolean,
  response: FaultResponse,
): Fault & { readonly injected: () => number } {
  let injected = 0;
  const fault = (request: ProxiedRequest) => {
    if (injected >= times || !match(request)) return undefined;
    injected += 1;
    return response;
  };
  return Object.assign(fault, { injected: () => injected });
}

/** The deployed function of `category` (its name contains `<category>worker`). */
export async function categoryFunction(lambda: LambdaClient, category: string): Promise<string> {
  const stack = process.env.LOVAGE_STACK_NAME ?? 'Lovage';
  for await (const page of paginateListFunctions({ client: lambda }, {})) {
    const found = (page.Functions ?? []).find(
      (f) =>
        f.FunctionName?.startsWith(`${stack}-`) && f.FunctionName.includes(`${category}worker`),
    );
    if (found?.FunctionName) return found.FunctionName;
  }
  throw new Error(`no deployed function for category '${category}'`);
}

/**
 * Runs `body` while the function of `category` has `variables` added to its environment,
 * then restores the environment it had (also when `body` fails).
 */
export async function withFunctionEnvironment<T>(
  category: string,
  variables: Readonly<Record<string, string>>,
  body: () => Promise<T>,
): Promise<T> {
  const lambda = new LambdaClient({});
  const name = await categoryFunction(lambda, category);
  const before = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
  const original = before.Environment?.Variables ?? {};
  const apply = async (vars: Record<string, string>) => {
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: name,
        Environment: { Variables: vars },
      }),
    );
    await eventually(`${name} to take its new environment`, async () => {
      const now = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
      const applied = Object.entries(vars).every(([k, v]) => now.Environment?.Variables?.[k] === v);
      return applied && now.LastUpdateStatus !== 'InProgress' ? true : undefined;
    });
  };
  await apply({ ...original, ...variables });
  try {
    return await body();
  } finally {
    await apply(original);
  }
}
