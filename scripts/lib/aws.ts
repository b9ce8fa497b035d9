/** AWS SDK client settings for the emulator scripts. */
import { localEnv } from './endpoint.js';

/**
 * Client configuration for the emulator: the endpoint is passed explicitly (not only through
 * `AWS_ENDPOINT_URL`) so that the SQS client sends requests there rather than to the host in a
 * queue URL, and credentials come from {@link localEnv}, never from a profile.
 */
export function emulatorClientConfig(base: NodeJS.ProcessEnv = process.env) {
  const env = localEnv(base);
  // The SDK prints a multi-line notice on Node 20 at every start; the scripts' own output
  // matters more here, and package.json already states the supported Node versions.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return {
    endpoint: env.AWS_ENDPOINT_URL,
    region: env.AWS_REGION,
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'test',
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'test',
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    },
  };
}

/** The error name an SDK call failed with (`QueueDoesNotExist`, `ValidationError`, ...). */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}
