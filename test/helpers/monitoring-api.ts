import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';

export interface ApiResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test code reads whatever JSON came back
  readonly json: any;
}

export interface ApiRequest {
  readonly query?: Record<string, string>;
  /** JSON-encoded unless a string. */
  readonly body?: unknown;
  /** @defaultValue true: SigV4-signed with the caller's credentials, as IAM authorization requires */
  readonly sign?: boolean;
}

/**
 * The URL to call for an API at `baseUrl`. MiniStack reports
 * `http://<api id>.execute-api.localhost:<port>`, a name Node cannot
 * resolve, and answers `/health` on every host itself (its own health
 * check); its path form `<endpoint>/_aws/execute-api/<api id>` reaches every
 * route of the API. Any other URL is used as it is.
 */
export function reachableUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  const local = /^([a-z0-9]+)\.execute-api\.localhost$/.exec(url.hostname);
  if (!local) return baseUrl;
  return `http://127.0.0.1:${url.port || '80'}/_aws/execute-api/${local[1]}`;
}

/**
 * A client of the monitoring API at `baseUrl` (stack output
 * MonitoringApiUrl) that signs each request with SigV4 for execute-api, the
 * way `curl --aws-sigv4` or any AWS SDK would.
 */
export function monitoringApi(baseUrl: string, region = process.env.AWS_REGION ?? 'us-east-1') {
  // Any SDK client resolves the default credential chain; its provider is reused for signing.
  const credentials = new SQSClient({ region }).config.credentials;
  const signer = new SignatureV4({
    service: 'execute-api',
    region,
    credentials,
    sha256: Hash.bind(null, 'sha256'),
  });

  return async function call(
    method: string,
    path: string,
    options: ApiRequest = {},
  ): Promise<ApiResponse> {
    const base = reachableUrl(baseUrl);
    const url = new URL(path.replace(/^\//, ''), base.endsWith('/') ? base : `${base}/`);
    for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
    const body =
      options.body === undefined
        ? undefined
        : typeof options.body === 'string'
          ? options.body
          : JSON.stringify(options.body);
    const headers: Record<string, string> = { host: url.host };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const signed =
      options.sign === false
        ? { headers }
        : await signer.sign({
            method,
            protocol: url.protocol,
            hostname: url.hostname,
            ...(url.port ? { port: Number(url.port) } : {}),
            path: url.pathname,
            query: Object.fromEntries(url.searchParams),
            headers,
            ...(body !== undefined ? { body } : {}),
          });
    return new Promise((resolve, reject) => {
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(url, { method, headers: signed.headers, timeout: 60_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  };
}

export type MonitoringApiClient = ReturnType<typeof monitoringApi>;
