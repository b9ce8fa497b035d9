import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  CatalogError,
  catalog,
  PayloadValidationError,
  UnknownTaskError,
} from '../catalog/index.js';
import { LovageClient, SendOptionsError, StackConfigError } from '../client/index.js';
import type { DoctorClients } from '../ops/index.js';

/** Exit codes scripts can rely on. */
export const EXIT = {
  ok: 0,
  /** The command ran and reports a failure: a task failed, doctor found mismatches. */
  failed: 1,
  /** Bad input: unknown task, invalid JSON or payload, bad option. */
  usage: 2,
  /** The environment: no stack, no credentials, no endpoint. */
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
  readonly json?: boolean;
}

/** How a command runs its action: with a context, its exit code becoming the process's. */
export type Run = (
  action: (ctx: Context, globals: GlobalOptions) => Promise<number>,
) => Promise<void>;

/** Everything a command needs, built once per run from the stack's outputs. */
export interface Context {
  readonly lovage: LovageClient<typeof catalog>;
  readonly catalog: typeof catalog;
  readonly sqs: SQSClient;
  readonly db: DynamoDBDocumentClient;
  readonly aws: DoctorClients;
  readonly region: string;
}

export async function createContext(options: GlobalOptions): Promise<Context> {
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new StackConfigError('no AWS region: pass --region or set AWS_REGION');
  }
  const config = { region };
  const sqs = new SQSClient({ ...config, useQueueUrlAsEndpoint: false });
  const dynamodb = new DynamoDBClient(config);
  const cfn = new CloudFormationClient(config);
  const lovage = await LovageClient.fromStack(catalog, {
    sqs,
    dynamodb,
    cloudFormation: cfn,
    ...(options.stack ? { stackName: options.stack } : {}),
  });
  return {
    lovage,
    catalog,
    sqs,
    db: DynamoDBDocumentClient.from(dynamodb),
    region,
    aws: {
      cfn,
      sqs,
      ddb: dynamodb,
      lambda: new LambdaClient(config),
      scheduler: new SchedulerClient(config),
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
    error instanceof CatalogError
  ) {
    return { code: EXIT.usage, message };
  }
  const name = error instanceof Error ? error.name : '';
  if (
    error instanceof StackConfigError ||
    name === 'CredentialsProviderError' ||
    name === 'UnrecognizedClientException' ||
    name === 'InvalidClientTokenId' ||
    name === 'ExpiredTokenException'
  ) {
    return {
      code: EXIT.environment,
      message:
        name && !(error instanceof StackConfigError)
          ? `no usable AWS credentials: ${message}`
          : message,
    };
  }
  return { code: EXIT.failed, message };
}
