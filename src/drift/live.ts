/**
 * Reading the live state of a deployed stack and applying fixes: the I/O half of drift
 * checking. `npm run local:reconcile` and `lovage doctor` share it; the pure comparison is in
 * plan.ts.
 */
import {
  type CloudFormationClient,
  DescribeStacksCommand,
  paginateListStackResources,
} from '@aws-sdk/client-cloudformation';
import {
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  UpdateContinuousBackupsCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateEventSourceMappingCommand,
  type EventSourceMappingConfiguration,
  GetFunctionConfigurationCommand,
  type LambdaClient,
  paginateListEventSourceMappings,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import {
  GetScheduleCommand,
  type SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import {
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { LovageError } from '../errors.js';
import { eventSourceFunctionNames } from './plan.js';
import { type CfnTemplate, parseStackArn, type ResolveContext, resolveValue } from './template.js';
import type { FixAction, LiveSchedule, LiveStack, LiveTable } from './types.js';

/** The live stack could not be read. */
export class DriftError extends LovageError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DriftError';
  }
}

export interface DriftClients {
  readonly cfn: CloudFormationClient;
  readonly sqs: SQSClient;
  readonly ddb: DynamoDBClient;
  readonly lambda: LambdaClient;
  readonly scheduler: SchedulerClient;
}

/** Reads everything {@link planReconcile} compares from the emulator. */
export async function readLiveStack(
  template: CfnTemplate,
  stackName: string,
  aws: DriftClients,
): Promise<LiveStack> {
  const stack = await aws.cfn
    .send(new DescribeStacksCommand({ StackName: stackName }))
    .then((out) => out.Stacks?.[0])
    .catch(() => undefined);
  const arn = stack?.StackId && parseStackArn(stack.StackId);
  if (!arn) {
    throw new DriftError(`stack ${stackName} is not deployed here; deploy it first`);
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
  const tables: Record<string, LiveTable> = {};
  await Promise.all(
    ofType('AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable').map(async (id) => {
      tables[id] = await readTable(String(physicalIds[id]), aws.ddb);
    }),
  );
  const tableStreamArns = Object.fromEntries(
    Object.entries(tables).flatMap(([id, t]) => (t.streamArn ? [[id, t.streamArn]] : [])),
  );
  const ctx: ResolveContext = {
    ...arn,
    stackName,
    physicalIds,
    types,
    queueAttributes,
    tableStreamArns,
  };

  const functions: Record<string, boolean> = {};
  await Promise.all(
    ofType('AWS::Lambda::Function').map(async (id) => {
      functions[id] = await aws.lambda
        .send(new GetFunctionConfigurationCommand({ FunctionName: physicalIds[id] }))
        .then(
          () => true,
          (error: Error) => {
            if (error.name === 'ResourceNotFoundException') return false;
            throw error;
          },
        );
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
  const schedules: Record<string, LiveSchedule> = {};
  await Promise.all(
    ofType('AWS::Scheduler::Schedule').map(async (id) => {
      const group = resolveValue(template.Resources?.[id]?.Properties?.GroupName ?? 'default', ctx);
      const GroupName = group.ok ? String(group.value) : 'default';
      const out = await aws.scheduler
        .send(new GetScheduleCommand({ Name: physicalIds[id], GroupName }))
        .catch(() => undefined);
      if (!out) return;
      schedules[id] = {
        GroupName,
        ...(out.ScheduleExpression ? { ScheduleExpression: out.ScheduleExpression } : {}),
        ...(out.ScheduleExpressionTimezone
          ? { ScheduleExpressionTimezone: out.ScheduleExpressionTimezone }
          : {}),
        ...(out.State ? { State: out.State } : {}),
        ...(out.FlexibleTimeWindow?.Mode
          ? { FlexibleTimeWindowMode: out.FlexibleTimeWindow.Mode }
          : {}),
      };
    }),
  );
  return { ...ctx, tables, functions, eventSourceMappings, schedules };
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
    ...(table?.Table?.LatestStreamArn ? { streamArn: table.Table.LatestStreamArn } : {}),
  };
}

export async function applyFix(fix: FixAction, aws: DriftClients): Promise<void> {
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
    case 'scheduler:UpdateSchedule':
      await replaceSchedule(aws.scheduler, fix.name, fix.groupName, fix.changes);
      return;
  }
}

/**
 * UpdateSchedule replaces a schedule's whole definition, so the live one is read and sent
 * back with `changes` applied: nothing the caller did not mean to change is lost.
 *
 * @example
 * await replaceSchedule(scheduler, 'nightly', 'beat', { State: 'DISABLED' });
 */
export async function replaceSchedule(
  scheduler: SchedulerClient,
  name: string,
  groupName: string,
  changes: Readonly<Record<string, unknown>>,
): Promise<void> {
  const current = await scheduler.send(
    new GetScheduleCommand({ Name: name, GroupName: groupName }),
  );
  await scheduler.send(
    new UpdateScheduleCommand({
      Name: name,
      GroupName: groupName,
      ScheduleExpression: current.ScheduleExpression,
      ScheduleExpressionTimezone: current.ScheduleExpressionTimezone,
      FlexibleTimeWindow: current.FlexibleTimeWindow,
      Target: current.Target,
      Description: current.Description,
      StartDate: current.StartDate,
      EndDate: current.EndDate,
      KmsKeyArn: current.KmsKeyArn,
      ActionAfterCompletion: current.ActionAfterCompletion,
      State: current.State,
      ...changes,
    }),
  );
}
