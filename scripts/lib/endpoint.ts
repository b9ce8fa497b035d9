/**
 * Where the emulator lives, and the one guard every emulator-only script runs
 * before touching anything: the endpoint must be on this machine or on a
 * container network, never a real AWS account.
 */
import { isLocalEndpoint } from '../../src/drift/local-endpoint.js';
import { LovageError } from '../../src/errors.js';
import { DEFAULT_LOCAL_REGION } from '../../src/local/index.js';

export { isLocalEndpoint, isThisMachine } from '../../src/drift/local-endpoint.js';

/** The endpoint used when `AWS_ENDPOINT_URL` is unset: LocalStack's and MiniStack's port. */
export const DEFAULT_ENDPOINT = 'http://127.0.0.1:4566';

/** Region used for emulator work when neither `AWS_REGION` nor `AWS_DEFAULT_REGION` is set. */
export const DEFAULT_REGION = DEFAULT_LOCAL_REGION;

/** The AWS variables cdklocal must keep; it strips every other `AWS_*` variable it is given. */
const CDKLOCAL_ALLOWLIST = [
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
];

/** Thrown when an emulator-only action is pointed at an endpoint that may be real AWS. */
export class NotLocalEndpointError extends LovageError {
  readonly endpoint: string;

  constructor(endpoint: string, action: string) {
    super(
      `${action} only runs against a local emulator, but AWS_ENDPOINT_URL is ${JSON.stringify(endpoint)}. ` +
        'Unset it (default http://127.0.0.1:4566) or point it at localhost, localstack or ministack.',
    );
    this.name = 'NotLocalEndpointError';
    this.endpoint = endpoint;
  }
}

/**
 * The emulator endpoint: `AWS_ENDPOINT_URL` without a trailing slash, or {@link DEFAULT_ENDPOINT}.
 *
 * @example resolveEndpoint({ AWS_ENDPOINT_URL: 'http://localhost:4566/' }) // 'http://localhost:4566'
 */
export function resolveEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env.AWS_ENDPOINT_URL?.trim();
  return (raw ? raw : DEFAULT_ENDPOINT).replace(/\/+$/, '');
}

/** Throws {@link NotLocalEndpointError} unless `endpoint` is an emulator. */
export function assertLocalEndpoint(endpoint: string, action: string): void {
  if (!isLocalEndpoint(endpoint)) throw new NotLocalEndpointError(endpoint, action);
}

/**
 * The environment for emulator work: `base` plus the endpoint (also as `AWS_ENDPOINT_URL_S3`,
 * which cdklocal requires), a region (default `us-east-1`) and dummy `test` credentials when
 * none are set. Real credentials are never needed; a stray session token is dropped when the
 * dummy keys are filled in so that it is not paired with the wrong key.
 */
export function localEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const endpoint = resolveEndpoint(base);
  const region = base.AWS_REGION || base.AWS_DEFAULT_REGION || DEFAULT_REGION;
  const env: NodeJS.ProcessEnv = {
    ...base,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ENDPOINT_URL_S3: base.AWS_ENDPOINT_URL_S3 || s3Endpoint(endpoint),
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ENVAR_ALLOWLIST: mergeList(base.AWS_ENVAR_ALLOWLIST, CDKLOCAL_ALLOWLIST),
  };
  if (!base.AWS_ACCESS_KEY_ID || !base.AWS_SECRET_ACCESS_KEY) {
    env.AWS_ACCESS_KEY_ID = 'test';
    env.AWS_SECRET_ACCESS_KEY = 'test';
    delete env.AWS_SESSION_TOKEN;
  }
  // A profile would otherwise win for tools that prefer it over environment keys.
  delete env.AWS_PROFILE;
  return env;
}

/**
 * The S3 endpoint for the emulator. `localhost` becomes `127.0.0.1` because the SDK addresses
 * buckets by virtual host (`<bucket>.localhost`, which does not resolve everywhere) unless the
 * endpoint is an IP address, where it switches to path-style requests.
 */
export function s3Endpoint(endpoint: string): string {
  const url = new URL(endpoint);
  if (url.hostname.toLowerCase() === 'localhost') url.hostname = '127.0.0.1';
  return url.toString().replace(/\/+$/, '');
}

function mergeList(existing: string | undefined, extra: readonly string[]): string {
  const items = new Set(
    (existing ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  );
  for (const item of extra) items.add(item);
  return [...items].join(',');
}
