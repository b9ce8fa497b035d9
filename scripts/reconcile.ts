/**
 * `npm run local:reconcile`: closes the gaps between the synthesized template and what the
 * emulator's CloudFormation actually created (MiniStack drops DynamoDB TTL and point-in-time
 * recovery, for example). Every property it compares is logged as `ok:` or `fixed:`; it only
 * ever runs against a local emulator endpoint, never against AWS.
 */

import { join } from 'node:path';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  paginateListStackResources,
} from '@aws-sdk/client-cloudformation';
import {
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  UpdateContinuousBackupsCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateEventSourceMappingCommand,
  type EventSourceMappingConfiguration,
  LambdaClient,
  paginateListEventSourceMappings,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import {
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { LovageError } from '../src/errors.js';
import { emulatorClientConfig, errorName } from './lib/aws.js';
import {
  type AssemblyManifest,
  type CfnTemplate,
  findStackArtifact,
  parseStackArn,
  type ResolveContext,
} from './lib/cfn-template.js';
import { assertLocalEndpoint, resolveEndpoint } from './lib/endpoint.js';
import { isEntryPoint, runMain } from './lib/main.js';
import { CDK_OUT, stackName as defaultStackName, logger, readJson } from './lib/project.js';
import {
  type Check,
  describeDrift,
  eventSourceFunctionNames,
  type FixAction,
  type LiveStack,
  type LiveTable,
  planReconcile,
} from './lib/reconcile/plan.js';

export interface ReconcileOptions {
  /** @default `LOVAGE_STACK_NAME`, or `Lovage` */
  readonly stackName?: string;
  /** The cloud assembly holding the synthesized template. @default cdk.out */
  readonly assemblyDir?: string;
}

export interface ReconcileResult {
  /** Properties compared. */
  readonly checked: number;
  /** Properties that differed and match now. */
  readonly fixed: number;
  /** Properties that still differ after the fix (the emulator does not keep them). */
  readonly notFixed: number;
  /** Properties whose template value could not be resolved, so were not compared. */
  readonly skipped: number;
}

/** Thrown when reconcile cannot read the template or the live stack. */
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
  const aws = clients();

  const before = planReconcile(template, await readLiveStack(template, stackName, aws));
  const drifted = before.filter((check) => check.status === 'drift');
  const errors = new Map<Check, string>();
  for (const check of drifted) {
    if (!check.fix) {
      errors.set(check, 'no API call fixes this; redeploy with npm run local:deploy -- --force');
      continue;
    }
    try {
      await applyFix(check.fix, aws);
    } catch (error) {
      errors.set(check, `${errorName(error)}: ${(error as Error).message}`);
    }
  }
  const after = drifted.length
    ? planReconcile(template, await readLiveStack(template, stackName, aws))
    : before;
  const stillDrifted = new Set(
    after.filter((check) => check.status === 'drift').map((check) => checkKey(check)),
  );

  printOk(before);
  let fixed = 0;
  for (const check of drifted) {
    const error = errors.get(check);
    if (!error && !stillDrifted.has(checkKey(check))) {
      fixed += 1;
      log(`fixed: ${describeDrift(check)}`);
    } else {
      const now = after.find((candidate) => checkKey(candidate) === checkKey(check));
      log(
        `not fixed: ${describeDrift(check)}: ${error ?? `the emulator still reports ${now?.actual}`}`,
      );
    }
  }
  // A fix can reveal drift the first pass could not see (a created mapping's settings).
  const driftedKeys = new Set(drifted.map(checkKey));
  const revealed = after.filter(
    (check) => check.status === 'drift' && !driftedKeys.has(checkKey(check)),
  );
  for (const check of revealed) log(`not fixed: ${describeDrift(check)}: run reconcile again`);
  const skipped = before.filter((check) => check.status === 'unresolved');
  for (const check of skipped) log(`skip: ${check.logicalId} ${check.property} (${check.reason})`);

  const result: ReconcileResult = {
    checked: before.length - skipped.length,
    fixed,
    notFixed: drifted.length - fixed + revealed.length,
    skipped: skipped.length,
  };
  const extra = [
    result.notFixed ? `${result.notFixed} not fixed` : '',
    result.skipped ? `${result.skipped} skipped` : '',
  ].filter(Boolean);
  console.log(
    `reconcile: ${result.checked} checked, ${result.fixed} fixed${extra.length ? `, ${extra.join(', ')}` : ''}`,
  );
  return result;
}

interface Clients {
  readonly cfn: CloudFormationClient;
  readonly sqs: SQSClient;
  readonly ddb: DynamoDBClient;
  readonly lambda: LambdaClient;
}

function clients(): Clients {
  const config = emulatorClientConfig();
  return {
    cfn: new CloudFormationClient(config),
    sqs: new SQSClient(config),
    ddb: new DynamoDBClient(config),
    lambda: new LambdaClient(config),
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

/** Reads everything {@link planReconcile} compares from the emulator. */
async function readLiveStack(
  template: CfnTemplate,
  stackName: string,
  aws: Clients,
): Promise<LiveStack> {
  const stack = await aws.cfn
    .send(new DescribeStacksCommand({ StackName: stackName }))
    .then((out) => out.Stacks?.[0])
    .catch(() => undefined);
  const arn = stack?.StackId && parseStackArn(stack.StackId);
  if (!arn) {
    throw new ReconcileError(`stack ${stackName} is not deployed here; run npm run local:deploy`);
  }
  const physicalIds: Record<string, string> = {};
  for await (const page of paginateListStackResources(
    { client: aws.cfn },
    { StackName: stackName },
  )) {
    for (const resource of page.StackResourceSummaries ?? []) {
      if (resource.LogicalResourceId && resource.PhysicalResourceId) {
        physicalIds[resource.LogicalResourceId] = resource.PhysicalResourceId;
      }
    }
  }
  const resources = Object.entries(template.Resources ?? {});
  const types = Object.fromEntries(resources.map(([id, resource]) => [id, resource.Type]));
  const ofType = (...wanted: string[]) =>
    resources.filter(([id, r]) => wanted.includes(r.Type) && physicalIds[id]).map(([id]) => id);

  const queueAttributes: Record<string, Record<string, string>> = {};
  await Promise.all(
    ofType('AWS::SQS::Queue').map(async (id) => {
      const out = await aws.sqs
        .send(new GetQueueAttributesCommand({ QueueUrl: physicalIds[id], AttributeNames: ['All'] }))
        .catch(() => undefined);
      queueAttributes[id] = out?.Attributes ?? {};
    }),
  );
  const ctx: ResolveContext = { ...arn, stackName, physicalIds, types, queueAttributes };

  const tables: Record<string, LiveTable> = {};
  await Promise.all(
    ofType('AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable').map(async (id) => {
      tables[id] = await readTable(String(physicalIds[id]), aws.ddb);
    }),
  );

  const eventSourceMappings: Record<string, EventSourceMappingConfiguration[]> = {};
  for (const functionName of eventSourceFunctionNames(template, ctx)) {
    const mappings: EventSourceMappingConfiguration[] = [];
    try {
      for await (const page of paginateListEventSourceMappings(
        { client: aws.lambda },
        { FunctionName: functionName },
      )) {
        mappings.push(...(page.EventSourceMappings ?? []));
      }
    } catch {
      // A function that is gone has no mappings; the plan reports them missing.
    }
    eventSourceMappings[functionName] = mappings;
  }
  return { ...ctx, tables, eventSourceMappings };
}

async function readTable(tableName: string, ddb: DynamoDBClient): Promise<LiveTable> {
  const [ttl, backups, table] = await Promise.all([
    ddb.send(new DescribeTimeToLiveCommand({ TableName: tableName })).catch(() => undefined),
    ddb.send(new DescribeContinuousBackupsCommand({ TableName: tableName })).catch(() => undefined),
    ddb.send(new DescribeTableCommand({ TableName: tableName })).catch(() => undefined),
  ]);
  const description = backups?.ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
  return {
    ttl: {
      status: ttl?.TimeToLiveDescription?.TimeToLiveStatus,
      attributeName: ttl?.TimeToLiveDescription?.AttributeName,
    },
    pointInTimeRecovery: description?.PointInTimeRecoveryStatus,
    sseStatus: table?.Table?.SSEDescription?.Status,
  };
}

async function applyFix(fix: FixAction, aws: Clients): Promise<void> {
  switch (fix.kind) {
    case 'sqs:SetQueueAttributes':
      await aws.sqs.send(
        new SetQueueAttributesCommand({
          QueueUrl: fix.queueUrl,
          Attributes: { ...fix.attributes },
        }),
      );
      return;
    case 'dynamodb:UpdateTimeToLive':
      if (fix.disableFirst) {
        await aws.ddb.send(
          new UpdateTimeToLiveCommand({
            TableName: fix.tableName,
            TimeToLiveSpecification: { AttributeName: fix.disableFirst, Enabled: false },
          }),
        );
      }
      await aws.ddb.send(
        new UpdateTimeToLiveCommand({
          TableName: fix.tableName,
          TimeToLiveSpecification: { AttributeName: fix.attributeName, Enabled: fix.enabled },
        }),
      );
      return;
    case 'dynamodb:UpdateContinuousBackups':
      await aws.ddb.send(
        new UpdateContinuousBackupsCommand({
          TableName: fix.tableName,
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: fix.enabled },
        }),
      );
      return;
    case 'dynamodb:UpdateTable':
      await aws.ddb.send(
        new UpdateTableCommand({
          TableName: fix.tableName,
          SSESpecification: {
            ...fix.sse,
            SSEType: fix.sse.SSEType === 'AES256' ? 'AES256' : 'KMS',
          },
        }),
      );
      return;
    case 'lambda:UpdateEventSourceMapping':
      await aws.lambda.send(
        new UpdateEventSourceMappingCommand({ UUID: fix.uuid, ...fix.changes }),
      );
      return;
    case 'lambda:CreateEventSourceMapping':
      await aws.lambda.send(new CreateEventSourceMappingCommand(fix.params));
      return;
  }
}

/** One `ok:` line per resource, naming the properties that matched. */
function printOk(checks: readonly Check[]): void {
  const byResource = new Map<string, string[]>();
  for (const check of checks) {
    if (check.status !== 'ok') continue;
    const properties = byResource.get(check.logicalId) ?? [];
    properties.push(check.property);
    byResource.set(check.logicalId, properties);
  }
  for (const [logicalId, properties] of byResource)
    log(`ok: ${logicalId} ${properties.join(', ')}`);
}

function checkKey(check: Check): string {
  return `${check.logicalId}\u0000${check.property}`;
}

if (isEntryPoint(import.meta.url)) {
  runMain('reconcile', async () => {
    const result = await reconcile();
    return result.notFixed > 0 ? 1 : 0;
  });
}
