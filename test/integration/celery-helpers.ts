import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { LambdaClient, paginateListFunctions } from '@aws-sdk/client-lambda';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { type CeleryClientName, ensureCeleryClient } from '../../scripts/lib/celery-client.js';
import type { CeleryClientConfig } from '../../src/celery/client-config.js';
import { CeleryResultMirror, celeryKey } from '../../src/celery/index.js';
import { delayScheduleName } from '../../src/protocol/delays.js';
import { CELERY_ENV } from '../../src/protocol/env.js';
import type { TaskRecord } from '../../src/protocol/records.js';
import type { TaskChange } from '../../src/stream/types.js';
import { CeleryDriver } from '../helpers/celery/client.js';
import { deployed, eventually } from '../helpers/deployed.js';
import { FINISHED, item } from './runtime-helpers.js';

const BIN = fileURLToPath(new URL('../../bin/lovage.mjs', import.meta.url));

/** The Celery clients every Celery test runs against: the pinned release and the newest 5.x. */
export const CELERY_CLIENT_NAMES: readonly CeleryClientName[] = ['5.7', 'latest'];

export type CeleryEnv = Awaited<ReturnType<typeof celeryEnv>>;

/**
 * The deployed stack, a running Python Celery client configured with the output of
 * `lovage celery-config --json` (exactly what a user pastes), and the Celery result mirror
 * on the stack's result table, for tests that feed it directly.
 */
export async function celeryEnv(name: CeleryClientName) {
  const env = await deployed();
  const client = await ensureCeleryClient(name, (m) => console.log(`celery ${name}: ${m}`));
  const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'celery-config', '--json']);
  const config = JSON.parse(stdout) as CeleryClientConfig;
  const resultTable = config.result_backend?.split('/').pop();
  if (!resultTable) throw new Error('the deployed stack has no Celery result table');
  const { driver, celery } = await CeleryDriver.start(client, config);
  const dynamodb = new DynamoDBClient({});
  const mirror = new CeleryResultMirror({ db: dynamodb, tableName: resultTable });
  return { ...env, celeryConfig: config, celery, driver, mirror, resultTable, dynamodb };
}

/**
 * Every version of a task's record from now until it finishes (or `until` holds), read
 * back from the table with consistent reads every 50 ms. Fast transitions between two
 * reads are seen only in their final form, as a stream batch might coalesce them.
 */
export async function watchRecord(
  env: Pick<CeleryEnv, 'db' | 'config'> & Parameters<typeof item>[0],
  id: string,
  until: (record: TaskRecord) => boolean = (r) => FINISHED.includes(r.state),
  timeoutMs = 90_000,
): Promise<TaskRecord[]> {
  const seen: TaskRecord[] = [];
  const key = (r: TaskRecord) => `${r.history?.length ?? 0}#${r.updatedAt}`;
  await eventually(
    `task ${id} to finish`,
    async () => {
      const current = await item(env, id);
      if (current && key(current) !== (seen.at(-1) ? key(seen.at(-1) as TaskRecord) : '')) {
        seen.push(current);
      }
      return current && until(current) ? true : undefined;
    },
    { timeoutMs, intervalMs: 50 },
  );
  return seen;
}

/** The stream changes the versions of one record amount to: an INSERT, then MODIFYs. */
export function changesOf(versions: readonly TaskRecord[]): TaskChange[] {
  return versions.map((after, i) => ({
    eventId: `${after.id}-${i}`,
    kind: i === 0 ? 'INSERT' : 'MODIFY',
    at: Date.parse(after.updatedAt),
    ...(i > 0 ? { before: versions[i - 1] as TaskRecord } : {}),
    after,
  }));
}

/**
 * The same record versions under a fresh task id. The deployed task stream observer
 * mirrors the real id by itself; a test that feeds the mirror one change at a time
 * replays the versions under a twin id that only the test writes, so what it reads back
 * is what its own batches produced.
 */
export function twin(versions: readonly TaskRecord[]): { id: string; versions: TaskRecord[] } {
  const id = randomUUID();
  return { id, versions: versions.map((v) => ({ ...v, id })) };
}

/** The Celery item of a task as stored: its status and the meta document. */
export async function celeryItem(
  env: Pick<CeleryEnv, 'dynamodb' | 'resultTable'>,
  id: string,
): Promise<{ status: string; meta: Record<string, unknown>; ttl: number } | undefined> {
  const out = await env.dynamodb.send(
    new GetItemCommand({
      TableName: env.resultTable,
      Key: { id: { S: celeryKey(id) } },
      ConsistentRead: true,
    }),
  );
  if (!out.Item) return undefined;
  return {
    status: out.Item.status?.S ?? '',
    meta: JSON.parse(new TextDecoder().decode(out.Item.result?.B)),
    ttl: Number(out.Item.ttl?.N),
  };
}

/**
 * Whether the deployed task stream observer runs the Celery mirror: some function has
 * `LOVAGE_CELERY_RESULT_TABLE` set to the result table, which is what
 * `CeleryCompat.grantMirrorWrites` does. Until the observer exists (the monitoring
 * branch) this is false and the tests that need it are skipped, said so by name.
 */
export async function mirrorIsWired(resultTable: string): Promise<boolean> {
  for await (const page of paginateListFunctions({ client: new LambdaClient({}) }, {})) {
    for (const fn of page.Functions ?? []) {
      if (fn.Environment?.Variables?.[CELERY_ENV.resultTable] === resultTable) return true;
    }
  }
  return false;
}

/** Waits for the Celery item of `id` to reach `status`. */
export function celeryItemWhen(
  env: Pick<CeleryEnv, 'dynamodb' | 'resultTable'>,
  id: string,
  status: string,
  timeoutMs = 60_000,
) {
  return eventually(
    `Celery item of ${id} to be ${status}`,
    async () => {
      const found = await celeryItem(env, id);
      return found?.status === status ? found : undefined;
    },
    { timeoutMs, intervalMs: 250 },
  );
}

/** The delay group's one-time schedule for attempt 1 of `id`, once the runtime has created it. */
export function scheduleOf(env: Pick<CeleryEnv, 'config'>, id: string, task = 'diagnostics.ping') {
  const scheduler = new SchedulerClient({});
  return eventually(
    `the one-time schedule of ${id}`,
    async () => {
      try {
        return await scheduler.send(
          new GetScheduleCommand({
            Name: delayScheduleName(id, 1, task),
            GroupName: env.config.delayScheduleGroup,
          }),
        );
      } catch (error) {
        if ((error as Error).name === 'ResourceNotFoundException') return undefined;
        throw error;
      }
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
}
