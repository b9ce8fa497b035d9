import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  CatalogError,
  catalog,
  PayloadValidationError,
  UnknownTaskError,
} from '../catalog/index.js';
import {
  isUnreachable,
  LovageClient,
  QueryOptionsError,
  resolvedRegion,
  SendOptionsError,
  StackConfigError,
  sdkClients,
} from '../client/index.js';
import { type AwsTarget, AwsTargetError, awsClientConfig } from '../local/index.js';
import type { DoctorClients } from '../ops/index.js';

/** Exit codes scripts can rely on. */
export const EXIT = {
  ok: 0,
  /** The command ran and reports a failure: a task failed, doctor found mismatches. */
  failed: 1,
  /** Bad input: unknown task, invalid JSON or payload, bad option. */
  usage: 2,
  /** The environment: no stack, no credentials, no region, nothing answers, a refused target. */
  environment: 3,
} as const;

/** A usage error the CLI reports with exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface GlobalOptions {
  readonly stack?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly json?: boolean;
}

/** A command's action: runs with a context; its result becomes the process's exit code. */
export type Action = (ctx: Context, globals: GlobalOptions) => Promise<number>;

/** An action that also gets the input its command parsed and checked before anything else. */
export type ActionWith<I> = (ctx: Context, input: I, globals: GlobalOptions) => Promise<number>;

export interface RunOptions {
  /**
   * Names what only a local emulator may do (e.g. `--fix`): the command then stops with exit 2
   * before any AWS call unless the target is a local emulator.
   * @defaultValue - any target
   */
  readonly localOnly?: string;
}

/**
 * How a command runs. The two-step form parses and checks the command's input (task names,
 * payloads, options) before the environment is even looked at, so bad input is exit 2 with
 * the catalog's message whether or not AWS is reachable.
 *
 * @example
 * .action((task: string) => run(() => catalog.task(task), async (ctx, definition) => EXIT.ok))
 */
export interface Run {
  (action: Action, options?: RunOptions): Promise<void>;
  <I>(
    input: (globals: GlobalOptions) => I,
    action: ActionWith<I>,
    options?: RunOptions,
  ): Promise<void>;
}

/** Everything a command needs, built once per run from the target and the stack's outputs. */
export interface Context {
  readonly lovage: LovageClient<typeof catalog>;
  readonly catalog: typeof catalog;
  readonly sqs: SQSClient;
  readonly db: DynamoDBDocumentClient;
  readonly aws: DoctorClients;
  readonly region: string;
  /** Where the calls go (see src/local/target.ts). */
  readonly target: AwsTarget;
}

/**
 * Connects to the stack at `target` (from `detectAwsTarget`): every SDK client gets the same
 * endpoint, region and credentials. Throws AwsTargetError for a refused target.
 */
export async function createContext(options: GlobalOptions, target: AwsTarget): Promise<Context> {
  const config = awsClientConfig(target);
  const clients = sdkClients(config);
  const region = await resolvedRegion(clients.cloudFormation);
  const lovage = await LovageClient.fromStack(catalog, {
    ...clients,
    ...(options.stack ? { stackName: options.stack } : {}),
  });
  return {
    lovage,
    catalog,
    sqs: clients.sqs,
    db: DynamoDBDocumentClient.from(clients.dynamodb),
    region,
    target,
    aws: {
      cfn: clients.cloudFormation,
      sqs: clients.sqs,
      ddb: clients.dynamodb,
      lambda: new LambdaClient(config),
      scheduler: clients.scheduler,
      cloudwatch: new CloudWatchClient(config),
    },
  };
}

/** Maps an error to the exit code and one clear line. */
export function classify(error: unknown): { code: number; message: string } {
  const message = error instanceof Error ? error.message : String(error);
  if (
    error instanceof UsageError ||
    error instanceof UnknownTaskError ||
    error instanceof PayloadValidationError ||
    error instanceof SendOptionsError ||
    error instanceof QueryOptionsError ||
    error instanceof CatalogError
  ) {
    return { code: EXIT.usage, message };
  }
  const name = error instanceof Error ? error.name : '';
  if (error instanceof StackConfigError || error instanceof AwsTargetError) {
    return { code: EXIT.environment, message };
  }
  if (isUnreachable(error)) {
    return { code: EXIT.environment, message: `nothing answers: ${message}` };
  }
  if (
    name === 'CredentialsProviderError' ||
    name === 'UnrecognizedClientException' ||
    name === 'InvalidClientTokenId' ||
    name === 'ExpiredTokenException'
  ) {
    return {
      code: EXIT.environment,
      message: `no usable AWS credentials: ${message}`,
    };
  }
  return { code: EXIT.failed, message };
}
