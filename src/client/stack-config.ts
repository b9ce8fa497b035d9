import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DEFAULT_STACK_NAME, STACK_OUTPUTS } from '../protocol/outputs.js';
import { StackConfigError } from './errors.js';

/** A tier queue and its DLQ, as the stack reports them. */
export interface QueuePair {
  readonly url: string;
  readonly dlq: string;
}

/** Where a deployed Lovage stack keeps things. */
export interface StackConfig {
  readonly stackName: string;
  /** Region, account and partition of the stack, read from its stack id (queue ARNs are built from them). */
  readonly region: string;
  readonly account: string;
  readonly partition: string;
  readonly tableName: string;
  /** `"<category>/<tier>"` -> queue pair. */
  readonly queues: Readonly<Record<string, QueuePair>>;
  /** Scheduler group of the beat. */
  readonly scheduleGroup: string;
  /** Scheduler group of one-time schedules (delays over 900 s). */
  readonly delayScheduleGroup: string;
  /** Role Scheduler assumes to deliver a delayed envelope. */
  readonly delayRoleArn: string;
  readonly eventBusName: string;
  readonly dashboardName: string;
  /** Base URL of the monitoring HTTP API (absent on stacks deployed before it existed). */
  readonly monitoringApiUrl?: string;
  /** Table of the task stream's statistics (absent on stacks deployed before it existed). */
  readonly statsTableName?: string;
  /** `dev` or `prod`. */
  readonly stage?: string;
}

export interface StackLookupOptions {
  /** @defaultValue `LOVAGE_STACK_NAME`, else 'Lovage' */
  readonly stackName?: string;
  readonly cloudFormation?: CloudFormationClient;
}

/**
 * Reads the stack's outputs, so a service needs only the stack name and
 * region (and AWS_ENDPOINT_URL against an emulator).
 *
 * The queue map stays a CloudFormation output rather than an SSM parameter:
 * the 1,024-character cap applies to exported values and this one is not
 * exported; each queue pair costs about 250 characters, so a catalog of
 * dozens of categories stays far below the stack-wide output budget, and a
 * sender needs only cloudformation:DescribeStacks (no ssm:GetParameter).
 *
 * @example
 * const config = await loadStackConfig({ stackName: 'Lovage-staging' });
 * console.log(config.queues['email/high']?.url);
 */
export async function loadStackConfig(options: StackLookupOptions = {}): Promise<StackConfig> {
  const stackName = options.stackName ?? process.env.LOVAGE_STACK_NAME ?? DEFAULT_STACK_NAME;
  const cfn = options.cloudFormation ?? new CloudFormationClient({});
  let outputs: Record<string, string>;
  let stackId: string;
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = out.Stacks?.[0];
    if (!stack) throw new StackConfigError(`stack '${stackName}' not found`);
    stackId = stack.StackId ?? '';
    outputs = Object.fromEntries(
      (stack.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']),
    );
  } catch (error) {
    if (error instanceof StackConfigError) throw error;
    const { message, name } = error as Error;
    const reason = isUnreachable(error)
      ? `CloudFormation does not answer (${message})`
      : name === 'CredentialsProviderError'
        ? `no usable AWS credentials (${message})`
        : `${message} (is it deployed in this region and account?)`;
    throw new StackConfigError(`cannot read stack '${stackName}': ${reason}`, { cause: error });
  }
  const need = (key: string): string => {
    const value = outputs[key];
    if (!value)
      throw new StackConfigError(
        `stack '${stackName}' has no output '${key}'; redeploy it with this version of Lovage`,
      );
    return value;
  };
  const [, partition, , region, account] = stackId.split(':');
  if (!partition || !region || !account) {
    throw new StackConfigError(
      `stack '${stackName}' has stack id '${stackId}'; expected arn:<partition>:cloudformation:<region>:<account>:stack/...`,
    );
  }
  return {
    stackName,
    region,
    account,
    partition,
    tableName: need(STACK_OUTPUTS.tableName),
    queues: JSON.parse(need(STACK_OUTPUTS.queues)) as Record<string, QueuePair>,
    scheduleGroup: need(STACK_OUTPUTS.scheduleGroup),
    delayScheduleGroup: need(STACK_OUTPUTS.delayScheduleGroup),
    delayRoleArn: need(STACK_OUTPUTS.delayRoleArn),
    eventBusName: need(STACK_OUTPUTS.eventBusName),
    dashboardName: need(STACK_OUTPUTS.dashboardName),
    ...(outputs[STACK_OUTPUTS.monitoringApiUrl]
      ? { monitoringApiUrl: outputs[STACK_OUTPUTS.monitoringApiUrl] }
      : {}),
    ...(outputs[STACK_OUTPUTS.stage] ? { stage: outputs[STACK_OUTPUTS.stage] } : {}),
    ...(outputs[STACK_OUTPUTS.statsTableName]
      ? { statsTableName: outputs[STACK_OUTPUTS.statsTableName] }
      : {}),
  };
}

/**
 * ARN of a queue of the stack, from its URL (`.../<account>/<name>`) and the
 * stack's partition and region; EventBridge Scheduler targets take ARNs.
 *
 * @example
 * const arn = queueArnOf(config, config.queues['email/low'].url);
 */
export function queueArnOf(config: StackConfig, queueUrl: string): string {
  const [name, account] = new URL(queueUrl).pathname.split('/').filter(Boolean).reverse();
  if (!name || !account) {
    throw new StackConfigError(
      `queue URL '${queueUrl}' of stack '${config.stackName}' does not end in /<account>/<queue name>`,
    );
  }
  return `arn:${config.partition}:sqs:${config.region}:${account}:${name}`;
}

/** Network failures that mean nothing answers at the endpoint (as opposed to an AWS error). */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
]);

/** Whether an SDK call failed because nothing answered at its endpoint. */
export function isUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && UNREACHABLE.has(code);
}
