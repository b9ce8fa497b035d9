import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { AwsClientConfig } from '../local/index.js';
import { StackConfigError } from './errors.js';

/** The SDK clients behind a Lovage client and its stack lookup, all built for one target. */
export interface SdkClients {
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  readonly scheduler: SchedulerClient;
  readonly eventBridge: EventBridgeClient;
  readonly cloudFormation: CloudFormationClient;
}

/**
 * Builds every client with the same settings (see `awsClientConfig`), so that no call of a
 * command goes somewhere else than the others.
 *
 * @example
 * const clients = sdkClients(awsClientConfig(await detectAwsTarget()));
 */
export function sdkClients(config: AwsClientConfig): SdkClients {
  return {
    // Queue URLs come from the stack; the endpoint (real or emulated) decides where calls go.
    sqs: new SQSClient({ ...config, useQueueUrlAsEndpoint: false }),
    dynamodb: new DynamoDBClient(config),
    scheduler: new SchedulerClient(config),
    eventBridge: new EventBridgeClient(config),
    cloudFormation: new CloudFormationClient(config),
  };
}

/**
 * The region a client will use, resolved before its first call so that a missing one is one
 * clear StackConfigError instead of the SDK's "Region is missing" from inside a request.
 */
export async function resolvedRegion(client: CloudFormationClient): Promise<string> {
  try {
    return await client.config.region();
  } catch (error) {
    throw new StackConfigError(
      'no AWS region: set AWS_REGION (or pass --region to the CLI) or a region in your AWS profile; ' +
        'for a local emulator, run npm run local:up in your checkout or set AWS_ENDPOINT_URL',
      { cause: error },
    );
  }
}
