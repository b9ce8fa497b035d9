import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { deployed, eventually, purge, takeMessage } from '../helpers/deployed.js';
import { type MonitoringApiClient, monitoringApi } from '../helpers/monitoring-api.js';
import { parseMetrics, sample } from '../helpers/prometheus.js';
import { type Env, finished, item } from './runtime-helpers.js';

let env: Env;
let api: MonitoringApiClient;

beforeAll(async () => {
  env = await deployed();
  const url = env.config.monitoringApiUrl;
  if (!url) throw new Error('the stack has no MonitoringApiUrl output; deploy this version');
  api = monitoringApi(url);
});

const metrics = async () => {
  const res = await api('GET', '/metrics');
  expect(res.status).toBe(200);
  expect(String(res.headers['content-type'])).toContain('text/plain; version=0.0.4');
  return parseMetrics(res.text);
};
const pingSucceeded = (families: ReturnType<typeof parseMetrics>) =>
  sample(families, 'lovage_tasks_total', {
    task: 'diagnostics.ping',
    tier: 'normal',
    state: 'SUCCESS',
  });

describe('monitoring API over HTTP (SigV4)', () => {
  it('refuses a request that is not signed', async () => {
    const res = await api('GET', '/stats', { sign: false });
    expect(res.status).toBe(403);
  });

  it('counts N tasks in /stats and /metrics, each once', async () => {
    const n = 12;
    const before = await metrics();
    // Statistics are per minute: compare the same window (this minute on) before and after.
    const since = new Date(Date.now() - (Date.now() % 60_000)).toISOString();
    const pingStats = async () => {
      const res = await api('GET', '/stats', { query: { task: 'diagnostics.ping', since } });
      expect(res.status).toBe(200);
      return res.json.tasks.find((t: { task: string }) => t.task === 'diagnostics.ping');
    };
    const statsBefore = await pingStats();
    const { sent, failed } = await env.lovage.sendMany(
      Array.from({ length: n }, (_, i) => ({
        task: 'diagnostics.ping' as const,
        args: { message: `stats-${i}` },
      })),
    );
    expect(failed).toEqual([]);
    await Promise.all(sent.map((s) => finished(env, s.id)));

    // The observer counts from the stream, moments after the records are written.
    const after = await eventually('the pings in /metrics', async () => {
      const now = await metrics();
      return pingSucceeded(now) - pingSucceeded(before) >= n ? now : undefined;
    });
    expect(pingSucceeded(after) - pingSucceeded(before)).toBe(n);
    const runs = (f: ReturnType<typeof parseMetrics>) =>
      sample(f, 'lovage_task_duration_seconds_count', { task: 'diagnostics.ping' });
    const infinite = (f: ReturnType<typeof parseMetrics>) =>
      sample(f, 'lovage_task_duration_seconds_bucket', { task: 'diagnostics.ping', le: '+Inf' });
    expect(runs(after) - runs(before)).toBe(n);
    expect(infinite(after) - infinite(before)).toBe(n);
    expect(after.find((f) => f.name === 'lovage_task_duration_seconds')?.type).toBe('histogram');
    expect(after.find((f) => f.name === 'lovage_tasks')?.type).toBe('counter');
    expect(after.find((f) => f.name === 'lovage_queue_messages')?.type).toBe('gauge');
    expect(
      sample(after, 'lovage_dlq_messages', { queue: 'diagnostics/normal' }),
    ).toBeGreaterThanOrEqual(0);

    const ping = await pingStats();
    expect(ping.count - statsBefore.count).toBe(n);
    expect(ping.succeeded - statsBefore.succeeded).toBe(n);
    expect(ping.runs - statsBefore.runs).toBe(n);
    expect(ping).toMatchObject({ failed: 0, successRate: 1 });
    expect(ping.p50Ms).toBeGreaterThan(0);
    expect(ping.p95Ms).toBeGreaterThanOrEqual(ping.p50Ms);
    expect(ping.p99Ms).toBeGreaterThanOrEqual(ping.p95Ms);
    expect(ping.throughputPerMinute).toBeGreaterThan(0);
  });

  it('counts failures by error type', async () => {
    const errorsOf = (f: ReturnType<typeof parseMetrics>) =>
      sample(f, 'lovage_task_errors_total', {
        task: 'diagnostics.fail',
        error_type: 'UnrecoverableError',
      });
    const before = await metrics();
    const { id } = await env.lovage.send('diagnostics.fail', { kind: 'unrecoverable' });
    expect((await finished(env, id)).state).toBe('FAILURE');
    await takeMessage(env.sqs, env.queue('diagnostics', 'normal').dlq, (m) =>
      (m.Body ?? '').includes(id),
    );
    const after = await eventually('the failure in /metrics', async () => {
      const now = await metrics();
      return errorsOf(now) > errorsOf(before) ? now : undefined;
    });
    expect(errorsOf(after) - errorsOf(before)).toBe(1);
    const failed = await api('GET', '/tasks/failed', { query: { task: 'diagnostics.fail' } });
    expect(failed.status).toBe(200);
    expect(failed.json.map((t: { id: string }) => t.id)).toContain(id);
  });

  it('runs a task through POST /tasks/{name} and shows it at GET /tasks/{id}', async () => {
    const res = await api('POST', '/tasks/diagnostics.ping', {
      body: { args: { message: 'via http' } },
    });
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ task: 'diagnostics.ping', tier: 'normal', delivery: 'queue' });
    expect(res.headers.location).toBe(`/tasks/${res.json.id}`);
    const done = await env.lovage.wait(res.json.id, { timeoutMs: 60_000 });
    expect(done.state).toBe('SUCCESS');
    const got = await api('GET', `/tasks/${res.json.id}`);
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({
      id: res.json.id,
      state: 'SUCCESS',
      result: { echo: 'via http' },
    });
    expect(got.json.durationMs).toEqual(expect.any(Number));
  });

  it('revokes a delayed task through POST /tasks/{id}/revoke', async () => {
    const { id } = await env.lovage.send('diagnostics.ping', {}, { countdownSeconds: 1_800 });
    const res = await api('POST', `/tasks/${id}/revoke`, {
      body: { reason: 'monitoring api test' },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id, state: 'REVOKED', revoked: true });
    expect((await item(env, id))?.state).toBe('REVOKED');
  });

  it('lists tasks, slow tasks, queues, schedules and health', async () => {
    const tasks = await api('GET', '/tasks', { query: { task: 'diagnostics.ping', limit: '5' } });
    expect(tasks.status).toBe(200);
    expect(tasks.json.length).toBeGreaterThan(0);
    expect(tasks.json.length).toBeLessThanOrEqual(5);
    const slow = await api('GET', '/tasks/slow', {
      query: { over: '0', task: 'diagnostics.ping' },
    });
    expect(slow.status).toBe(200);
    const durations = slow.json.map((t: { durationMs: number }) => t.durationMs);
    expect(durations.length).toBeGreaterThan(0);
    expect([...durations].sort((a, b) => b - a)).toEqual(durations);
    const queues = await api('GET', '/queues');
    expect(queues.json.map((q: { queue: string }) => q.queue)).toContain('diagnostics/normal');
    const schedules = await api('GET', '/schedules');
    expect(schedules.json.map((s: { name: string }) => s.name)).toContain('email-quota-check');
    const health = await api('GET', '/health');
    expect([200, 503]).toContain(health.status);
    expect(['healthy', 'degraded', 'unhealthy']).toContain(health.json.status);
    expect(health.status === 503).toBe(health.json.status === 'unhealthy');
    expect(Array.isArray(health.json.reasons)).toBe(true);
  });
});

describe('bad input: a clear JSON error, and nothing created', () => {
  const noRecord = async (id: string) => {
    // Give a stray message time to be processed before concluding nothing was sent.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await item(env, id)).toBeUndefined();
    expect((await api('GET', `/tasks/${id}`)).status).toBe(404);
  };

  it('404 for a task the catalog does not know', async () => {
    const res = await api('POST', '/tasks/diagnostics.nope', { body: { args: {} } });
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ error: 'UnknownTask' });
    expect(res.json.message).toContain("unknown task 'diagnostics.nope'");
  });

  it('400 for a body that is not JSON', async () => {
    const res = await api('POST', '/tasks/diagnostics.ping', { body: '{"args": ' });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: 'InvalidJson' });
  });

  it('400 naming every bad field of the body and the payload', async () => {
    const id = `bad-${randomUUID()}`;
    const res = await api('POST', '/tasks/diagnostics.flaky', {
      body: { id, args: { failTimes: 'twice' }, tier: 'urgent', priority: 1 },
    });
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('InvalidRequest');
    const fields = res.json.fields.map((f: { field: string }) => f.field).sort();
    expect(fields).toEqual(['args.failTimes', 'priority', 'tier']);
    await noRecord(id);
  });

  it('413 for a body over 256 KiB', async () => {
    const id = `big-${randomUUID()}`;
    const res = await api('POST', '/tasks/diagnostics.ping', {
      body: { id, args: { message: 'x'.repeat(300_000) } },
    });
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({ error: 'PayloadTooLarge' });
    await noRecord(id);
  });

  it('400 for an unknown or malformed query parameter, 404 for an unknown id', async () => {
    const unknown = await api('GET', '/tasks', { query: { stat: 'FAILURE' } });
    expect(unknown.status).toBe(400);
    expect(unknown.json.fields).toEqual([{ field: 'query.stat', message: 'unknown parameter' }]);
    expect((await api('GET', '/tasks', { query: { state: 'BROKEN' } })).status).toBe(400);
    expect((await api('GET', '/tasks', { query: { limit: 'ten' } })).status).toBe(400);
    expect((await api('GET', '/stats', { query: { since: 'yesterday' } })).status).toBe(400);
    expect((await api('GET', '/tasks/slow')).status).toBe(400);
    const missing = await api('GET', `/tasks/none-${randomUUID()}`);
    expect(missing.status).toBe(404);
    expect(missing.json.error).toBe('TaskNotFound');
  });
});

describe('lifecycle events from the task stream, on a subscriber of the bus', () => {
  let probe: string;

  beforeAll(async () => {
    const queue = await env.sqs.send(
      new CreateQueueCommand({ QueueName: 'lovage-test-stream-probe' }),
    );
    probe = queue.QueueUrl ?? '';
    const attributes = await env.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: probe, AttributeNames: ['QueueArn'] }),
    );
    const events = new EventBridgeClient({});
    await events.send(
      new PutRuleCommand({
        Name: 'lovage-test-stream-probe',
        EventBusName: env.config.eventBusName,
        // Only the drill tasks this file sends: the beat's tasks publish events all the time.
        EventPattern: JSON.stringify({
          source: ['lovage'],
          detail: { task: ['diagnostics.ping', 'unknown'] },
        }),
      }),
    );
    await purge(env.sqs, probe);
    await events.send(
      new PutTargetsCommand({
        Rule: 'lovage-test-stream-probe',
        EventBusName: env.config.eventBusName,
        Targets: [{ Id: 'probe', Arn: attributes.Attributes?.QueueArn }],
      }),
    );
  });

  const event = async (id: string, detailType: string) => {
    const message = await takeMessage(env.sqs, probe, (m) => {
      const e = JSON.parse(m.Body ?? '{}');
      return e['detail-type'] === detailType && e.detail?.id === id;
    });
    return JSON.parse(message.Body ?? '{}') as { source: string; detail: Record<string, unknown> };
  };

  it('publishes task.started and task.succeeded from the committed records', async () => {
    const { id } = await env.lovage.send(
      'diagnostics.ping',
      { message: 'events' },
      { correlationId: 'corr-stream' },
    );
    await finished(env, id);
    const started = await event(id, 'task.started');
    expect(started.detail).toMatchObject({
      task: 'diagnostics.ping',
      state: 'STARTED',
      attempt: 1,
    });
    const succeeded = await event(id, 'task.succeeded');
    expect(succeeded.detail).toMatchObject({
      state: 'SUCCESS',
      correlationId: 'corr-stream',
      durationMs: expect.any(Number),
      changeId: expect.any(String),
    });
    expect(JSON.stringify(succeeded.detail)).not.toContain('"result"');
  });

  it('publishes task.revoked with the reason', async () => {
    const { id } = await env.lovage.send('diagnostics.ping', {}, { countdownSeconds: 1_800 });
    await env.lovage.revoke(id, { reason: 'changed my mind' });
    const revoked = await event(id, 'task.revoked');
    expect(revoked.detail).toMatchObject({ state: 'REVOKED', reason: 'changed my mind' });
  });
});
