import { beforeAll, describe, expect, it } from 'vitest';
import { deployed } from '../helpers/deployed.js';
import {
  drained,
  type Env,
  envelope,
  finished,
  type Item,
  item,
  journaledRuns,
  sendRaw,
  states,
} from './runtime-helpers.js';

/*
 * The failure drills on the deployed diagnostics function (MiniStack runs it
 * as a real Node process, with a 10 s timeout and a 60 s visibility
 * timeout): a worker that crashes, one that hangs, one stuck in synchronous
 * code, a task that ignores its soft limit. Each drill journals its runs, so
 * every test counts the handler runs really made per attempt.
 */

let env: Env;

beforeAll(async () => {
  env = await deployed();
});

/** Handler runs of a drill task, per attempt, from its journal. */
async function runsPerAttempt(id: string): Promise<Record<number, number>> {
  const runs: Record<number, number> = {};
  for (const attempt of await journaledRuns(env, id)) runs[attempt] = (runs[attempt] ?? 0) + 1;
  return runs;
}

const pings = (n: number, prefix: string) =>
  Array.from({ length: n }, () => envelope(prefix, 'diagnostics.ping', { journal: true }));

/** Every ping finished SUCCESS, no attempt ran twice, and none reached the DLQ. */
async function expectNeighboursUnharmed(neighbours: readonly { id: string }[]) {
  for (const ping of neighbours) {
    const done = await finished(env, ping.id, 150_000);
    expect(done.state, `${ping.id}: ${JSON.stringify(done.history)}`).toBe('SUCCESS');
    const runs = await runsPerAttempt(ping.id);
    for (const count of Object.values(runs)) expect(count).toBe(1);
  }
}

const lostError = (done: Item) => done.history.find((h) => h.state === 'RETRY')?.error;

describe('failure drills on the deployed worker', () => {
  it('retries a task that killed its worker as WorkerLostError, alone, and runs its 9 neighbours once each', async () => {
    const crasher = envelope('crash', 'diagnostics.crash', { times: 1, journal: true });
    const neighbours = pings(9, 'crash-neighbour');
    const sent = Date.now();
    await sendRaw(env, [crasher, ...neighbours]);
    const done = await finished(env, crasher.id, 180_000);
    expect(done).toMatchObject({ state: 'SUCCESS', attempt: 2, result: { survivedOnAttempt: 2 } });
    expect(lostError(done)?.type).toBe('WorkerLostError');
    expect(await runsPerAttempt(crasher.id)).toEqual({ 1: 1, 2: 1 });
    await expectNeighboursUnharmed(neighbours);
    await drained(env);
    // Two visibility timeouts (2 x 60 s) bound how long a neighbour can be held up.
    expect(Date.now() - sent).toBeLessThan(2 * 60_000 + 30_000);
  });

  it('records a hang as TimeLimitExceededError just before the function timeout, and retries it once the invocation is over', async () => {
    const hung = envelope('hang', 'diagnostics.hang', { times: 1, mode: 'await', journal: true });
    const neighbours = pings(4, 'hang-neighbour');
    await sendRaw(env, [hung, ...neighbours]);
    const done = await finished(env, hung.id, 180_000);
    expect(done).toMatchObject({ state: 'SUCCESS', attempt: 2 });
    const error = lostError(done);
    expect(error).toMatchObject({ type: 'TimeLimitExceededError' });
    expect(error?.message).toMatch(/function timeout \(10 s\)/);
    expect(await runsPerAttempt(hung.id)).toEqual({ 1: 1, 2: 1 });
    await expectNeighboursUnharmed(neighbours);
    await drained(env);
  });

  it('finds a run stuck in synchronous code lost (no timer can fire) and retries it', async () => {
    const stuck = envelope('spin', 'diagnostics.hang', { times: 1, mode: 'spin', journal: true });
    await sendRaw(env, [stuck]);
    const done = await finished(env, stuck.id, 180_000);
    expect(done).toMatchObject({ state: 'SUCCESS', attempt: 2 });
    expect(lostError(done)?.type).toBe('WorkerLostError');
    expect(await runsPerAttempt(stuck.id)).toEqual({ 1: 1, 2: 1 });
    await drained(env);
  });

  it('runs each attempt of a flaky task once when it is sent three times at once', async () => {
    const flaky = envelope('flaky-dup', 'diagnostics.flaky', { failTimes: 2, journal: true });
    await sendRaw(env, [flaky, flaky, flaky]);
    const done = await finished(env, flaky.id, 120_000);
    expect(done).toMatchObject({ state: 'SUCCESS', attempt: 3 });
    expect(states(done).filter((s) => s === 'STARTED')).toHaveLength(3);
    expect(await runsPerAttempt(flaky.id)).toEqual({ 1: 1, 2: 1, 3: 1 });
    await drained(env);
  });

  it('lets a task that ignores its soft limit finish, with no retry running beside it', async () => {
    const stubborn = envelope('stubborn', 'diagnostics.stubborn', { seconds: 3, journal: true });
    await sendRaw(env, [stubborn]);
    const done = await finished(env, stubborn.id, 60_000);
    expect(done).toMatchObject({
      state: 'SUCCESS',
      attempt: 1,
      result: { abortedBeforeReturn: true },
    });
    expect(await runsPerAttempt(stubborn.id)).toEqual({ 1: 1 });
  });

  it('fails a result over the record size for good, once', async () => {
    const big = envelope('big-result', 'diagnostics.bad_result', {
      kind: 'too_large',
      journal: true,
    });
    await sendRaw(env, [big]);
    const done = await finished(env, big.id, 60_000);
    expect(done).toMatchObject({ state: 'FAILURE', error: { type: 'ResultNotStorableError' } });
    expect(await runsPerAttempt(big.id)).toEqual({ 1: 1 });
    expect(await item(env, big.id)).toMatchObject({ attempt: 1 });
  });
});
