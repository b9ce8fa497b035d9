import { beforeAll, describe, expect, it } from 'vitest';
import { deployed, takeMessage } from '../helpers/deployed.js';
import {
  attribute,
  drained,
  type Env,
  envelope,
  finished,
  item,
  sendRaw,
  states,
} from './runtime-helpers.js';

let env: Env;

beforeAll(async () => {
  env = await deployed();
});

const deadLetter = (id: string) =>
  takeMessage(
    env.sqs,
    env.queue('diagnostics', 'normal').dlq,
    (m) => attribute(m, 'lovage-id') === id,
    90_000,
  );

describe('retries owned by the runtime', () => {
  it('retries a flaky task with backoff until it succeeds', async () => {
    const task = envelope('flaky-ok', 'diagnostics.flaky', { failTimes: 2 });
    await sendRaw(env, [task]);
    const done = await finished(env, task.id);
    expect(done).toMatchObject({ state: 'SUCCESS', attempt: 3, result: { succeededOnAttempt: 3 } });
    expect(states(done)).toEqual(['STARTED', 'RETRY', 'STARTED', 'RETRY', 'STARTED', 'SUCCESS']);
    const retries = done.history.filter((h) => h.state === 'RETRY');
    expect(retries.map((h) => h.error?.type)).toEqual(['FlakyDrillError', 'FlakyDrillError']);
    // The catalog's drill backoff: base 1 s, factor 2, no jitter.
    expect(retries.map((h) => h.note)).toEqual(['retry 1 of 3 in 1 s', 'retry 2 of 3 in 2 s']);
    expect(done.error).toBeUndefined();
  });

  it('records FAILURE and dead-letters with the reason and attempt count once retries run out', async () => {
    const task = envelope('flaky-out', 'diagnostics.flaky', { failTimes: 10 });
    await sendRaw(env, [task]);
    const done = await finished(env, task.id);
    expect(done).toMatchObject({
      state: 'FAILURE',
      attempt: 4,
      error: { type: 'FlakyDrillError', message: 'flaky drill: attempt 4 fails (failTimes 10)' },
    });
    expect(states(done).filter((s) => s === 'RETRY')).toHaveLength(3);
    const letter = await deadLetter(task.id);
    expect(attribute(letter, 'lovage-attempts')).toBe('4');
    expect(attribute(letter, 'lovage-error-type')).toBe('FlakyDrillError');
    expect(attribute(letter, 'lovage-failure-reason')).toMatch(/retries exhausted: attempt 4 of 4/);
    // The original envelope, unchanged, so a redrive starts the task afresh.
    expect(JSON.parse(letter.Body ?? '{}')).toMatchObject({ id: task.id, attempt: 4 });
  });

  it('never retries an UnrecoverableError', async () => {
    const task = envelope('unrecoverable', 'diagnostics.fail', { kind: 'unrecoverable' });
    await sendRaw(env, [task]);
    const done = await finished(env, task.id);
    expect(done).toMatchObject({
      state: 'FAILURE',
      attempt: 1,
      error: { type: 'UnrecoverableError' },
    });
    expect(states(done)).toEqual(['STARTED', 'FAILURE']);
    const letter = await deadLetter(task.id);
    expect(attribute(letter, 'lovage-attempts')).toBe('1');
    expect(attribute(letter, 'lovage-failure-reason')).toMatch(
      /UnrecoverableError is never retried/,
    );
  });

  it('never retries an error the task lists in neverRetry, and retries one it does not', async () => {
    const listed = envelope('never', 'diagnostics.fail', {
      kind: 'named',
      name: 'DrillConfigError',
    });
    const other = envelope('other', 'diagnostics.fail', { kind: 'named', name: 'DrillGlitch' });
    await sendRaw(env, [listed, other]);
    const [a, b] = await Promise.all([finished(env, listed.id), finished(env, other.id)]);
    expect(a).toMatchObject({ state: 'FAILURE', attempt: 1, error: { type: 'DrillConfigError' } });
    expect(a.history.at(-1)?.note).toBe('DrillConfigError is listed in neverRetry');
    // diagnostics.fail has maxRetries 1: one retry, then FAILURE.
    expect(b).toMatchObject({ state: 'FAILURE', attempt: 2, error: { type: 'DrillGlitch' } });
    expect(states(b)).toEqual(['STARTED', 'RETRY', 'STARTED', 'FAILURE']);
    await deadLetter(listed.id);
    await deadLetter(other.id);
  });
});

describe('once per task id', () => {
  it('runs a task delivered twice exactly once', async () => {
    const task = envelope('dup', 'diagnostics.ping', { message: 'twice' });
    await sendRaw(env, [task, task]);
    const done = await finished(env, task.id);
    expect(done.state).toBe('SUCCESS');
    // Both copies handled (the second acknowledged or deferred, then acknowledged).
    await drained(env);
    const after = await item(env, task.id);
    expect(after && states(after)).toEqual(['STARTED', 'SUCCESS']);
  });

  it('dead-letters a poison message in a batch of 10 and runs the other 9', async () => {
    const good = Array.from({ length: 9 }, (_, i) =>
      envelope('batch', 'diagnostics.ping', { message: `n${i}` }),
    );
    const poison = envelope('poison', 'diagnostics.ping', { message: 42 });
    await sendRaw(env, [...good.slice(0, 4), poison, ...good.slice(4)]);
    const results = await Promise.all(good.map((t) => finished(env, t.id)));
    expect(results.map((r) => r.state)).toEqual(Array(9).fill('SUCCESS'));
    expect(results.map((r) => (r.result as { echo: string }).echo)).toEqual(
      good.map((t) => (t.args as { message: string }).message),
    );
    const failed = await finished(env, poison.id);
    expect(failed).toMatchObject({ state: 'FAILURE', error: { type: 'PayloadValidationError' } });
    const letter = await deadLetter(poison.id);
    expect(attribute(letter, 'lovage-error-type')).toBe('PayloadValidationError');
  });
});
