/**
 * A bare SQS → function → DynamoDB pipeline deployed by a bench beside the stack, on the same
 * emulator: a scratch queue, a scratch table keyed by `id`, the function of bare-handler.ts
 * (bundled like the stack's functions) and an event source mapping between them. The function
 * and its mapping copy the settings of a Lovage worker's mapping (runtime, architecture,
 * memory, timeout, role, batch size, batching window, maximum concurrency, partial batch
 * responses), so the two differ only in what runs in the handler. Meant for an emulator: on
 * AWS the borrowed role would not reach the scratch table.
 *
 * @example
 * const bare = await deployBarePipeline(clients, lovageQueueArn);
 * try { await bare.send(ids); } finally { await bare.remove(); }
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateRawSync } from 'node:zlib';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  DeleteEventSourceMappingCommand,
  DeleteFunctionCommand,
  type EventSourceMappingConfiguration,
  GetFunctionConfigurationCommand,
  type LambdaClient,
  ListEventSourceMappingsCommand,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { mapLimit } from '../../src/client/concurrency.js';
import { bundleLikeTheStack } from './bundle.js';
import { scratchTable } from './scratch-table.js';

const HANDLER = fileURLToPath(new URL('./bare-handler.ts', import.meta.url));
const OUT = resolve('.lovage/bench/bare-pipeline');

export interface BareClients {
  readonly sqs: SQSClient;
  readonly db: DynamoDBClient;
  readonly lambda: LambdaClient;
}

/** A deployed bare pipeline. */
export interface BarePipeline {
  readonly table: string;
  readonly queueUrl: string;
  readonly functionName: string;
  /** The Lovage mapping it copies. */
  readonly like: EventSourceMappingConfiguration;
  /** SendMessageBatch in tens, `concurrency` batches at once (sendMany's default is 8). */
  send(ids: readonly string[], concurrency?: number): Promise<void>;
  /** Deletes the mapping, the function, the queue and the table. */
  remove(): Promise<void>;
}

/** The SQS ARN of a queue URL. */
export async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const arn = Attributes?.QueueArn;
  if (!arn) throw new Error(`no QueueArn for ${queueUrl}`);
  return arn;
}

/** The event source mapping that feeds `sourceArn` to a function. */
export async function mappingOf(
  lambda: LambdaClient,
  sourceArn: string,
): Promise<EventSourceMappingConfiguration> {
  // Filtered here, not with the EventSourceArn parameter: MiniStack returns every mapping.
  const all: EventSourceMappingConfiguration[] = [];
  let Marker: string | undefined;
  do {
    const page = await lambda.send(new ListEventSourceMappingsCommand({ Marker }));
    all.push(...(page.EventSourceMappings ?? []));
    Marker = page.NextMarker;
  } while (Marker);
  const found = all.find((m) => m.EventSourceArn === sourceArn);
  if (!found) throw new Error(`no event source mapping reads ${sourceArn}`);
  return found;
}

/** Deploys the pipeline with the settings of the mapping that reads `likeQueueArn`. */
export async function deployBarePipeline(
  { sqs, db, lambda }: BareClients,
  likeQueueArn: string,
): Promise<BarePipeline> {
  const like = await mappingOf(lambda, likeQueueArn);
  const fn = await lambda.send(
    new GetFunctionConfigurationCommand({ FunctionName: like.FunctionArn }),
  );
  const name = `lovage-bench-bare-${randomUUID().slice(0, 8)}`;
  const { outfile } = await bundleLikeTheStack(HANDLER, join(OUT, 'index.js'));

  const undo: (() => Promise<unknown>)[] = [];
  const remove = async () => {
    for (const step of undo.reverse()) await step().catch(() => undefined);
  };
  try {
    const table = await scratchTable(db, ['id'], name);
    undo.push(() => db.send(new DeleteTableCommand({ TableName: table })));
    const { QueueUrl: queueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: { VisibilityTimeout: String((fn.Timeout ?? 30) * 6) },
      }),
    );
    if (!queueUrl) throw new Error('CreateQueue returned no QueueUrl');
    undo.push(() => sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })));
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: fn.Runtime,
        Architectures: fn.Architectures,
        MemorySize: fn.MemorySize,
        Timeout: fn.Timeout,
        Role: fn.Role,
        Handler: 'index.handler',
        Code: { ZipFile: zipOf('index.js', readFileSync(outfile)) },
        Environment: { Variables: { BARE_TABLE: table } },
      }),
    );
    undo.push(() => lambda.send(new DeleteFunctionCommand({ FunctionName: name })));
    await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 60 }, { FunctionName: name });
    const mapping = await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: name,
        EventSourceArn: await queueArn(sqs, queueUrl),
        BatchSize: like.BatchSize,
        MaximumBatchingWindowInSeconds: like.MaximumBatchingWindowInSeconds,
        ScalingConfig: like.ScalingConfig,
        FunctionResponseTypes: like.FunctionResponseTypes,
      }),
    );
    undo.push(() => lambda.send(new DeleteEventSourceMappingCommand({ UUID: mapping.UUID })));
    return {
      table,
      queueUrl,
      functionName: name,
      like,
      async send(ids, concurrency = 8) {
        const batches: string[][] = [];
        for (let i = 0; i < ids.length; i += 10) batches.push(ids.slice(i, i + 10));
        await mapLimit(batches, concurrency, async (batch) => {
          const out = await sqs.send(
            new SendMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: batch.map((id, i) => ({
                Id: String(i),
                MessageBody: JSON.stringify({ id }),
              })),
            }),
          );
          if (out.Failed?.length) throw new Error(`bare send failed: ${out.Failed[0]?.Message}`);
        });
      },
      remove,
    };
  } catch (error) {
    await remove();
    throw error;
  }
}

/** A zip archive holding one file, deflated: what CreateFunction takes as ZipFile. */
export function zipOf(name: string, content: Buffer): Buffer {
  const data = deflateRawSync(content);
  const file = Buffer.from(name);
  const crc = crc32(content);
  const header = (signature: number, size: number) => {
    const b = Buffer.alloc(size);
    b.writeUInt32LE(signature, 0);
    return b;
  };
  // Local file header: version 2.0, no flags, deflate, no time, crc, sizes, name.
  const local = header(0x04034b50, 30);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(content.length, 22);
  local.writeUInt16LE(file.length, 26);
  // Central directory entry: the same, plus the local header's offset (0).
  const central = header(0x02014b50, 46);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(content.length, 24);
  central.writeUInt16LE(file.length, 28);
  central.writeUInt32LE(0o100644 * 0x10000, 38);
  const centralSize = central.length + file.length;
  const end = header(0x06054b50, 22);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(local.length + file.length + data.length, 16);
  return Buffer.concat([local, file, data, central, file, end]);
}
