/** Reconcile checks for DynamoDB tables (`Table` and `GlobalTable`): TTL, PITR and SSE. */
import type { CfnResource } from './template.js';
import { resolveValue } from './template.js';
import { type Check, isRecord, type LiveStack, missingResource } from './types.js';

export const TABLE_TYPES = new Set(['AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable']);

export function checkTable(logicalId: string, resource: CfnResource, live: LiveStack): Check[] {
  const props = resource.Properties ?? {};
  const tableName = live.physicalIds[logicalId];
  if (tableName === undefined) return [missingResource(logicalId, resource)];
  const table = live.tables[logicalId] ?? {};
  const base = { logicalId, type: resource.Type };
  const checks: Check[] = [];

  const ttlSpec = resolveValue(props.TimeToLiveSpecification, live);
  if (!ttlSpec.ok) {
    checks.push({ ...base, property: 'TimeToLive', status: 'unresolved', reason: ttlSpec.reason });
  } else if (isRecord(ttlSpec.value)) {
    const attributeName = String(ttlSpec.value.AttributeName ?? '');
    const enabled = ttlSpec.value.Enabled === true || ttlSpec.value.Enabled === 'true';
    const status = table.ttl?.status ?? 'DISABLED';
    const on = status === 'ENABLED' || status === 'ENABLING';
    const ok = enabled ? on && table.ttl?.attributeName === attributeName : !on;
    const liveAttribute = table.ttl?.attributeName;
    checks.push({
      ...base,
      property: 'TimeToLive',
      status: ok ? 'ok' : 'drift',
      expected: enabled ? `ENABLED on ${attributeName}` : 'DISABLED',
      actual: liveAttribute && on ? `${status} on ${liveAttribute}` : status,
      ...(ok
        ? {}
        : {
            fix: {
              kind: 'dynamodb:UpdateTimeToLive',
              tableName,
              attributeName: enabled ? attributeName : (liveAttribute ?? attributeName),
              enabled,
              ...(enabled && on && liveAttribute ? { disableFirst: liveAttribute } : {}),
            },
          }),
    });
  }

  const pitr = pointInTimeRecovery(resource, live);
  if (pitr !== undefined) {
    const actual = table.pointInTimeRecovery ?? 'DISABLED';
    const ok = (actual === 'ENABLED') === pitr;
    checks.push({
      ...base,
      property: 'PointInTimeRecovery',
      status: ok ? 'ok' : 'drift',
      expected: pitr ? 'ENABLED' : 'DISABLED',
      actual,
      ...(ok
        ? {}
        : { fix: { kind: 'dynamodb:UpdateContinuousBackups', tableName, enabled: pitr } }),
    });
  }

  const sse = resolveValue(props.SSESpecification, live);
  if (
    sse.ok &&
    isRecord(sse.value) &&
    (sse.value.SSEEnabled === true || sse.value.SSEEnabled === 'true')
  ) {
    const actual = table.sseStatus ?? 'missing';
    const ok = ['ENABLED', 'ENABLING', 'UPDATING'].includes(actual);
    const keyId = sse.value.KMSMasterKeyId;
    checks.push({
      ...base,
      property: 'SSESpecification',
      status: ok ? 'ok' : 'drift',
      expected: 'ENABLED',
      actual,
      ...(ok
        ? {}
        : {
            fix: {
              kind: 'dynamodb:UpdateTable',
              tableName,
              sse: {
                Enabled: true,
                SSEType: typeof sse.value.SSEType === 'string' ? sse.value.SSEType : 'KMS',
                ...(typeof keyId === 'string' ? { KMSMasterKeyId: keyId } : {}),
              },
            },
          }),
    });
  }
  return checks;
}

/** PITR wanted for the table; a global table declares it on the replica in this region. */
function pointInTimeRecovery(resource: CfnResource, live: LiveStack): boolean | undefined {
  const props = resource.Properties ?? {};
  let spec: unknown = props.PointInTimeRecoverySpecification;
  if (resource.Type === 'AWS::DynamoDB::GlobalTable' && Array.isArray(props.Replicas)) {
    const replica = props.Replicas.find((candidate: unknown) => {
      if (!isRecord(candidate)) return false;
      const region = resolveValue(candidate.Region, live);
      return region.ok && region.value === live.region;
    });
    spec = isRecord(replica) ? replica.PointInTimeRecoverySpecification : undefined;
  }
  if (!isRecord(spec)) return undefined;
  const enabled = spec.PointInTimeRecoveryEnabled;
  return enabled === true || enabled === 'true';
}
