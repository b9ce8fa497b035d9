/**
 * The Python configuration of a Celery app that sends to a deployed Lovage
 * stack and reads its results (SPEC §1), generated from the stack's queues
 * and the catalog's default tiers: users cannot guess the queue URLs.
 */
import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { Catalog } from '../catalog/index.js';
import type { QueuePair, StackConfig } from '../client/index.js';
import { LovageError } from '../errors.js';
import { STACK_OUTPUTS } from '../protocol/outputs.js';

/** The four settings that point a Celery app at Lovage, as `app.conf` keys. */
export interface CeleryClientConfig {
  readonly broker_transport_options: {
    readonly region: string;
    /** kombu must neither list nor create queues: Lovage's names are generated. */
    readonly predefined_queues: Readonly<Record<string, { readonly url: string }>>;
  };
  /** Each catalog task to the queue of its default tier. */
  readonly task_routes: Readonly<Record<string, { readonly queue: string }>>;
  /** Where tasks no route names go (else Celery sends to a queue called `celery`). */
  readonly task_default_queue: string;
  /** Celery's DynamoDB result backend on the stack's result table; null when it has none. */
  readonly result_backend: string | null;
}

/** Asked for a default queue the stack does not have. */
export class CeleryConfigError extends LovageError {
  constructor(message: string) {
    super(message);
    this.name = 'CeleryConfigError';
  }
}

/**
 * The Celery-side name of a tier queue, `lovage-<category>-<tier>`. kombu
 * canonicalises queue names (`.` to `-`, other punctuation to `_`) before
 * looking them up in `predefined_queues`, so `email/high` would never match.
 */
export const celeryQueueName = (key: string): string => `lovage-${key.replace('/', '-')}`;

export interface CeleryConfigInput {
  readonly catalog: Catalog;
  readonly stack: Pick<StackConfig, 'region' | 'queues'>;
  /** The `CeleryResultTableName` output, when the stack has one. */
  readonly resultTable?: string;
  /**
   * `<category>/<tier>` of the queue unrouted tasks go to. The catalog
   * refuses tasks it does not know with a FAILURE (Python: `NotRegistered`).
   * @default `diagnostics/normal` if the stack has it, else its first queue
   */
  readonly defaultQueue?: string;
}

/** The configuration for `input`'s stack (see {@link CeleryClientConfig}). */
export function celeryClientConfig(input: CeleryConfigInput): CeleryClientConfig {
  const { catalog, stack } = input;
  const keys = Object.keys(stack.queues).sort();
  const predefined = Object.fromEntries(
    keys.map((key) => [celeryQueueName(key), { url: (stack.queues[key] as QueuePair).url }]),
  );
  const routes = Object.fromEntries(
    [...catalog.tasks.values()]
      .filter((t) => stack.queues[`${t.category}/${t.tier}`])
      .map((t) => [t.name, { queue: celeryQueueName(`${t.category}/${t.tier}`) }]),
  );
  const fallback = keys.includes('diagnostics/normal') ? 'diagnostics/normal' : keys[0];
  const defaultKey = input.defaultQueue ?? fallback;
  if (!defaultKey || !stack.queues[defaultKey]) {
    throw new CeleryConfigError(
      `default queue '${defaultKey ?? ''}' is not a queue of the stack; it has ${keys.join(', ')}`,
    );
  }
  return {
    broker_transport_options: { region: stack.region, predefined_queues: predefined },
    task_routes: routes,
    task_default_queue: celeryQueueName(defaultKey),
    result_backend: input.resultTable ? `dynamodb://@${stack.region}/${input.resultTable}` : null,
  };
}

/** Reads the stack's `CeleryResultTableName` output; undefined when results are off. */
export async function celeryResultTableOf(
  cfn: CloudFormationClient,
  stackName: string,
): Promise<string | undefined> {
  const out = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
  const outputs = out.Stacks?.[0]?.Outputs ?? [];
  return outputs.find((o) => o.OutputKey === STACK_OUTPUTS.celeryResultTable)?.OutputValue;
}

const py = (value: string | null): string =>
  value === null ? 'None' : `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * `config` as a Python module for `app.config_from_object(...)`, with the
 * broker URL and the settings that must keep their defaults.
 */
export function celeryConfigModule(config: CeleryClientConfig, stackName: string): string {
  const { region, predefined_queues: queues } = config.broker_transport_options;
  const lines = [
    `# Celery settings for the Lovage stack '${stackName}' (${region}), from \`lovage celery-config\`.`,
    "# Save as lovage_celery.py and load with app.config_from_object('lovage_celery').",
    "broker_url = 'sqs://'",
    'broker_transport_options = {',
    `    'region': ${py(region)},`,
    "    # kombu must not list or create queues: Lovage's queue names are generated.",
    "    'predefined_queues': {",
    ...Object.entries(queues).map(([name, q]) => `        ${py(name)}: {'url': ${py(q.url)}},`),
    '    },',
    '}',
    'task_routes = {',
    ...Object.entries(config.task_routes).map(
      ([task, route]) => `    ${py(task)}: {'queue': ${py(route.queue)}},`,
    ),
    '}',
    `task_default_queue = ${py(config.task_default_queue)}`,
    config.result_backend
      ? '# Lovage owns this table and its TTL: do not add ?ttl_seconds=... to the URL.'
      : '# This stack has no Celery result table (catalog celery.resultTable, or -c celeryResults=true).',
    `result_backend = ${py(config.result_backend)}`,
    "# Keep the defaults: task_serializer = 'json', result_serializer = 'json', task_protocol = 2.",
    '',
  ];
  return lines.join('\n');
}
