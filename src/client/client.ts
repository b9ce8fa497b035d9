import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Catalog } from '../catalog/index.js';
import { LovageError } from '../errors.js';
import {
  awsClientConfig,
  type DetectOptions,
  detectAwsTarget,
  targetNotice,
} from '../local/index.js';
import {
  type ChainOf,
  type LaterStepOf,
  type MemberOf,
  membersOf,
  sendWorkflow,
  type WorkflowHandle,
  type WorkflowSendOptions,
  workflowHandle,
} from '../workflows/client.js';
import { failure, type IndexedSend, sendBatches } from './batch.js';
import { mapLimit } from './concurrency.js';
import { BatchValidationError, type InvalidEntry, SendOptionsError } from './errors.js';
import { messageAttributes, type PreparedSend, prepareSend } from './prepare.js';
import { publishEvent } from './publish.js';
import { getTask, listTasks, waitFor } from './reads.js';
import { revokeTask } from './revoke.js';
import { scheduleDelivery } from './scheduled.js';
import { resolvedRegion, sdkClients } from './sdk-clients.js';
import { loadStackConfig, type StackConfig, type StackLookupOptions } from './stack-config.js';
import type {
  ArgsOf,
  DomainEvent,
  FailedSend,
  ListOptions,
  RevokeOptions,
  RevokeResult,
  SendManyOptions,
  SendManyResult,
  SendOptions,
  SendRequest,
  TaskHandle,
  TaskName,
  TaskStatus,
  WaitOptions,
} from './types.js';

/** AWS SDK clients the Lovage client uses; pass your own to share connections or for tests. */
export interface ClientDependencies {
  readonly sqs?: SQSClient;
  readonly dynamodb?: DynamoDBClient;
  readonly scheduler?: SchedulerClient;
  readonly eventBridge?: EventBridgeClient;
}

/** Options of {@link LovageClient.fromCheckout}. */
export interface CheckoutClientOptions extends DetectOptions {
  /** @defaultValue `LOVAGE_STACK_NAME`, else 'Lovage' */
  readonly stackName?: string;
  /**
   * Receives the one line that says the checkout's emulator is used.
   * @defaultValue writes it to stderr
   */
  readonly notify?: (line: string) => void;
}

/**
 * Sends tasks and reads their state: Celery's `delay()` and `AsyncResult`.
 * Generic over the catalog: task names and payload types are checked at
 * compile time, payloads are validated against their schemas before
 * anything is sent.
 *
 * @example
 * const lovage = await LovageClient.fromStack(catalog);
 * const { id } = await lovage.send('email.send', {
 *   from: 'noreply@example.com', to: ['ada@example.com'], subject: 'Hi', text: 'Welcome!',
 * });
 * const done = await lovage.wait(id, { timeoutMs: 30_000 });
 */
export class LovageClient<K extends Catalog> {
  private readonly sqs: SQSClient;
  private readonly db: DynamoDBDocumentClient;
  private readonly scheduler: SchedulerClient;
  private readonly eventBridge: EventBridgeClient;

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
    this.scheduler = dependencies.scheduler ?? new SchedulerClient({});
    this.eventBridge = dependencies.eventBridge ?? new EventBridgeClient({});
  }

  /**
   * Builds a client from the deployed stack's outputs (stack name from
   * `LOVAGE_STACK_NAME`, default 'Lovage'; region and endpoint from the
   * usual AWS environment).
   *
   * @example
   * const lovage = await LovageClient.fromStack(catalog, { stackName: 'Lovage-staging' });
   */
  static async fromStack<K extends Catalog>(
    catalog: K,
    options: StackLookupOptions & ClientDependencies = {},
  ): Promise<LovageClient<K>> {
    return new LovageClient(catalog, await loadStackConfig(options), options);
  }

  /**
   * For scripts and tools run from a Lovage checkout: finds the stack the way the `lovage` CLI
   * does. When nothing in the environment asks for anything (no `AWS_ENDPOINT_URL`, profile,
   * credentials), it uses the emulator `npm run local:up` started in this checkout, if that
   * still answers, with dummy credentials, and says so in one line on stderr; otherwise it
   * follows the environment exactly like {@link fromStack}, and it never sends the dummy
   * credentials anywhere but a local endpoint. Throws AwsTargetError when the checkout's
   * emulator has stopped answering, rather than quietly going to AWS instead.
   *
   * This is a separate entry point, not part of `fromStack`, because services in production
   * call `fromStack`: their configuration must not depend on files in the working directory
   * or on what answers on localhost.
   *
   * @example
   * // scripts/send-welcome.ts, run with `npx tsx scripts/send-welcome.ts` after `npm run local:up`
   * const lovage = await LovageClient.fromCheckout(catalog);
   * await lovage.send('email.check_quota', {});
   */
  static async fromCheckout<K extends Catalog>(
    catalog: K,
    options: CheckoutClientOptions = {},
  ): Promise<LovageClient<K>> {
    const target = await detectAwsTarget(options);
    const clients = sdkClients(awsClientConfig(target));
    await resolvedRegion(clients.cloudFormation);
    const notice = targetNotice(target);
    if (notice) (options.notify ?? ((line) => console.error(line)))(`lovage: ${notice}`);
    return LovageClient.fromStack(catalog, {
      ...clients,
      ...(options.stackName ? { stackName: options.stackName } : {}),
    });
  }

  /**
   * Validates `args` against the task's schema and sends the task: to its
   * tier queue, delayed by SQS up to 900 s, or through a one-time Scheduler
   * schedule for a later eta. Throws PayloadValidationError (naming each bad
   * field), UnknownTaskError or SendOptionsError before anything is sent.
   *
   * @example
   * await lovage.send('email.check_quota', { warnAtPercent: 90 }, { tier: 'high' });
   * await lovage.send('email.check_quota', {}, { eta: '2026-12-24T08:00:00Z', expires: '2026-12-24T09:00:00Z' });
   */
  async send<N extends TaskName<K>>(
    task: N,
    args: ArgsOf<K, N>,
    options: SendOptions = {},
  ): Promise<TaskHandle> {
    const prepared = prepareSend(this.catalog, this.config, task, args, options);
    if (prepared.scheduleAt) return this.schedule(prepared);
    const { envelope } = prepared;
    const out = await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: prepared.queue.url,
        MessageBody: prepared.body,
        DelaySeconds: prepared.delaySeconds,
        MessageAttributes: messageAttributes(envelope),
      }),
    );
    return {
      id: envelope.id,
      task: envelope.task,
      tier: envelope.tier,
      delivery: 'queue',
      ...(out.MessageId ? { messageId: out.MessageId } : {}),
      ...(envelope.eta ? { eta: envelope.eta } : {}),
    };
  }

  /**
   * Sends many tasks: every entry is validated first (one BatchValidationError
   * lists all bad entries, and then nothing is sent), then they go out with
   * SendMessageBatch in tens, a few batches in parallel, throttled entries
   * retried with backoff. Entries that still fail are returned in `failed`,
   * never dropped: check it.
   *
   * @example
   * const { sent, failed } = await lovage.sendMany(
   *   users.map((u) => ({ task: 'email.check_quota', args: { warnAtPercent: 90 }, options: { correlationId: u.id } })),
   * );
   * if (failed.length > 0) throw new Error(`${failed.length} tasks not sent`);
   */
  async sendMany(
    requests: readonly SendRequest<K>[],
    options: SendManyOptions = {},
  ): Promise<SendManyResult> {
    const { concurrency = 8, maxAttempts = 5, baseDelayMs = 100 } = options;
    for (const [name, value, min] of [
      ['concurrency', concurrency, 1],
      ['maxAttempts', maxAttempts, 1],
      ['baseDelayMs', baseDelayMs, 0],
    ] as const) {
      if (!Number.isInteger(value) || value < min) {
        throw new SendOptionsError(`${name} (${value}) must be a whole number of at least ${min}`);
      }
    }
    const invalid: InvalidEntry[] = [];
    const prepared: IndexedSend[] = [];
    const now = new Date();
    requests.forEach((request, index) => {
      try {
        const ready = prepareSend(
          this.catalog,
          this.config,
          request.task,
          request.args,
          request.options,
          now,
        );
        prepared.push({ index, prepared: ready });
      } catch (error) {
        if (!(error instanceof LovageError)) throw error;
        invalid.push({ index, task: String(request.task), error });
      }
    });
    if (invalid.length > 0) throw new BatchValidationError(invalid);

    const queued = prepared.filter((p) => !p.prepared.scheduleAt);
    const scheduled = prepared.filter((p) => p.prepared.scheduleAt);
    const [batched, delayed] = await Promise.all([
      sendBatches(this.sqs, queued, { concurrency, maxAttempts, baseDelayMs }),
      mapLimit(scheduled, concurrency, async (entry) => {
        try {
          return { ...(await this.schedule(entry.prepared)), index: entry.index };
        } catch (error) {
          const { name, message } = error as Error;
          return failure(entry, { code: name, message }, false, 1);
        }
      }),
    ]);
    type Outcome = (typeof delayed)[number];
    const isFailure = (r: Outcome): r is FailedSend => 'code' in r;
    const isSent = (r: Outcome): r is Exclude<Outcome, FailedSend> => !('code' in r);
    return {
      sent: [...batched.sent, ...delayed.filter(isSent)].sort((a, b) => a.index - b.index),
      failed: [...batched.failed, ...delayed.filter(isFailure)].sort((a, b) => a.index - b.index),
    };
  }

  /**
   * The task's state, result or error, progress and history. A task with no
   * record yet is PENDING.
   *
   * @example
   * const { state, result, error, progress, history } = await lovage.get(id);
   */
  async get(id: string): Promise<TaskStatus> {
    return getTask(this.db, this.config.tableName, id);
  }

  /**
   * Polls until the task is SUCCESS, FAILURE, REVOKED or EXPIRED and returns
   * its status (a FAILURE is returned, not thrown); throws WaitTimeoutError
   * after `timeoutMs` (default 60 s).
   *
   * @example
   * const status = await lovage.wait(id, { timeoutMs: 120_000 });
   * if (status.state !== 'SUCCESS') console.error(status.error);
   */
  async wait(id: string, options: WaitOptions = {}): Promise<TaskStatus> {
    return waitFor(id, () => this.get(id), options);
  }

  /**
   * Revokes a task: REVOKED in its record (created if the task has none yet;
   * a finished task is left alone) and its pending one-time schedule
   * deleted. A queued copy is skipped, a running one is aborted at its next
   * progress checkpoint.
   *
   * @example
   * const { revoked } = await lovage.revoke(id, { reason: 'order cancelled' });
   */
  async revoke(id: string, options: RevokeOptions = {}): Promise<RevokeResult> {
    if (options.task !== undefined) this.catalog.task(options.task);
    return revokeTask({ db: this.db, scheduler: this.scheduler, config: this.config }, id, options);
  }

  /**
   * Recent tasks, newest first, through the table's sharded indexes (no Scan).
   *
   * @example
   * const failed = await lovage.list({ state: 'FAILURE', since: new Date(Date.now() - 3_600_000) });
   * const recent = await lovage.list({ task: 'email.send', limit: 20 });
   */
  async list(options: ListOptions = {}): Promise<TaskStatus[]> {
    return listTasks(this.db, this.config.tableName, this.catalog, options);
  }

  /**
   * Publishes a domain event on the stack's EventBridge bus, where catalog
   * triggers turn it into tasks. Returns the event id.
   *
   * @example
   * await lovage.publish({ source: 'shop.orders', detailType: 'OrderPlaced', detail: { orderId: 'o-42' } });
   */
  async publish(event: DomainEvent): Promise<string> {
    return publishEvent(this.eventBridge, this.config.eventBusName, event);
  }

  /**
   * Sends a chain (Celery's `chain`): each step runs after the previous one succeeded and
   * receives its result, a JSON object, with the step's own `args` merged over it
   * (`{ ...result, ...args }`), validated by the step's schema when it is due. A failed step
   * stops the chain and the workflow is FAILURE naming it.
   *
   * @example
   * const flow = await lovage.chain([
   *   { task: 'logs.process_file', args: { date, fileId } },
   *   { task: 'logs.embed' },
   *   { task: 'logs.analyze' },
   * ]);
   * const { state, result, steps } = await flow.wait();
   */
  async chain(steps: ChainOf<K>, options: WorkflowSendOptions<K> = {}): Promise<WorkflowHandle> {
    return sendWorkflow(this.workflowDeps(), { kind: 'chain', steps: [...steps] }, options);
  }

  /**
   * Sends a group (Celery's `group`): its members (tasks or chains) run side by side; it
   * succeeds with their results in group order once all have, and fails naming its first
   * failed member once all have ended.
   *
   * @example
   * const flow = await lovage.group(ids.map((fileId) => ({ task: 'logs.process_file', args: { date, fileId } })));
   */
  async group(
    members: readonly MemberOf<K>[],
    options: WorkflowSendOptions<K> = {},
  ): Promise<WorkflowHandle> {
    return sendWorkflow(
      this.workflowDeps(),
      { kind: 'group', members: membersOf(members) },
      options,
    );
  }

  /**
   * Sends a chord (Celery's `chord`): a group, then `callback` once with
   * `{ ...args, results }`, every member's result in group order. Joins exactly once
   * however often members are delivered; a member that fails for good ends the chord
   * FAILURE naming it (and sends `linkError`, if given).
   *
   * @example
   * const flow = await lovage.chord(members, { task: 'logs.analyze', args: { date } });
   */
  async chord(
    members: readonly MemberOf<K>[],
    callback: LaterStepOf<K>,
    options: WorkflowSendOptions<K> = {},
  ): Promise<WorkflowHandle> {
    return sendWorkflow(
      this.workflowDeps(),
      { kind: 'chord', members: membersOf(members), callback },
      options,
    );
  }

  /**
   * A handle on a workflow sent earlier, by its id.
   *
   * @example
   * const status = await lovage.workflow('wf-42').get();
   */
  workflow(id: string): WorkflowHandle {
    return workflowHandle(this.workflowDeps(), id);
  }

  private workflowDeps() {
    const { db, sqs, scheduler, catalog, config } = this;
    return { db, sqs, scheduler, catalog, config };
  }

  private schedule(prepared: PreparedSend): Promise<TaskHandle> {
    return scheduleDelivery(
      { db: this.db, scheduler: this.scheduler, config: this.config },
      prepared,
    );
  }
}
