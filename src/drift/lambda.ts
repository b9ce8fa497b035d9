/**
 * Reconcile checks for `AWS::Lambda::Function` (it exists) and
 * `AWS::Lambda::EventSourceMapping`, the latter matched to the live mapping by function and
 * event source ARN (emulators do not always report the template's physical id).
 */
import type { EventSourceMappingConfiguration, FunctionResponseType } from '@aws-sdk/client-lambda';
import type { CfnResource } from './template.js';
import { resolveValue } from './template.js';
import {
  type Check,
  canonicalJson,
  isRecord,
  type LiveStack,
  type MappingSettings,
  missingResource,
} from './types.js';

/** A function the stack declares must exist: missing from the stack or from Lambda is drift. */
export function checkFunction(logicalId: string, resource: CfnResource, live: LiveStack): Check[] {
  const name = live.physicalIds[logicalId];
  if (name === undefined) return [missingResource(logicalId, resource, 'not in the stack')];
  if (live.functions?.[logicalId] === false) {
    return [missingResource(logicalId, resource, `function ${name} does not exist`)];
  }
  if (live.functions?.[logicalId] === undefined) return [];
  return [
    {
      logicalId,
      type: resource.Type,
      property: 'Resource',
      status: 'ok',
      expected: 'in the live stack',
      actual: name,
    },
  ];
}

export function checkEventSourceMapping(
  logicalId: string,
  resource: CfnResource,
  live: LiveStack,
): Check[] {
  const props = resource.Properties ?? {};
  const base = { logicalId, type: resource.Type };
  const fn = resolveValue(props.FunctionName, live);
  const source = resolveValue(props.EventSourceArn, live);
  if (!fn.ok || !source.ok) {
    const failed = !fn.ok ? fn : (source as Extract<typeof source, { ok: false }>);
    // The mapping's function or queue is not in the live stack: then neither is the mapping.
    if (failed.missing) {
      return [
        {
          ...base,
          property: 'EventSourceMapping',
          status: 'drift',
          expected: 'in the live stack',
          actual: `missing (${failed.missing} is not in the stack)`,
        },
      ];
    }
    return [
      { ...base, property: 'EventSourceMapping', status: 'unresolved', reason: failed.reason },
    ];
  }
  const name = functionName(String(fn.value));
  const eventSourceArn = String(source.value);
  const mapping = (live.eventSourceMappings[name] ?? []).find(
    (candidate) => candidate.EventSourceArn === eventSourceArn,
  );
  const declared = declaredMappingSettings(props, live);
  if (!mapping?.UUID) {
    return [
      {
        ...base,
        property: 'EventSourceMapping',
        status: 'drift',
        expected: `${name} <- ${eventSourceArn}`,
        actual: 'missing',
        fix: {
          kind: 'lambda:CreateEventSourceMapping',
          params: { FunctionName: name, EventSourceArn: eventSourceArn, ...declared },
        },
      },
    ];
  }
  const uuid = mapping.UUID;
  return Object.entries(declared).map(([property, expected]): Check => {
    const actual = liveMappingSetting(mapping, property);
    const ok = canonicalJson(expected) === canonicalJson(actual);
    return {
      ...base,
      property,
      status: ok ? 'ok' : 'drift',
      expected: canonicalJson(expected),
      actual: actual === undefined ? 'missing' : canonicalJson(actual),
      ...(ok
        ? {}
        : {
            fix: {
              kind: 'lambda:UpdateEventSourceMapping',
              uuid,
              changes: { [property]: expected } as MappingSettings,
            },
          }),
    };
  });
}

/** The mapping settings the template declares that reconcile compares. */
function declaredMappingSettings(
  props: Readonly<Record<string, unknown>>,
  live: LiveStack,
): MappingSettings {
  const value = (key: string) => {
    const resolved = resolveValue(props[key], live);
    return resolved.ok ? resolved.value : undefined;
  };
  const out: MappingSettings = {};
  const batchSize = value('BatchSize');
  if (batchSize !== undefined) out.BatchSize = Number(batchSize);
  const window = value('MaximumBatchingWindowInSeconds');
  if (window !== undefined) out.MaximumBatchingWindowInSeconds = Number(window);
  const enabled = value('Enabled');
  if (enabled !== undefined) out.Enabled = enabled === true || enabled === 'true';
  const types = value('FunctionResponseTypes');
  if (Array.isArray(types)) {
    out.FunctionResponseTypes = types.map((type) => String(type) as FunctionResponseType).sort();
  }
  const scaling = value('ScalingConfig');
  if (isRecord(scaling) && scaling.MaximumConcurrency !== undefined) {
    out.ScalingConfig = { MaximumConcurrency: Number(scaling.MaximumConcurrency) };
  }
  return out;
}

function liveMappingSetting(mapping: EventSourceMappingConfiguration, property: string): unknown {
  switch (property) {
    case 'Enabled':
      return mapping.State === undefined
        ? undefined
        : ['Enabled', 'Enabling', 'Creating', 'Updating'].includes(mapping.State);
    case 'FunctionResponseTypes':
      return [...(mapping.FunctionResponseTypes ?? [])].sort();
    case 'ScalingConfig':
      return mapping.ScalingConfig?.MaximumConcurrency === undefined
        ? undefined
        : { MaximumConcurrency: mapping.ScalingConfig.MaximumConcurrency };
    default:
      return (mapping as Record<string, unknown>)[property];
  }
}

/** The function name in a name, an ARN or a partial ARN (`function:name[:qualifier]`). */
export function functionName(nameOrArn: string): string {
  const match = /(?:^|:)function:([^:]+)/.exec(nameOrArn);
  return match?.[1] ?? nameOrArn;
}
