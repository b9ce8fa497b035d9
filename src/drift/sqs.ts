/** Reconcile checks for `AWS::SQS::Queue`: every property that is also a queue attribute. */
import type { CfnResource } from './template.js';
import { resolveValue } from './template.js';
import { type Check, canonicalJson, type LiveStack, missingResource } from './types.js';

/** SQS queue properties whose CloudFormation name is also the queue attribute name. */
const SQS_NUMBERS = [
  'VisibilityTimeout',
  'MessageRetentionPeriod',
  'DelaySeconds',
  'MaximumMessageSize',
  'ReceiveMessageWaitTimeSeconds',
  'KmsDataKeyReusePeriodSeconds',
] as const;
const SQS_BOOLEANS = ['SqsManagedSseEnabled', 'ContentBasedDeduplication'] as const;

export function checkQueue(logicalId: string, resource: CfnResource, live: LiveStack): Check[] {
  const props = resource.Properties ?? {};
  const queueUrl = live.physicalIds[logicalId];
  const attributes = live.queueAttributes[logicalId] ?? {};
  const base = { logicalId, type: resource.Type };
  if (queueUrl === undefined) return [missingResource(logicalId, resource)];
  const checks: Check[] = [];

  const compare = (property: string, wanted: string, equal: (actual?: string) => boolean) => {
    const actual = attributes[property];
    const ok = equal(actual);
    checks.push({
      ...base,
      property,
      status: ok ? 'ok' : 'drift',
      expected: wanted,
      actual: actual ?? 'missing',
      ...(ok
        ? {}
        : {
            fix: { kind: 'sqs:SetQueueAttributes', queueUrl, attributes: { [property]: wanted } },
          }),
    });
  };

  for (const property of Object.keys(props).filter(isChecked)) {
    const resolved = resolveValue(props[property], live);
    if (!resolved.ok) {
      checks.push({ ...base, property, status: 'unresolved', reason: resolved.reason });
      continue;
    }
    const value = resolved.value;
    if ((SQS_NUMBERS as readonly string[]).includes(property)) {
      compare(property, String(Number(value)), (actual) => Number(actual) === Number(value));
    } else if ((SQS_BOOLEANS as readonly string[]).includes(property)) {
      const wanted = String(value).toLowerCase();
      compare(property, wanted, (actual) => (actual ?? 'false').toLowerCase() === wanted);
    } else if (property === 'KmsMasterKeyId') {
      compare(property, String(value), (actual) => sameKmsKey(String(value), actual));
    } else if (property === 'RedrivePolicy') {
      const wanted = redrivePolicy(value);
      compare(property, JSON.stringify(wanted), (actual) => sameRedrivePolicy(wanted, actual));
    } else {
      const wanted = canonicalJson(typeof value === 'string' ? JSON.parse(value) : value);
      compare(property, wanted, (actual) => sameJson(wanted, actual));
    }
  }
  return checks;
}

function isChecked(property: string): boolean {
  return (
    (SQS_NUMBERS as readonly string[]).includes(property) ||
    (SQS_BOOLEANS as readonly string[]).includes(property) ||
    property === 'KmsMasterKeyId' ||
    property === 'RedrivePolicy' ||
    property === 'RedriveAllowPolicy'
  );
}

function redrivePolicy(value: unknown): { deadLetterTargetArn: string; maxReceiveCount: number } {
  const policy = (typeof value === 'string' ? JSON.parse(value) : value) as Record<string, unknown>;
  return {
    deadLetterTargetArn: String(policy.deadLetterTargetArn),
    maxReceiveCount: Number(policy.maxReceiveCount),
  };
}

function sameRedrivePolicy(
  wanted: { deadLetterTargetArn: string; maxReceiveCount: number },
  actual: string | undefined,
): boolean {
  if (!actual) return false;
  try {
    const live = redrivePolicy(actual);
    return (
      live.deadLetterTargetArn === wanted.deadLetterTargetArn &&
      live.maxReceiveCount === wanted.maxReceiveCount
    );
  } catch {
    return false;
  }
}

/** Key ids, key ARNs and alias names of one key compare equal (`key/<id>` vs `<id>`). */
function sameKmsKey(wanted: string, actual: string | undefined): boolean {
  if (actual === undefined) return false;
  const short = (key: string) =>
    key.replace(/^arn:[^:]+:kms:[^:]*:[^:]*:/, '').replace(/^key\//, '');
  return short(wanted) === short(actual);
}

function sameJson(wanted: string, actual: string | undefined): boolean {
  if (!actual) return false;
  try {
    return canonicalJson(JSON.parse(actual)) === wanted;
  } catch {
    return false;
  }
}
