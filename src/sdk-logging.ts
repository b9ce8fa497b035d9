/** The part of an AWS SDK v3 client this module touches. */
interface WithMiddlewareStack {
  readonly middlewareStack: { remove(toRemove: string): boolean };
}

/** The name the SDK registers its logger middleware under (`@aws-sdk/core`). */
const SDK_LOGGER_MIDDLEWARE = 'loggerMiddleware';

/**
 * Takes the AWS SDK's logger middleware off a client that Lovage made
 * without a `logger`, and returns the client.
 *
 * Without a `logger` the SDK logs to a no-op one, but its middleware still
 * copies every request's input and every response's output through the
 * operation schema's sensitive-field filter before it calls that no-op.
 * For the runtime's record writes (low-level `UpdateItem`s with twenty-odd
 * attribute values) the copy cost about 40 µs per write in
 * `bench/overhead`, all of it thrown away. Use this only on clients made
 * here without a `logger`: a client someone configured a logger on keeps
 * its middleware by not coming through this function.
 *
 * @example
 * const db = withoutSdkLogging(new DynamoDBClient({}));
 */
export function withoutSdkLogging<C extends WithMiddlewareStack>(client: C): C {
  client.middlewareStack.remove(SDK_LOGGER_MIDDLEWARE);
  return client;
}
