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
}

export interface StackLookupOptions {
  /** @defaultValue `LOVAGE_STACK_NAME`, else 'Lovage' */
  readonly stackName?: string;
  readonly cloudFormation?: CloudFormationClient;
}

/**
 * Reads the stack's outputs, so a service needs only the stack name and
 * region (and AWS_ENDPOINT_URL against an emulator).
 */
export async function loadStackConfig(options: StackLookupOptions = {}): Promise<StackConfig> {
  const stackName = options.stackName ?? process.env.LOVAGE_STACK_NAME ?? DEFAULT_STACK_NAME;
  const cfn = options.cloudFormation ?? new CloudFormationClient({});
  let outputs: Record<string, string>;
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = out.Stacks?.[0];
    if (!stack) throw new StackConfigError(`stack '${stackName}' not found`);
    outputs = Object.fromEntries(
      (stack.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']),
    );
  } catch (error) {
    if (error instanceof StackConfigError) throw error;
    throw new StackConfigError(
      `cannot read stack '${stackName}': ${(error as Error).message} (is it deployed in this region and account?)`,
      { cause: error },
    );
  }
  const need = (key: string): string => {
    const value = outputs[key];
    if (!value)
      throw new StackConfigError(
        `stack '${stackName}' has no output '${key}'; redeploy it with this version of Lovage`,
      );
    return value;
  };
  return {
    stackName,
    tableName: need(STACK_OUTPUTS.tableName),
    queues: JSON.parse(need(STACK_OUTPUTS.queues)) as Record<string, QueuePair>,
    scheduleGroup: need(STACK_OUTPUTS.scheduleGroup),
    delayScheduleGroup: need(STACK_OUTPUTS.delayScheduleGroup),
    delayRoleArn: need(STACK_OUTPUTS.delayRoleArn),
    eventBusName: need(STACK_OUTPUTS.eventBusName),
    dashboardName: need(STACK_OUTPUTS.dashboardName),
  };
}
