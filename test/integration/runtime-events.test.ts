import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { deployed, purge, takeMessage } from '../helpers/deployed.js';
import { type Env, envelope, finished, sendRaw } from './runtime-helpers.js';

let env: Env;
let probe: string;

/**
 * A subscriber of our own: a rule on the stack's bus for every `lovage`
 * event, delivering to a probe queue, as any consumer of lifecycle events
 * would set it up.
 */
beforeAll(async () => {
  env = await deployed();
  const queue = await env.sqs.send(
    new CreateQueueCommand({ QueueName: 'lovage-test-lifecycle-probe' }),
  );
  probe = queue.QueueUrl ?? '';
  // Left over from earlier runs (the beat's tasks publish events too): start empty.
  await purge(env.sqs, probe);
  const attributes = await env.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: probe, AttributeNames: ['QueueArn'] }),
  );
  const events = new EventBridgeClient({});
  const rule = 'lovage-test-lifecycle-probe';
  await events.send(
    new PutRuleCommand({
      Name: rule,
      EventBusName: env.config.eventBusName,
      // Drill tasks only: the beat's tasks publish lifecycle events all the time.
      EventPattern: JSON.stringify({
        source: ['lovage'],
        detail: { task: [{ prefix: 'diagnostics.' }] },
      }),
    }),
  );
  await events.send(
    new PutTargetsCommand({
      Rule: rule,
      EventBusName: env.config.eventBusName,
      Targets: [{ Id: 'probe', Arn: attributes.Attributes?.QueueArn }],
    }),
  );
});

const lifecycleEvent = async (id: string, detailType: string) => {
  const message = await takeMessage(env.sqs, probe, (m) => {
    const event = JSON.parse(m.Body ?? '{}') as {
      'detail-type'?: string;
      detail?: { id?: string };
    };
    return event['detail-type'] === detailType && event.detail?.id === id;
  });
  return JSON.parse(message.Body ?? '{}') as { source: string; detail: Record<string, unknown> };
};

describe('lifecycle events on the stack bus', () => {
  it('publishes task.retried and task.succeeded for a task that succeeds on its second attempt', async () => {
    const task = envelope(
      'events',
      'diagnostics.flaky',
      { failTimes: 1 },
      { correlationId: 'corr-1' },
    );
    await sendRaw(env, [task]);
    expect((await finished(env, task.id)).state).toBe('SUCCESS');
    const retried = await lifecycleEvent(task.id, 'task.retried');
    expect(retried.source).toBe('lovage');
    expect(retried.detail).toMatchObject({
      task: 'diagnostics.flaky',
      attempt: 1,
      retryInSeconds: 1,
      correlationId: 'corr-1',
      error: { type: 'FlakyDrillError' },
    });
    const succeeded = await lifecycleEvent(task.id, 'task.succeeded');
    expect(succeeded.detail).toMatchObject({ attempt: 2, durationMs: expect.any(Number) });
    // Events carry ids, never the payload or the result.
    expect(JSON.stringify(succeeded.detail)).not.toContain('succeededOnAttempt');
  });

  it('publishes task.failed with the reason for a task that fails for good', async () => {
    const task = envelope('events-fail', 'diagnostics.fail', { kind: 'unrecoverable' });
    await sendRaw(env, [task]);
    expect((await finished(env, task.id)).state).toBe('FAILURE');
    const failed = await lifecycleEvent(task.id, 'task.failed');
    expect(failed.detail).toMatchObject({
      attempt: 1,
      error: { type: 'UnrecoverableError' },
      reason: 'UnrecoverableError is never retried',
    });
    // Its dead letter, taken so the DLQ holds only what other tests look for.
    await takeMessage(env.sqs, env.queue('diagnostics', 'normal').dlq, (m) =>
      (m.Body ?? '').includes(task.id),
    );
  });
});
