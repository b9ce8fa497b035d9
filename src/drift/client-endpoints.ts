/**
 * Where an SDK client actually sends its requests. The SDK decides that from
 * more than `AWS_ENDPOINT_URL`: `AWS_ENDPOINT_URL_<SERVICE>`, `endpoint_url`
 * in the shared config file (per profile and per service),
 * `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`, an endpoint passed to the client,
 * or the regional AWS endpoint. Rather than re-implement those rules, ask
 * the client: a command is run up to the point where its request is built
 * (endpoint resolved, nothing signed or sent) and the request's address is read.
 */
import { LovageError } from '../errors.js';
import { isLocalEndpoint } from './local-endpoint.js';

/** What a build-step middleware sees: the request, with its endpoint filled in. */
type BuildHandler = (args: { request: unknown }) => Promise<unknown>;
type BuildMiddleware = (next: BuildHandler) => BuildHandler;

/**
 * The parts of an SDK v3 client and command this needs. Typed loosely on purpose: every
 * client's and command's stack accepts a build-step middleware, but each declares its own
 * input and output types.
 */
interface MiddlewareStack {
  // biome-ignore lint/suspicious/noExplicitAny: see above; the options passed are always build-step.
  add(middleware: any, options: any): void;
}
export interface ProbeableClient {
  readonly middlewareStack: MiddlewareStack;
  // biome-ignore lint/suspicious/noExplicitAny: SDK clients' send is generic over their commands.
  send(command: any): Promise<unknown>;
}
export interface ProbeableCommand {
  readonly middlewareStack: MiddlewareStack;
}

/** A client and a harmless command of its service, to read its endpoint with. */
export interface EndpointProbe {
  /** Service name shown to the user, e.g. `dynamodb`. */
  readonly service: string;
  readonly client: ProbeableClient;
  readonly command: ProbeableCommand;
}

/** An action that may only run against an emulator met a client bound elsewhere. */
export class RemoteEndpointError extends LovageError {
  constructor(message: string) {
    super(message);
    this.name = 'RemoteEndpointError';
  }
}

/** Thrown by the probe middleware to stop the command once its request is built. */
class ResolvedEndpoint extends Error {
  constructor(readonly url: string) {
    super(`resolved endpoint ${url}`);
  }
}

const urlOf = (request: unknown): string => {
  const r = request as { protocol?: string; hostname?: string; port?: number };
  const host = r.hostname?.includes(':') ? `[${r.hostname}]` : r.hostname;
  return `${r.protocol ?? 'https:'}//${host ?? ''}${r.port ? `:${r.port}` : ''}`;
};

/**
 * The endpoint `client` resolves for `command`, as the SDK would send it,
 * without signing or sending anything.
 *
 * @example await resolvedEndpoint(new DynamoDBClient({}), new ListTablesCommand({}))
 * // 'https://dynamodb.us-east-1.amazonaws.com'
 */
export async function resolvedEndpoint(
  client: ProbeableClient,
  command: ProbeableCommand,
): Promise<string> {
  const stop: BuildMiddleware = () => async (args) => {
    throw new ResolvedEndpoint(urlOf(args.request));
  };
  command.middlewareStack.add(stop, {
    step: 'build',
    name: 'lovageResolvedEndpoint',
    priority: 'low',
  });
  try {
    await client.send(command);
  } catch (error) {
    if (error instanceof ResolvedEndpoint) return error.url;
    throw error;
  }
  throw new Error('the command completed without building a request');
}

/** Each probe's service and resolved endpoint that is not a local emulator. */
export async function remoteEndpoints(
  probes: readonly EndpointProbe[],
): Promise<{ service: string; endpoint: string }[]> {
  const resolved = await Promise.all(
    probes.map(async (p) => ({
      service: p.service,
      endpoint: await resolvedEndpoint(p.client, p.command),
    })),
  );
  return resolved.filter((r) => !isLocalEndpoint(r.endpoint));
}

/**
 * Makes `client` refuse, before signing, every request whose endpoint is not
 * a local emulator: the last line of defence for actions that patch
 * resources behind CloudFormation's back.
 */
export function refuseRemoteRequests(client: ProbeableClient, action: string): void {
  const guard: BuildMiddleware = (next) => async (args) => {
    const url = urlOf(args.request);
    if (!isLocalEndpoint(url)) {
      throw new RemoteEndpointError(`${action} only talks to a local emulator; refused ${url}`);
    }
    return next(args);
  };
  client.middlewareStack.add(guard, {
    step: 'build',
    name: 'lovageLocalOnly',
    priority: 'low',
    override: true,
  });
}
