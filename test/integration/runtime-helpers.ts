import { randomUUID } from 'node:crypto';
import { GetQueueAttributesCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { journalPartition } from '../../lambdas/diagnostics/journal.js';
import type { EnvelopeInput } from '../../src/protocol/envelope.js';
import type { HistoryEntry, TaskRecord } from '../../src/protocol/records.js';
import { taskKey } from '../../src/protocol/records.js';
import { type deployed, eventually } from '../helpers/deployed.js';

export type Env = Awaited<ReturnType<typeof deployed>>;
export type Item = TaskRecord & { history: HistoryEntry[] };

export const FINISHED = ['SUCCESS', 'FAILURE', 'REVOKED', 'EXPIRED'];

/** A diagnostics envelope with a fresh id (`prefix-<uuid>`), as any SDK would send it. */
export function envelope(
  prefix: string,
  task: string,
  args: unknown,
  over: Partial<EnvelopeInput> = {},
): EnvelopeInput & { id: string } {
  return {
    v: 1,
    id: `${prefix}-${randomUUID()}`,
    task,
    args,
    tier: 'normal',
    createdAt: new Date().toISOString(),
    source: 'runtime-test',
    ...over,
  };
}

/** Sends envelopes (or raw bodies) to the diagnostics queue in one batch. */
export async function sendRaw(env: Env, bodies: readonly (object | string)[]): Promise<void> {
  await env.sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: env.queue('diagnostics', 'normal').url,
      Entries: bodies.map((body, i) => ({
        Id: `m${i}`,
        MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
      })),
    }),
  );
}

export async function item(env: Env, id: string): Promise<Item | undefined> {
  const out = await env.db.send(
    new GetCommand({ TableName: env.config.tableName, Key: taskKey(id), ConsistentRead: true }),
  );
  return out.Item as Item | undefined;
}

/** The task's item once `accept` holds for it. */
export function itemWhen(
  env: Env,
  id: string,
  what: string,
  accept: (item: Item) => boolean,
  timeoutMs = 90_000,
): Promise<Item> {
  return eventually(
    `task ${id} ${what}`,
    async () => {
      const found = await item(env, id);
      return found && accept(found) ? found : undefined;
    },
    { timeoutMs, intervalMs: 250 },
  );
}

/** The attempt of every handler run a drill task journaled (one entry per run). */
export async function journaledRuns(env: Env, id: string): Promise<number[]> {
  const out = await env.db.send(
    new QueryCommand({
      TableName: env.config.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': journalPartition(id) },
      ConsistentRead: true,
    }),
  );
  return (out.Items ?? []).map((entry) => Number(entry.attempt));
}

export const finished = (env: Env, id: string, timeoutMs?: number) =>
  itemWhen(env, id, 'to finish', (i) => FINISHED.includes(i.state), timeoutMs);

/**
 * Waits until the diagnostics queue holds no message at all (visible, in
 * flight or delayed): every copy of what a test sent has been handled. The
 * runtime files run one after another, so no other file feeds this queue.
 */
export function drained(env: Env): Promise<true> {
  return eventually(
    'the diagnostics queue to drain',
    async () => {
      const out = await env.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: env.queue('diagnostics', 'normal').url,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
      );
      const counts = Object.values(out.Attributes ?? {}).map(Number);
      return counts.length === 3 && counts.every((n) => n === 0) ? true : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 500 },
  );
}

export const states = (i: Item) => i.history.map((h) => h.state);

export const attribute = (
  message: { MessageAttributes?: Record<string, { StringValue?: string }> },
  name: string,
) => message.MessageAttributes?.[name]?.StringValue;
