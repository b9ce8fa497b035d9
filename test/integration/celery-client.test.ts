/**
 * An unchanged Python Celery client (celery from PyPI, configured with `lovage
 * celery-config --json`) sends to the emulator stack; Lovage runs the tasks. Run once with
 * the pinned Celery 5.7 and once with the newest 5.x. What Python reads back is in
 * celery-results.test.ts.
 */
import { execFile, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCeleryClient } from '../../scripts/lib/celery-client.js';
import { DEAD_LETTER_ATTRIBUTES } from '../../src/runtime/dead-letter.js';
import { takeMessage } from '../helpers/deployed.js';
import { CELERY_CLIENT_NAMES, type CeleryEnv, celeryEnv, scheduleOf } from './celery-helpers.js';
import { attribute, finished, itemWhen, states } from './runtime-helpers.js';

const run = promisify(execFile);

describe.each(CELERY_CLIENT_NAMES)('Celery %s client sending to Lovage', (name) => {
  let env: CeleryEnv;

  beforeAll(async () => {
    env = await celeryEnv(name);
  });
  afterAll(() => env?.driver.close());

  it('lovage celery-config prints a Python module with the same four settings as --json, and the broker', async () => {
    const bin = fileURLToPath(new URL('../../bin/lovage.mjs', import.meta.url));
    const { stdout: module } = await run(process.execPath, [bin, 'celery-config']);
    const { python } = await ensureCeleryClient(name);
    const read = spawnSync(
      python,
      [
        '-c',
        'import json, sys; ns = {}; exec(sys.stdin.read(), ns); print(json.dumps({k: ns[k] for k in ns if not k.startswith("__")}))',
      ],
      { input: module, encoding: 'utf8' },
    );
    expect(read.stderr).toBe('');
    expect(JSON.parse(read.stdout)).toEqual({ broker_url: 'sqs://', ...env.celeryConfig });
  });

  it('runs task.delay(**kwargs) with the keyword arguments as its payload, marked as sent by Celery', async () => {
    const id = await env.driver.delay('diagnostics.ping', { message: `hello from ${name}` });
    const done = await finished(env, id);
    expect(done.state).toBe('SUCCESS');
    expect(done.result).toMatchObject({ echo: `hello from ${name}`, attempt: 1 });
    expect(done.source).toMatch(/^celery:gen\d+@.+/); // Celery's origin: gen<pid>@<host>
    expect(done.tier).toBe('normal');
    expect(states(done)).toEqual(['STARTED', 'SUCCESS']);
  });

  it('runs send_task with a caller-chosen task id under that id', async () => {
    const id = `celery-${name}-${Date.now()}`;
    const sent = await env.driver.sendTask('diagnostics.ping', {
      kwargs: { message: 'by id' },
      options: { task_id: id },
    });
    expect(sent).toBe(id);
    expect((await finished(env, id)).result).toMatchObject({ echo: 'by id' });
  });

  it("hands kombu's UUIDs, decimals and datetimes to the task as plain strings", async () => {
    const id = await env.driver.delay('diagnostics.ping', {
      message: { $uuid: '12345678-1234-5678-1234-567812345678' },
    });
    expect((await finished(env, id)).result).toMatchObject({
      echo: '12345678-1234-5678-1234-567812345678',
    });
    const decimal = await env.driver.delay('diagnostics.ping', { message: { $decimal: '12.50' } });
    expect((await finished(env, decimal)).result).toMatchObject({ echo: '12.50' });
  });

  it('holds a countdown beyond 900 s in a one-time schedule that delivers a Lovage envelope at the eta', async () => {
    const before = Date.now();
    const id = await env.driver.sendTask('diagnostics.ping', {
      kwargs: { message: 'later' },
      options: { countdown: 2000 },
    });
    const schedule = await scheduleOf(env, id);
    expect(schedule.ScheduleExpression).toMatch(/^at\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\)$/);
    const runAt = Date.parse(`${schedule.ScheduleExpression?.slice(3, -1)}Z`);
    expect(runAt - before).toBeGreaterThanOrEqual(1_995_000);
    expect(runAt - before).toBeLessThan(2_030_000);
    const envelope = JSON.parse(schedule.Target?.Input ?? '{}');
    expect(envelope).toMatchObject({
      v: 1,
      id,
      task: 'diagnostics.ping',
      args: { message: 'later' },
    });
    expect(envelope.source).toMatch(/^celery:/);
    // The delay is rounded up to whole seconds, and so is the schedule: never early.
    expect(runAt - Date.parse(envelope.eta)).toBeGreaterThanOrEqual(0);
    expect(runAt - Date.parse(envelope.eta)).toBeLessThan(2000);
    expect((await env.lovage.get(id)).state).toBe('PENDING');
    // Clean up, and check that a revoke finds the schedule of a task that has no record yet.
    expect(await env.lovage.revoke(id)).toMatchObject({ revoked: true, scheduleDeleted: true });
  });

  it('ends a task whose expires passes before its countdown EXPIRED, never run', async () => {
    const id = await env.driver.sendTask('diagnostics.ping', {
      kwargs: { message: 'too late' },
      options: { countdown: 3, expires: 1 },
    });
    const done = await finished(env, id);
    expect(done.state).toBe('EXPIRED');
    expect(states(done)).toEqual(['EXPIRED']);
  });

  it('refuses a chain at once: FAILURE before anything runs, and a dead letter that says why', async () => {
    const { ids } = await env.driver.call<{ ids: string[] }>('chain', {
      tasks: [
        { name: 'diagnostics.ping', kwargs: { message: 'one' } },
        { name: 'diagnostics.ping', kwargs: { message: 'two' } },
      ],
    });
    const first = ids[0] as string;
    const done = await itemWhen(env, first, 'to fail', (i) => i.state === 'FAILURE');
    expect(states(done)).toEqual(['FAILURE']);
    expect(done.error?.type).toBe('CeleryUnsupportedError');
    expect(done.error?.message).toMatch(
      new RegExp(`^Celery chains are not supported by Lovage.*${ids[1]}`),
    );
    const letter = await takeMessage(
      env.sqs,
      env.queue('diagnostics', 'normal').dlq,
      (m) => attribute(m, 'lovage-id') === first,
    );
    expect(attribute(letter, DEAD_LETTER_ATTRIBUTES.errorType)).toBe('CeleryUnsupportedError');
    expect(attribute(letter, DEAD_LETTER_ATTRIBUTES.reason)).toMatch(/never run/);
    expect(letter.Body?.startsWith('eyJ')).toBe(true); // the raw kombu body, for a redrive
  });

  it('refuses positional plus keyword arguments, which map onto no single payload', async () => {
    const id = await env.driver.sendTask('diagnostics.ping', {
      args: ['a', 'b'],
      kwargs: { message: 'c' },
    });
    const done = await itemWhen(env, id, 'to fail', (i) => i.state === 'FAILURE');
    expect(done.error).toMatchObject({ type: 'CeleryArgumentsError' });
    expect(done.error?.message).toMatch(/got 2 positional and 1 keyword/);
  });

  it('sends with one SendMessage per task and at most one GetQueueAttributes per queue, nothing else', async () => {
    await env.driver.calls(true);
    for (let i = 0; i < 3; i++) await env.driver.delay('diagnostics.ping', { message: `n${i}` });
    await env.driver.delay('email.check_quota', {});
    const calls = await env.driver.calls(true);
    expect(Object.keys(calls).sort()).toEqual(['GetQueueAttributes', 'SendMessage']);
    expect(calls.SendMessage).toBe(4);
    expect(calls.GetQueueAttributes).toBeLessThanOrEqual(2);
  });
});
