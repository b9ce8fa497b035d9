import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import {
  ChangeMessageVisibilityBatchCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { defineCatalog, task } from '../../src/catalog/index.js';
import {
  createWorker,
  type Outcome,
  Redelivery,
  type TaskContext,
  TaskRecords,
  Telemetry,
} from '../../src/runtime/index.js';
import { eventually } from '../helpers/deployed.js';
import type { Env } from './runtime-helpers.js';

/*
 * A category worker run in this process, as Lambda would run it, against the
 * emulator's real services: the deployed task table (its condition
 * evaluator), a fresh SQS queue and DLQ of its own (no Lambda consumes them),
 * the stack's delay schedule group. `deliver` receives real messages and
 * applies the batch response like the event-source mapping; `crash` stops
 * applying it, which is what SQS sees when a worker dies. Faults are
 * injected into the SDK clients with middleware.
 */

const Args = z.object({ n: z.number().default(1) });
const quick = { baseSeconds: 1, factor: 2, maxSeconds: 4, jitter: 'none' } as const;

/** One category whose tasks cover every option the runtime honours. */
export const testCatalog = defineCatalog({
  categories: {
    t: {
      timeoutSeconds: 30,
      tasks: {
        't.plain': task({ schema: Args, backoff: quick }),
        't.long_backoff': task({
          schema: Args,
          backoff: { ...quick, baseSeconds: 1000, maxSeconds: 2000 },
        }),
        't.untracked': task({ schema: Args, trackStarted: false, backoff: quick }),
        't.ignored': task({ schema: Args, ignoreResult: true, backoff: quick }),
        't.limited': task({ schema: Args, rateLimit: '2/s' }),
        't.soft': task({ schema: Args, softTimeLimitSeconds: 0.2, backoff: quick }),
        't.final': task({ schema: Args, maxRetries: 0 }),
      },
    },
  },
});

export type TestTask =
  | 't.plain'
  | 't.long_backoff'
  | 't.untracked'
  | 't.ignored'
  | 't.limited'
  | 't.soft'
  | 't.final';
export type TestHandler = (args: { n: number }, ctx: TaskContext) => Promise<unknown>;

/** Fails SDK calls while `when` says so (checked at the start of each call). */
export type Fault = (command: string, input: Record<string, unknown>) => Error | undefined;

export interface Lane {
  readonly url: string;
  readonly arn: string;
  readonly dlqUrl: string;
}

export interface WorkerOptions {
  /** What `context.getRemainingTimeInMillis()` answers (the lease and the hard-limit watch follow). */
  readonly remainingMs?: number;
  readonly faults?: { readonly sqs?: Fault; readonly db?: Fault };
}

const ok: TestHandler = async () => ({ ok: true });

function withFault<C extends SQSClient | DynamoDBClient>(client: C, fault?: Fault): C {
  if (!fault) return client;
  (client.middlewareStack as SQSClient['middlewareStack']).add(
    (next, context) => async (args) => {
      const error = fault(String(context.commandName), args.input as Record<string, unknown>);
      if (error) throw error;
      return next(args);
    },
    { step: 'initialize', name: 'lovageTestFault' },
  );
  return client;
}

/** A queue and its DLQ for one test file; visibility like a 1 s function (6 s). */
export async function createLane(sqs: SQSClient, name: string): Promise<Lane> {
  const make = async (queueName: string) => {
    const out = await sqs.send(
      new CreateQueueCommand({
        QueueName: queueName,
        Attributes: { VisibilityTimeout: '6', ReceiveMessageWaitTimeSeconds: '0' },
      }),
    );
    const url = out.QueueUrl ?? '';
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
    );
    return { url, arn: attrs.Attributes?.QueueArn ?? '' };
  };
  const suffix = randomUUID().slice(0, 8);
  const queue = await make(`lovage-test-${name}-${suffix}`);
  const dlq = await make(`lovage-test-${name}-${suffix}-dlq`);
  return { url: queue.url, arn: queue.arn, dlqUrl: dlq.url };
}

export async function deleteLane(sqs: SQSClient, lane: Lane): Promise<void> {
  await Promise.all(
    [lane.url, lane.dlqUrl].map((QueueUrl) =>
      sqs.send(new DeleteQueueCommand({ QueueUrl })).catch(() => undefined),
    ),
  );
}

/** What a run of a test handler saw; the drills count these. */
export interface RunLog {
  readonly id: string;
  readonly task: string;
  readonly attempt: number;
  readonly at: number;
}

export class InProcessWorker {
  readonly runs: RunLog[] = [];
  readonly metrics: { task: string; outcome: Outcome }[] = [];
  readonly records: TaskRecords;
  private readonly sqs: SQSClient;
  private readonly handler: ReturnType<typeof createWorker>;
  private readonly remainingMs: number;

  constructor(
    private readonly env: Env,
    readonly lane: Lane,
    handlers: Partial<Record<TestTask, TestHandler>> = {},
    options: WorkerOptions = {},
  ) {
    this.remainingMs = options.remainingMs ?? 20_000;
    this.sqs = withFault(new SQSClient({ useQueueUrlAsEndpoint: false }), options.faults?.sqs);
    const dynamodb = withFault(new DynamoDBClient({}), options.faults?.db);
    this.records = new TaskRecords(
      DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }),
      env.config.tableName,
    );
    const logged = (name: TestTask): TestHandler => {
      const handler = handlers[name] ?? ok;
      return (args, ctx) => {
        this.runs.push({ id: ctx.id, task: ctx.task, attempt: ctx.attempt, at: Date.now() });
        return handler(args, ctx);
      };
    };
    this.handler = createWorker(
      testCatalog,
      't',
      {
        't.plain': logged('t.plain'),
        't.long_backoff': logged('t.long_backoff'),
        't.untracked': logged('t.untracked'),
        't.ignored': logged('t.ignored'),
        't.limited': logged('t.limited'),
        't.soft': logged('t.soft'),
        't.final': logged('t.final'),
      },
      {
        records: this.records,
        sqs: this.sqs,
        logger: new Logger({ logLevel: 'SILENT' }),
        deadLetterQueues: new Map([[lane.arn, lane.dlqUrl]]),
        redelivery: new Redelivery(this.sqs, [{ tier: 'normal', arn: lane.arn, url: lane.url }], {
          scheduler: new SchedulerClient({}),
          groupName: env.config.delayScheduleGroup,
          roleArn: env.config.delayRoleArn,
        }),
        telemetry: new Telemetry({
          metrics: (name, outcome) => this.metrics.push({ task: name, outcome }),
        }),
        random: () => 0.5,
      },
    );
  }

  runsOf(id: string): RunLog[] {
    return this.runs.filter((r) => r.id === id);
  }

  /** Sends bodies (envelopes or raw strings) to the lane, in batches of ten. */
  async send(bodies: readonly (object | string)[]): Promise<void> {
    for (let i = 0; i < bodies.length; i += 10) {
      await this.env.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: this.lane.url,
          Entries: bodies.slice(i, i + 10).map((body, j) => ({
            Id: `m${i + j}`,
            MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
          })),
        }),
      );
    }
  }

  /** Receives up to `max` messages as the event-source mapping would hand them over. */
  async receive(max = 10, waitSeconds = 1): Promise<SQSRecord[]> {
    const out = await this.env.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.lane.url,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    return (out.Messages ?? []).map((m) => toRecord(m, this.lane.arn));
  }

  /**
   * Invokes the worker with `records` and, like the event-source mapping,
   * deletes the messages it did not report as failures. With `crashAfterMs`
   * the invocation is abandoned after that long: nothing is deleted, as when
   * a worker process dies (its runs may go on in the background here).
   */
  async deliver(
    records: readonly SQSRecord[],
    options: { readonly crashAfterMs?: number } = {},
  ): Promise<SQSBatchResponse | 'crashed'> {
    const context = { getRemainingTimeInMillis: () => this.remainingMs };
    const invocation = this.handler({ Records: [...records] }, context);
    const crash =
      options.crashAfterMs === undefined
        ? undefined
        : new Promise<'crashed'>((resolve) =>
            setTimeout(() => resolve('crashed'), options.crashAfterMs),
          );
    const outcome = await (crash ? Promise.race([invocation, crash]) : invocation);
    if (outcome === 'crashed') {
      invocation.catch(() => undefined);
      return outcome;
    }
    const failed = new Set(outcome.batchItemFailures.map((f) => f.itemIdentifier));
    const done = records.filter((r) => !failed.has(r.messageId));
    for (let i = 0; i < done.length; i += 10) {
      await this.env.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.lane.url,
          Entries: done.slice(i, i + 10).map((r, j) => ({
            Id: String(j),
            ReceiptHandle: r.receiptHandle,
          })),
        }),
      );
    }
    return outcome;
  }

  /** Deletes received messages without running them (a test's leftovers). */
  async discard(records: readonly SQSRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.env.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: this.lane.url,
        Entries: records.map((r, j) => ({ Id: String(j), ReceiptHandle: r.receiptHandle })),
      }),
    );
  }

  /** Receives and delivers until the lane has nothing visible, in flight or delayed. */
  async drain(timeoutMs = 60_000): Promise<void> {
    await eventually(
      'the lane to drain',
      async () => {
        const batch = await this.receive(10, 1);
        if (batch.length > 0) await this.deliver(batch);
        return (await this.depth()) === 0 ? true : undefined;
      },
      { timeoutMs, intervalMs: 50 },
    );
  }

  /** Visible + in flight + delayed messages in the lane. */
  async depth(url = this.lane.url): Promise<number> {
    const out = await this.env.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    return Object.values(out.Attributes ?? {}).reduce((sum, n) => sum + Number(n), 0);
  }

  /** Every message in the lane's DLQ (received, then made visible again). */
  async deadLetters(): Promise<Message[]> {
    const seen = new Map<string, Message>();
    const handles: string[] = [];
    for (let empty = 0; empty < 2; ) {
      const out = await this.env.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.lane.dlqUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          VisibilityTimeout: 5,
          MessageAttributeNames: ['All'],
        }),
      );
      const batch = out.Messages ?? [];
      if (batch.length === 0) empty++;
      for (const m of batch) {
        seen.set(m.MessageId ?? '', m);
        handles.push(m.ReceiptHandle ?? '');
      }
    }
    for (let i = 0; i < handles.length; i += 10) {
      await this.env.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.lane.dlqUrl,
          Entries: handles
            .slice(i, i + 10)
            .map((ReceiptHandle, j) => ({ Id: String(j), ReceiptHandle, VisibilityTimeout: 0 })),
        }),
      );
    }
    return [...seen.values()];
  }
}

function toRecord(message: Message, arn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? '0',
      SenderId: attributes.SenderId ?? '',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? '0',
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: arn,
    awsRegion: process.env.AWS_REGION ?? 'us-east-1',
  };
}

/** An SDK error by name, as the service would return it. */
export function serviceError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name, $fault: 'server', $metadata: {} });
}
