import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  lifecycleEventOf,
  lifecycleEventsReactor,
  ReactionError,
} from '../../../src/stream/index.js';
import { change, record } from './fixtures.js';

const at = '2026-11-23T10:00:01.000Z';
const started = record('STARTED', {}, [{ state: 'STARTED', at, attempt: 1 }]);

describe('lifecycleEventOf', () => {
  it('publishes task.succeeded with the run duration and ids, never the result', () => {
    const done = record('SUCCESS', { durationMs: 42, correlationId: 'c-1', result: { secret: 1 } });
    const event = lifecycleEventOf(change(done, started));
    expect(event?.detailType).toBe('task.succeeded');
    expect(event?.detail).toMatchObject({
      id: 't-1',
      task: 'diagnostics.ping',
      tier: 'normal',
      state: 'SUCCESS',
      attempt: 1,
      durationMs: 42,
      correlationId: 'c-1',
      at,
    });
    expect(JSON.stringify(event?.detail)).not.toContain('secret');
  });

  it('publishes task.retried with the error and the delay the runtime chose', () => {
    const retry = record('RETRY', {
      error: { type: 'TypeError', message: 'flaky' },
      eta: '2026-11-23T10:00:11.000Z',
      durationMs: 7,
    });
    expect(lifecycleEventOf(change(retry, started))?.detail).toMatchObject({
      state: 'RETRY',
      error: { type: 'TypeError', message: 'flaky' },
      retryInSeconds: 10,
      durationMs: 7,
    });
  });

  it('publishes task.failed and task.revoked with the reason from the history entry', () => {
    const failed = record('FAILURE', { error: { type: 'UnrecoverableError', message: 'no' } }, [
      { state: 'STARTED', at, attempt: 1 },
      { state: 'FAILURE', at, attempt: 1, note: 'UnrecoverableError is never retried' },
    ]);
    expect(lifecycleEventOf(change(failed, started))).toMatchObject({
      detailType: 'task.failed',
      detail: {
        reason: 'UnrecoverableError is never retried',
        error: { type: 'UnrecoverableError' },
      },
    });
    const revoked = record('REVOKED', {}, [{ state: 'REVOKED', at, attempt: 1, note: 'by cli' }]);
    expect(lifecycleEventOf(change(revoked))).toMatchObject({
      detailType: 'task.revoked',
      detail: { reason: 'by cli' },
    });
    expect(lifecycleEventOf(change(record('EXPIRED'), record('PENDING')))?.detailType).toBe(
      'task.expired',
    );
  });

  it('publishes task.started on a claim and on a takeover, unless turned off', () => {
    expect(lifecycleEventOf(change(started))?.detailType).toBe('task.started');
    expect(lifecycleEventOf(change(started), { started: false })).toBeUndefined();
    const takeover = record('STARTED', { attempt: 1 }, [
      { state: 'STARTED', at, attempt: 1 },
      { state: 'STARTED', at, attempt: 1, note: 'took over a run whose lease had ended' },
    ]);
    expect(lifecycleEventOf(change(takeover, started))?.detailType).toBe('task.started');
  });

  it('publishes nothing for progress, schedule notes or a second note on a revoked task', () => {
    const progress = record('PROGRESS');
    expect(lifecycleEventOf(change(progress, started))).toBeUndefined();
    expect(
      lifecycleEventOf(
        change(record('PROGRESS', { progress: { current: 2, total: 3, at } }), progress),
      ),
    ).toBeUndefined();
    const revoked = record('REVOKED', {}, [{ state: 'REVOKED', at, attempt: 1 }]);
    const noted = record('REVOKED', {}, [
      ...(revoked.history ?? []),
      { state: 'REVOKED', at, attempt: 1, note: 'run stopped' },
    ]);
    expect(lifecycleEventOf(change(noted, revoked))).toBeUndefined();
    expect(lifecycleEventOf(change(undefined, revoked))).toBeUndefined();
  });
});

describe('lifecycleEventsReactor', () => {
  const events = mockClient(EventBridgeClient);
  const reactor = () =>
    lifecycleEventsReactor({
      client: new EventBridgeClient({ region: 'us-east-1' }),
      busName: 'bus',
      retryBaseMs: 1,
    });
  const successes = (n: number) =>
    Array.from({ length: n }, () => change(record('SUCCESS', { durationMs: 1 }), started));
  const accept = async (input: { Entries: unknown[] }) => ({
    FailedEntryCount: 0,
    Entries: input.Entries.map((_: unknown, i: number) => ({ EventId: `ev-${i}` })),
  });
  beforeEach(() => {
    events.reset();
    events.on(PutEventsCommand).callsFake(accept);
  });

  it('publishes up to 10 entries per PutEvents, in stream order', async () => {
    const batch = successes(23);
    await reactor().react(batch);
    const calls = events.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries ?? []);
    expect(calls.map((entries) => entries.length)).toEqual([10, 10, 3]);
    const ids = calls.flat().map((e) => JSON.parse(e.Detail ?? '{}').changeId);
    expect(ids).toEqual(batch.map((c) => c.eventId));
    expect(calls[0]?.[0]).toMatchObject({
      EventBusName: 'bus',
      Source: 'lovage',
      DetailType: 'task.succeeded',
    });
  });

  it('sends again only the entries EventBridge failed', async () => {
    let round = 0;
    events.on(PutEventsCommand).callsFake(async (input) => ({
      FailedEntryCount: ++round === 1 ? 1 : 0,
      Entries: input.Entries.map((_: unknown, i: number) =>
        round === 1 && i === 1
          ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }
          : { EventId: `ev-${i}` },
      ),
    }));
    const batch = successes(3);
    await reactor().react(batch);
    const calls = events.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries ?? []);
    expect(calls.map((entries) => entries.length)).toEqual([3, 1]);
    expect(JSON.parse(calls[1]?.[0]?.Detail ?? '{}').changeId).toBe(batch[1]?.eventId);
  });

  it('fails from the first change whose event could not be published', async () => {
    events.on(PutEventsCommand).callsFake(async (input) => ({
      FailedEntryCount: 1,
      Entries: input.Entries.map((e: { Detail: string }, i: number) =>
        JSON.parse(e.Detail).id === 'bad'
          ? { ErrorCode: 'InternalFailure' }
          : { EventId: `ev-${i}` },
      ),
    }));
    const batch = [
      ...successes(12),
      change(record('SUCCESS', { id: 'bad' }), started),
      ...successes(2),
    ];
    const error = await reactor()
      .react(batch)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReactionError);
    expect((error as ReactionError).firstUnhandled).toBe(batch[12]?.eventId);
  });
});
