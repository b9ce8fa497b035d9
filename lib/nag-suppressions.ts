import { type CfnElement, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';

/*
 * cdk-nag AwsSolutions findings that are acknowledged rather than fixed, each
 * with its reason. Findings are matched exactly (rule id plus the offending
 * resource), so a new wildcard anywhere else still fails the checks.
 */

const logicalId = (resource: IConstruct) =>
  Stack.of(resource).getLogicalId(resource.node.defaultChild as CfnElement);

/** `<region>:<account>` of an ARN as cdk-nag prints it: literal when the stack's env is concrete. */
function regionAccount(scope: IConstruct): string {
  const { region, account } = Stack.of(scope);
  const show = (value: string, pseudo: string) => (Token.isUnresolved(value) ? pseudo : value);
  return `${show(region, '<AWS::Region>')}:${show(account, '<AWS::AccountId>')}`;
}

function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** Query on a table's own GSIs: CDK grants `<table>/index/*` of that one table. */
export function acknowledgeTableIndexes(scope: IConstruct, table: dynamodb.ITable): void {
  acknowledge(
    scope,
    `AwsSolutions-IAM5[Resource::<${logicalId(table)}.Arn>/index/*]`,
    `Query on the indexes of ${table.node.path} only (index ARNs are "<table>/index/<name>").`,
  );
}

/** Objects under one category's prefix of the data bucket. */
export function acknowledgeBucketPrefix(
  scope: IConstruct,
  bucket: s3.IBucket,
  prefix: string,
): void {
  acknowledge(
    scope,
    `AwsSolutions-IAM5[Resource::<${logicalId(bucket)}.Arn>/${prefix}*]`,
    `Objects under the category's own prefix "${prefix}" only; the keys below it are dates and task ids known at run time.`,
  );
}

/** ses:SendEmail is authorised against the sender identity, which is task input (attach to that statement's own policy). */
export function acknowledgeSesIdentities(scope: IConstruct): void {
  acknowledge(
    scope,
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:${regionAccount(scope)}:identity/*]`,
    'ses:SendEmail is authorised against the sender identity, which is task input (any verified identity of the account); SES refuses unverified ones.',
  );
}

/**
 * ses:GetAccount has no resource-level permissions. Attach this to the
 * policy that holds that one statement, never to a role or a worker: on a
 * wider scope it would excuse every later grant on "*".
 */
export function acknowledgeSesAccount(scope: IConstruct): void {
  acknowledge(
    scope,
    'AwsSolutions-IAM5[Resource::*]',
    'ses:GetAccount (the quota check) has no resource-level permissions; this policy holds that one statement and nothing else.',
  );
}

/** One-time delay schedules are named at run time, inside the stack's delay group. */
export function acknowledgeDelaySchedules(
  scope: IConstruct,
  groupName: string,
  /** The schedule names granted: a category's prefix, or `*` for a client. */
  names = '*',
): void {
  acknowledge(
    scope,
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:${regionAccount(scope)}:schedule/${Stack.of(scope).resolve(groupName)}/${names}]`,
    names === '*'
      ? "One-time schedules for delays over 900 s are named from task ids at run time; the grant is limited to the stack's delay schedule group."
      : "One-time schedules for delays over 900 s are named from task ids at run time; the grant is limited to this category's schedules in the stack's delay schedule group.",
  );
}

/** A DLQ of Scheduler or EventBridge deliveries has no DLQ of its own. */
export function acknowledgeEventDeadLetterQueue(queue: IConstruct): void {
  acknowledge(
    queue,
    'AwsSolutions-SQS3',
    'This queue is itself a dead-letter queue (of Scheduler ticks or EventBridge trigger deliveries, set on the schedule or rule target, which cdk-nag does not see); it is alarmed on and keeps messages 14 days.',
  );
}

/** The workers' runtime version is a deliberate pin. */
export function acknowledgeRuntimePin(stack: Stack): void {
  acknowledge(
    stack,
    'AwsSolutions-L1',
    'Workers are pinned to nodejs22.x (arm64), the runtime the project supports and tests and the one the local emulator runs; moving to a newer runtime is a deliberate upgrade.',
  );
}

/** The task stream's DLQ receives descriptions of batches the stream gave up on. */
export function acknowledgeStreamDeadLetterQueue(queue: IConstruct): void {
  acknowledge(
    queue,
    'AwsSolutions-SQS3',
    "This queue is itself a dead-letter queue: the task stream's on-failure destination for batches that kept failing; it is alarmed on and keeps messages 14 days.",
  );
}

/** The observer's stream event source: CDK grants dynamodb:ListStreams, which has no resource-level permissions. */
export function acknowledgeStreamListing(scope: IConstruct): void {
  acknowledge(
    scope,
    'AwsSolutions-IAM5[Resource::*]',
    "dynamodb:ListStreams (granted by the DynamoDB event source) has no resource-level permissions; reading records is limited to the task table's stream.",
  );
}

/** The monitoring API reads what the CLI reads; three of its actions have no resource-level permissions. */
export function acknowledgeMonitoringApi(
  scope: IConstruct,
  table: dynamodb.ITable,
  beatGroupName: string,
): void {
  const stack = Stack.of(scope);
  acknowledgeTableIndexes(scope, table);
  acknowledge(
    scope,
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:${regionAccount(scope)}:schedule/${stack.resolve(beatGroupName)}/*]`,
    "Reads (GetSchedule) the beat's schedules, whose names come from the catalog; limited to the stack's beat group.",
  );
  acknowledge(
    scope,
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudformation:${regionAccount(scope)}:stack/${stack.stackName}/*]`,
    "DescribeStacks on its own stack (the outputs configure it, as they configure the CLI); the stack id's suffix is not known at synth.",
  );
  acknowledge(
    scope,
    'AwsSolutions-IAM5[Resource::*]',
    'scheduler:ListSchedules and cloudwatch:GetMetricData (queue age for /health and /metrics) have no resource-level permissions; nothing else is granted on "*".',
  );
}
