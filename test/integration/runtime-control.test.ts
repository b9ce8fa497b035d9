import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { indexKeys, taskKey } from '../../src/protocol/records.js';
import { deployed, takeMessage } from '../helpers/deployed.js';
import {
  attribute,
  drained,
  type Env,
  envelope,
  finished,
  item,
  itemWhen,
  sendRaw,
  states,
} from './runtime-helpers.js';

let env: Env;

beforeAll(async () => {
  env = await deployed();
});

/** Writes REVOKED the way the client's revoke does (the records layout, a history entry). */
async function revoke(id: string, task: string, exists: boolean): Promise<void> {
  const at = new Date().toISOString();
  const entry = { state: 'REVOKED', at, attempt: 1, note: 'revoked by the runtime test' };
  const { gsi2pk, gsi2sk, ...byName } = indexKeys({
    id,
    task,
    state: 'REVOKED',
    createdAt: at,
    updatedAt: at,
  });
  if (!exists) {
    await env.db.send(
      new PutCommand({
        TableName: env.config.tableName,
        Item: {
          ...taskKey(id),
          ...byName,
          gsi2pk,
          gsi2sk,
          id,
          task,
          tier: 'normal',
          state: 'REVOKED',
          attempt: 1,
          createdAt: at,
          updatedAt: at,
          history: [entry],
        },
      }),
    );
    return;
  }
  await env.db.send(
    new UpdateCommand({
      TableName: env.config.tableName,
      Key: taskKey(id),
      UpdateExpression:
        'SET #state = :revoked, updatedAt = :at, gsi2pk = :pk, gsi2sk = :sk, history = list_append(history, :entry)',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: {
        ':revoked': 'REVOKED',
        ':at': at,
        ':pk': gsi2pk,
        ':sk': gsi2sk,
        ':entry': [entry],
      },
    }),
  );
}

describe('revoked and expired tasks are not run', () => {
  it('skips a queued task that was revoked before it ran', async () => {
    const task = envelope('revoked', 'diagnostics.ping', { message: 'never' });
    await revoke(task.id, task.task, false);
    await sendRaw(env, [task]);
    await drained(env);
    const after = await item(env, task.id);
    expect(after?.state).toBe('REVOKED');
    expect(after && states(after)).toEqual(['REVOKED']);
    expect(after?.result).toBeUndefined();
  });

  it('records EXPIRED for a task whose expiry passed before it ran', async () => {
    const task = envelope(
      'expired',
      'diagnostics.ping',
      {},
      {
        expires: new Date(Date.now() - 60_000).toISOString(),
      },
    );
    await sendRaw(env, [task]);
    const done = await finished(env, task.id);
    expect(done.state).toBe('EXPIRED');
    expect(states(done)).toEqual(['EXPIRED']);
    expect(done.result).toBeUndefined();
  });

  it('holds a task that arrives before its ETA until the ETA, without using a retry', async () => {
    const eta = new Date(Date.now() + 6_000).toISOString();
    const task = envelope('eta', 'diagnostics.ping', {}, { eta });
    await sendRaw(env, [task]);
    const done = await finished(env, task.id);
    expect(done).toMatchObject({ state: 'SUCCESS', attempt: 1 });
    expect(Date.parse(done.startedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(eta) - 1_000);
  });
});

describe('time limits, progress and revoke while running', () => {
  it('stops a task at its soft time limit with SoftTimeLimitExceededError', async () => {
    // diagnostics.work: softTimeLimitSeconds 10, neverRetry SoftTimeLimitExceededError.
    const task = envelope('soft', 'diagnostics.work', { steps: 100_000, hashesPerStep: 2_000 });
    await sendRaw(env, [task]);
    const done = await finished(env, task.id);
    expect(done).toMatchObject({
      state: 'FAILURE',
      attempt: 1,
      error: { type: 'SoftTimeLimitExceededError' },
    });
    expect(done.progress?.current).toBeLessThan(100_000);
    const letter = await takeMessage(
      env.sqs,
      env.queue('diagnostics', 'normal').dlq,
      (m) => attribute(m, 'lovage-id') === task.id,
    );
    expect(attribute(letter, 'lovage-error-type')).toBe('SoftTimeLimitExceededError');
  });

  it('records progress with its meta, readable by id', async () => {
    const task = envelope('progress', 'diagnostics.work', { steps: 20, hashesPerStep: 500 });
    await sendRaw(env, [task]);
    const done = await finished(env, task.id);
    expect(done.state).toBe('SUCCESS');
    expect(done.progress).toMatchObject({ current: 20, total: 20, message: 'step 20 of 20' });
    expect(states(done)).toEqual(['STARTED', 'PROGRESS', 'SUCCESS']);
    expect(done.result).toMatchObject({
      steps: 20,
      digest: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('stops a running task at its next progress checkpoint after a revoke', async () => {
    const task = envelope('revoke-running', 'diagnostics.work', {
      steps: 100_000,
      hashesPerStep: 2_000,
    });
    await sendRaw(env, [task]);
    const running = await itemWhen(
      env,
      task.id,
      'to report progress',
      (i) => i.state === 'PROGRESS',
    );
    expect(running.progress?.total).toBe(100_000);
    await revoke(task.id, task.task, true);
    const stopped = await itemWhen(env, task.id, 'to stop after the revoke', (i) =>
      i.history.some((h) => h.state === 'REVOKED' && h.note?.includes('progress checkpoint')),
    );
    expect(stopped.state).toBe('REVOKED');
    expect(states(stopped)).toEqual(['STARTED', 'PROGRESS', 'REVOKED', 'REVOKED']);
    expect(stopped.progress?.current).toBeLessThan(100_000);
    expect(stopped.error).toBeUndefined();
  });
});
