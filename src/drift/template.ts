/**
 * Reading a synthesized CloudFormation template against a deployed stack: the intrinsic
 * functions CDK emits (`Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`) are resolved with the live
 * physical ids so that a template value can be compared with what the emulator reports.
 * Pure: everything live is passed in.
 */

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
}

export interface CfnTemplate {
  readonly Resources?: Readonly<Record<string, CfnResource>>;
}

/** The part of the cloud assembly manifest that locates a stack's template. */
export interface AssemblyManifest {
  readonly artifacts?: Readonly<
    Record<
      string,
      {
        readonly type?: string;
        readonly displayName?: string;
        readonly properties?: { readonly templateFile?: string; readonly stackName?: string };
      }
    >
  >;
}

/** A stack in the cloud assembly. */
export interface StackArtifact {
  /** The id the CDK CLI selects the stack by (`cdk deploy <id>`). */
  readonly id: string;
  /** The CloudFormation stack name. */
  readonly stackName: string;
  /** The template file, relative to the assembly directory. */
  readonly templateFile: string;
}

/** What resolution needs to know about the deployed stack. */
export interface ResolveContext {
  readonly region: string;
  readonly accountId: string;
  readonly partition: string;
  readonly stackName: string;
  /** Logical id to physical id, as CloudFormation reports them. */
  readonly physicalIds: Readonly<Record<string, string>>;
  /** Logical id to resource type, from the template. */
  readonly types: Readonly<Record<string, string>>;
  /** Live queue attributes by logical id (for `Fn::GetAtt [Queue, Arn]`). */
  readonly queueAttributes: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Live stream ARNs of tables by logical id (for `Fn::GetAtt [Table, StreamArn]`). */
  readonly tableStreamArns?: Readonly<Record<string, string>>;
}

export type Resolved =
  | { readonly ok: true; readonly value: unknown }
  | {
      readonly ok: false;
      readonly reason: string;
      /** Set when the value names a resource the live stack does not have: that logical id. */
      readonly missing?: string;
    };

/**
 * Finds a stack in the cloud assembly by its id or its stack name.
 *
 * @example findStackArtifact(manifest, 'Lovage') // { id: 'Lovage', stackName: 'Lovage', templateFile: 'Lovage.template.json' }
 */
export function findStackArtifact(
  manifest: AssemblyManifest,
  name: string,
): StackArtifact | undefined {
  for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const stackName = artifact.properties?.stackName ?? id;
    if (id !== name && stackName !== name && artifact.displayName !== name) continue;
    return {
      id: artifact.displayName ?? id,
      stackName,
      templateFile: artifact.properties?.templateFile ?? `${id}.template.json`,
    };
  }
  return undefined;
}

/** Account, region and partition of a stack, from its ARN (`arn:aws:cloudformation:...`). */
export function parseStackArn(
  stackArn: string,
): { partition: string; region: string; accountId: string } | undefined {
  const [arn, partition, service, region, accountId] = stackArn.split(':');
  if (arn !== 'arn' || service !== 'cloudformation' || !partition || !region || !accountId) {
    return undefined;
  }
  return { partition, region, accountId };
}

/** Resolves a template value (with any intrinsic functions in it) against the live stack. */
export function resolveValue(value: unknown, ctx: ResolveContext): Resolved {
  if (value === null || typeof value !== 'object') return { ok: true, value };
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const item of value) {
      const resolved = resolveValue(item, ctx);
      if (!resolved.ok) return resolved;
      items.push(resolved.value);
    }
    return { ok: true, value: items };
  }
  const entries = Object.entries(value as Record<string, unknown>);
  const [first] = entries;
  if (entries.length === 1 && first && (first[0] === 'Ref' || first[0].startsWith('Fn::'))) {
    return resolveIntrinsic(first[0], first[1], ctx);
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of entries) {
    const resolved = resolveValue(item, ctx);
    if (!resolved.ok) return resolved;
    out[key] = resolved.value;
  }
  return { ok: true, value: out };
}

function resolveIntrinsic(name: string, arg: unknown, ctx: ResolveContext): Resolved {
  switch (name) {
    case 'Ref':
      return typeof arg === 'string' ? resolveRef(arg, ctx) : unresolved(name, arg);
    case 'Fn::GetAtt': {
      const [id, attribute] = Array.isArray(arg) ? arg : String(arg).split(/\.(.*)/s);
      return typeof id === 'string' && typeof attribute === 'string'
        ? resolveGetAtt(id, attribute, ctx)
        : unresolved(name, arg);
    }
    case 'Fn::Join': {
      if (!Array.isArray(arg) || typeof arg[0] !== 'string') return unresolved(name, arg);
      const parts = resolveValue(arg[1], ctx);
      if (!parts.ok) return parts;
      if (!Array.isArray(parts.value)) return unresolved(name, arg);
      return { ok: true, value: parts.value.map(String).join(arg[0]) };
    }
    case 'Fn::Sub':
      return resolveSub(arg, ctx);
    default:
      return unresolved(name, arg);
  }
}

function resolveRef(id: string, ctx: ResolveContext): Resolved {
  const pseudo: Record<string, string> = {
    'AWS::Region': ctx.region,
    'AWS::AccountId': ctx.accountId,
    'AWS::Partition': ctx.partition,
    'AWS::StackName': ctx.stackName,
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const value = pseudo[id] ?? ctx.physicalIds[id];
  return value === undefined
    ? { ok: false, reason: `${id} has no physical id in the live stack`, missing: id }
    : { ok: true, value };
}

function resolveGetAtt(id: string, attribute: string, ctx: ResolveContext): Resolved {
  const physical = ctx.physicalIds[id];
  if (physical === undefined)
    return { ok: false, reason: `${id} has no physical id in the live stack`, missing: id };
  const { partition, region, accountId } = ctx;
  const arnPrefix = (service: string) => `arn:${partition}:${service}:${region}:${accountId}`;
  const type = ctx.types[id];
  let value: string | undefined;
  if (type === 'AWS::SQS::Queue') {
    if (attribute === 'Arn') value = ctx.queueAttributes[id]?.QueueArn;
    if (attribute === 'QueueUrl') value = physical;
    if (attribute === 'QueueName') value = physical.split('/').pop();
  } else if (type === 'AWS::KMS::Key') {
    if (attribute === 'Arn') value = `${arnPrefix('kms')}:key/${physical}`;
    if (attribute === 'KeyId') value = physical;
  } else if (type === 'AWS::Lambda::Function') {
    if (attribute === 'Arn') value = `${arnPrefix('lambda')}:function:${physical}`;
  } else if (type === 'AWS::DynamoDB::Table' || type === 'AWS::DynamoDB::GlobalTable') {
    if (attribute === 'Arn') value = `${arnPrefix('dynamodb')}:table/${physical}`;
    if (attribute === 'StreamArn') value = ctx.tableStreamArns?.[id];
  }
  return value === undefined
    ? {
        ok: false,
        reason: `cannot resolve Fn::GetAtt ${id}.${attribute} (${type ?? 'unknown type'})`,
      }
    : { ok: true, value };
}

function resolveSub(arg: unknown, ctx: ResolveContext): Resolved {
  const [text, vars] = Array.isArray(arg) ? arg : [arg, {}];
  if (typeof text !== 'string' || typeof vars !== 'object' || vars === null) {
    return unresolved('Fn::Sub', arg);
  }
  let failure: Resolved | undefined;
  const value = text.replace(/\$\{([^}!]+)\}/g, (_, ref: string) => {
    const local = (vars as Record<string, unknown>)[ref];
    const [id, attribute] = ref.split(/\.(.*)/s);
    const resolved =
      local !== undefined
        ? resolveValue(local, ctx)
        : attribute !== undefined && id !== undefined
          ? resolveGetAtt(id, attribute, ctx)
          : resolveRef(ref, ctx);
    if (!resolved.ok) failure ??= resolved;
    return resolved.ok ? String(resolved.value) : '';
  });
  return failure ?? { ok: true, value: value.replace(/\$\{!/g, '${') };
}

function unresolved(name: string, arg: unknown): Resolved {
  return { ok: false, reason: `cannot resolve ${name} ${JSON.stringify(arg)}` };
}
