import { Stack } from 'aws-cdk-lib';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { queueDirectoryParameter } from '../src/protocol/outputs.js';
import { StackValidationError } from './validation.js';

/** CloudFormation's limit on one output value. */
export const OUTPUT_VALUE_LIMIT = 4096;

/** SSM parameter holding the `{ <tier>: { url, dlq } }` queue directory of one category. */
export const queueParameterName = queueDirectoryParameter;

/** One entry of the `TierQueues` output. */
export interface DirectoryEntry {
  readonly key: string;
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * Longest URL CloudFormation can give a queue whose name it generates:
 * `https://sqs.<region>.amazonaws.com/<account>/<stack>-<logical id>-<suffix>`,
 * names capped at 80 characters. Region and account are not known at synth
 * time, so their longest forms are assumed.
 */
function worstCaseUrlLength(stackName: string, queue: sqs.IQueue): number {
  const logicalId = Stack.of(queue).getLogicalId(queue.node.defaultChild as never);
  const name = Math.min(80, stackName.length + 1 + logicalId.length + 1 + 13);
  const region = 'ap-southeast-5'.length;
  return 'https://sqs..amazonaws.com/'.length + region + 12 + 1 + name;
}

/**
 * The worst-case length of the `TierQueues` output once deployed; fails synth
 * before CloudFormation would reject the stack (outputs hold at most 4096
 * characters). The per-category SSM parameters carry the same directory
 * without that limit on the whole.
 */
export function checkQueuesOutputSize(
  stackName: string,
  entries: readonly DirectoryEntry[],
): number {
  const length =
    2 +
    entries.reduce(
      (sum, e) =>
        sum +
        `"${e.key}":{"url":"","dlq":""},`.length +
        worstCaseUrlLength(stackName, e.queue) +
        worstCaseUrlLength(stackName, e.deadLetterQueue),
      0,
    );
  if (length > OUTPUT_VALUE_LIMIT) {
    throw new StackValidationError(
      'TierQueues output',
      `(up to ${length} characters for ${entries.length} queues) must fit CloudFormation's ${OUTPUT_VALUE_LIMIT}-character output limit; read the per-category SSM parameters (${queueParameterName(stackName, '<category>')}) instead and drop the output`,
    );
  }
  return length;
}
