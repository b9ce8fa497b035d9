import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Catalog, TaskArgs, TaskNamesOf, Tier } from '../catalog/index.js';
import { TIERS } from '../catalog/index.js';
import { createEnvelope, MESSAGE_ATTRIBUTES } from '../protocol/envelope.js';
import { type TaskError, type TaskRecord, type TaskState, taskKey } from '../protocol/records.js';
import { SendOptionsError, StackConfigError } from './errors.js';
import { loadStackConfig, type StackConfig, type StackLookupOptions } from './stack-config.js';

/** SQS's largest message (256 KiB); larger payloads are rejected before sending. */
export const MAX_MESSAGE_BYTES = 262_144;
/** SQS's longest per-message delay. */
export const MAX_COUNTDOWN_SECONDS = 900;

export interface SendOptions {
  /**
   * Queue tier, overriding the task's catalog default.
   * @defaultValue the task's `tier`
   */
  readonly tier?: Tier;
  /**
   * Task id. Sending twice with the same id runs the task once.
   * @defaultValue a random UUID
   */
  readonly id?: string;
  /** Carried on every log line and lifecycle event of the task. */
  readonly correlationId?: string;
  /**
   * Seconds to wait before the task may run (0 to 900).
   * @defaultValue 0
   */
  readonly countdownSeconds?: number;
}

/** What `send` returns: enough to look the task up later. */
export interface TaskHandle {
  readonly id: string;
  readonly task: string;
  readonly tier: Tier;
  readonly messageId: string;
}

/** A task's state as `get` reports it. */
export interface TaskStatus {
  readonly id: string;
  readonly state: TaskState;
  readonly task?: string;
  readonly attempt?: number;
  readonly result?: unknown;
  readonly error?: TaskError;
  readonly createdAt?: string;
  readonly updatedAt?: string;
  readonly finishedAt?: string;
}

type CategoriesOf<K extends Catalog> = NonNullable<K['__categories']>;

/** AWS SDK clients the Lovage client uses; pass your own to share connections or for tests. */
export interface ClientDependencies {
  readonly sqs?: SQSClient;
  readonly dynamodb?: DynamoDBClient;
}

/**
 * Sends tasks and reads their state. Generic over the catalog: task names and
 * payload types are checked at compile time, payloads are validated against
 * their schemas before anything is sent.
 *
 * @example
 * const lovage = await LovageClient.fromStack(catalog);
 * const { id } = await lovage.send('email.send', {
 *   from: 'noreply@example.com', to: ['ada@example.com'], subject: 'Hi', text: 'Welcome!',
 * });
 * console.log(await lovage.get(id));
 */
export class LovageClient<K extends Catalog> {
  private readonly sqs: SQSClient;
  private readonly db: DynamoDBDocumentClient;

  constructor(
    readonly catalog: K,
    readonly config: StackConfig,
    dependencies: ClientDependencies = {},
  ) {
    // Queue URLs come from the stack; the endpoint (real or emulated) decides where calls go.
    this.sqs = dependencies.sqs ?? new SQSClient({ useQueueUrlAsEndpoint: false });
    this.db = DynamoDBDocumentClient.from(dependencies.dynamodb ?? new DynamoDBClient({}), {
      marshallOptions: { removeUndefinedValues: true },
    });
  }

  /** Builds a client from the deployed stack's outputs (stack name and region from the environment by default). */
  static async fromStack<K extends Catalog>(
    catalog: K,
    options: StackLookupOptions & ClientDependencies = {},
  ): Promise<LovageClient<K>> {
    return new LovageClient(catalog, await loadStackConfig(options), options);
  }

  /**
   * Validates `args` against the task's schema and sends the task to its tier
   * queue. Throws {@link PayloadValidationError} (naming each bad field),
   * {@link UnknownTaskError} or {@link SendOptionsError} before anything is sent.
   *
   * @example
   * const handle = await lovage.send('email.check_quota', { warnAtPercent: 90 }, { tier: 'high' });
   */
  async send<N extends TaskNamesOf<CategoriesOf<K>>>(
    task: N,
    args: TaskArgs<CategoriesOf<K>, N>,
    options: SendOptions = {},
  ): Promise<TaskHandle> {
    const definition = this.catalog.task(task);
    this.catalog.parseArgs(task, args);
    const tier = options.tier ?? definition.tier;
    if (!TIERS.includes(tier))
      throw new SendOptionsError(`tier '${tier}' is not one of ${TIERS.join(', ')}`);
    const countdown = options.countdownSeconds ?? 0;
    if (!Number.isInteger(countdown) || countdown < 0 || countdown > MAX_COUNTDOWN_SECONDS) {
      throw new SendOptionsError(
        `countdownSeconds (${countdown}) must be a whole number from 0 to ${MAX_COUNTDOWN_SECONDS}`,
      );
    }
    const queue = this.config.queues[`${definition.category}/${tier}`];
    if (!queue) {
      throw new StackConfigError(
        `stack '${this.config.stackName}' has no '${tier}' queue for category '${definition.category}'; add a task on that tier to the catalog and redeploy`,
      );
    }
    const envelope = createEnvelope({
      id: options.id ?? randomUUID(),
      task,
      args,
      tier,
      source: 'client',
      ...(options.correlationId ? { correlationId: options.correlationId } : {}),
    });
    const body = JSON.stringify(envelope);
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes > MAX_MESSAGE_BYTES) {
      throw new SendOptionsError(
        `task '${task}' envelope is ${bytes} bytes; SQS accepts at most ${MAX_MESSAGE_BYTES}. Store large inputs (e.g. in S3) and send a reference`,
      );
    }
    const out = await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: body,
        DelaySeconds: countdown,
        MessageAttributes: {
          [MESSAGE_ATTRIBUTES.taskName]: { DataType: 'String', StringValue: task },
          [MESSAGE_ATTRIBUTES.taskId]: { DataType: 'String', StringValue: envelope.id },
        },
      }),
    );
    return { id: envelope.id, task, tier, messageId: out.MessageId ?? '' };
  }

  /** The task's state, result or error. A task with no record yet is PENDING. */
  async get(id: string): Promise<TaskStatus> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.config.tableName, Key: taskKey(id), ConsistentRead: true }),
    );
    const item = out.Item as TaskRecord | undefined;
    if (!item) return { id, state: 'PENDING' };
    return {
      id,
      state: item.state,
      task: item.task,
      attempt: item.attempt,
      createdAt: item.createdAt,
      updatedAt: item.updatedAt,
      ...(item.finishedAt ? { finishedAt: item.finishedAt } : {}),
      ...(item.result !== undefined ? { result: item.result } : {}),
      ...(item.error ? { error: item.error } : {}),
    };
  }
}
