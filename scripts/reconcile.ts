/**
 * `npm run local:reconcile`: closes the gaps between the synthesized template and what the
 * emulator's CloudFormation actually created (MiniStack drops DynamoDB TTL and point-in-time
 * recovery, for example). Every property it compares is logged as `ok:` or `fixed:`; it only
 * ever runs against a local emulator endpoint, never against AWS. The comparison and the fixes
 * live in src/drift/, which `lovage doctor` shares.
 */

import { join } from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { DriftClients } from '../src/drift/live.js';
import { type ReconcileResult, repairDrift } from '../src/drift/repair.js';
import {
  type AssemblyManifest,
  type CfnTemplate,
  findStackArtifact,
} from '../src/drift/template.js';
import { LovageError } from '../src/errors.js';
import { emulatorClientConfig } from './lib/aws.js';
import { assertLocalEndpoint, resolveEndpoint } from './lib/endpoint.js';
import { isEntryPoint, runMain } from './lib/main.js';
import { CDK_OUT, stackName as defaultStackName, logger, readJson } from './lib/project.js';

export type { ReconcileResult } from '../src/drift/repair.js';

export interface ReconcileOptions {
  /** @default `LOVAGE_STACK_NAME`, or `Lovage` */
  readonly stackName?: string;
  /** The cloud assembly holding the synthesized template. @default cdk.out */
  readonly assemblyDir?: string;
}

/** Thrown when reconcile cannot read the template. */
export class ReconcileError extends LovageError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ReconcileError';
  }
}

const log = logger('reconcile');

/**
 * Compares the deployed stack with its synthesized template and fixes what differs, then
 * reads the live state again to confirm each fix held.
 *
 * @example
 * const { notFixed } = await reconcile({ stackName: 'Lovage' });
 */
export async function reconcile(options: ReconcileOptions = {}): Promise<ReconcileResult> {
  const endpoint = resolveEndpoint();
  assertLocalEndpoint(endpoint, 'local:reconcile');
  const assemblyDir = options.assemblyDir ?? CDK_OUT;
  const name = options.stackName ?? defaultStackName();
  const { template, stackName } = readTemplate(assemblyDir, name);
  return repairDrift(template, stackName, clients(), log);
}

function clients(): DriftClients {
  const config = emulatorClientConfig();
  return {
    cfn: new CloudFormationClient(config),
    sqs: new SQSClient(config),
    ddb: new DynamoDBClient(config),
    lambda: new LambdaClient(config),
    scheduler: new SchedulerClient(config),
  };
}

function readTemplate(assemblyDir: string, name: string) {
  const manifest = readJson<AssemblyManifest>(join(assemblyDir, 'manifest.json'));
  const artifact = manifest && findStackArtifact(manifest, name);
  const templateFile = artifact?.templateFile ?? `${name}.template.json`;
  const template = readJson<CfnTemplate>(join(assemblyDir, templateFile));
  if (!template) {
    throw new ReconcileError(
      `no synthesized template for stack ${name} in ${assemblyDir}; run npm run local:deploy first`,
    );
  }
  return { template, stackName: artifact?.stackName ?? name };
}

if (isEntryPoint(import.meta.url)) {
  runMain('reconcile', async () => {
    const result = await reconcile();
    return result.notFixed > 0 ? 1 : 0;
  });
}
