import { describe, expect, it } from 'vitest';
import { TaskRecords } from '../../../src/runtime/task-records.js';
import { TransitionUpdateBuilder } from '../../../src/runtime/transition-update.js';
import { lostRunCondition, runningCondition } from '../../../src/runtime/transitions.js';

function write(state: string, extra?: string, remove?: string[]) {
  const update = new TransitionUpdateBuilder(runningCondition(2));
  update.put('id', 't1', true);
  update.put('parentId', undefined, true);
  update.put('state', state, false);
  if (extra) update.put(extra, 42, false);
  return update.build({ state }, remove);
}

describe('TransitionUpdateBuilder', () => {
  it('writes each attribute under its own placeholder, appends history and merges the condition', () => {
    const update = write('SUCCESS', 'finishedAt', ['leaseUntil', 'error']);
    expect(update.updateExpression).toBe(
      'SET #c0 = if_not_exists(#c0, :c0), #c1 = :c1, #c2 = :c2, ' +
        '#history = list_append(if_not_exists(#history, :empty), :entry) REMOVE #r0, #r1',
    );
    expect(update.names).toEqual({
      '#history': 'history',
      '#c0': 'id',
      '#c1': 'state',
      '#c2': 'finishedAt',
      '#r0': 'leaseUntil',
      '#r1': 'error',
      '#state': 'state',
      '#attempt': 'attempt',
    });
    // Marshalled as DynamoDB takes them, the condition's values included.
    expect(update.values).toEqual({
      ':c0': { S: 't1' },
      ':c1': { S: 'SUCCESS' },
      ':c2': { N: '42' },
      ':empty': { L: [] },
      ':entry': { L: [{ M: { state: { S: 'SUCCESS' } } }] },
      ':fStarted': { S: 'STARTED' },
      ':fProgress': { S: 'PROGRESS' },
      ':fN': { N: '2' },
    });
    expect(Object.keys(runningCondition(2).values).sort()).toEqual([
      ':fN',
      ':fProgress',
      ':fStarted',
    ]);
    expect(update.conditionExpression).toBe(runningCondition(2).expression);
  });

  it('reuses the prepared expression of a shape and keeps each write its own values', () => {
    const first = write('SUCCESS');
    const second = write('FAILURE');
    expect(second.names).toBe(first.names);
    expect(second.updateExpression).toBe(first.updateExpression);
    expect(first.values[':c1']).toEqual({ S: 'SUCCESS' });
    expect(second.values[':c1']).toEqual({ S: 'FAILURE' });
    // A memoized condition's values are marshalled once, shared and frozen, so no write can
    // change another's; a condition built for one write is marshalled for that write.
    expect(second.values[':fN']).toBe(first.values[':fN']);
    expect(Object.isFrozen(first.values[':fN'])).toBe(true);
    expect(Object.isFrozen(first.values[':empty'])).toBe(true);
    expect(Object.isFrozen(first.values)).toBe(false);
    const perWrite = (now: number) => {
      const update = new TransitionUpdateBuilder(lostRunCondition(2, now));
      update.put('state', 'FAILURE', false);
      return update.build({}, undefined).values;
    };
    expect(perWrite(5)[':fNow']).toEqual({ N: '5' });
    expect(perWrite(6)[':fNow']).toEqual({ N: '6' });
    // Another attribute, or another removal, is another shape.
    expect(write('SUCCESS', 'result').names).not.toBe(first.names);
    expect(write('SUCCESS', undefined, ['error']).updateExpression).toContain('REMOVE #r0');
  });

  it('refuses conditions that share a names object but not their value placeholders', () => {
    const names = { '#state': 'state' };
    const writeUnder = (values: Record<string, unknown>) => {
      const update = new TransitionUpdateBuilder({ expression: '#state = :s0', names, values });
      update.put('state', 'SUCCESS', false);
      return update.build({}, undefined);
    };
    expect(writeUnder({ ':s0': 'STARTED' }).values[':s0']).toEqual({ S: 'STARTED' });
    expect(() => writeUnder({ ':s1': 'STARTED' })).toThrow('differ from the ones prepared');
    expect(() => writeUnder({})).toThrow('differ from the ones prepared');
    expect(() => writeUnder({ ':s0': 'STARTED', ':s1': 'PROGRESS' })).toThrow(
      'differ from the ones prepared',
    );
  });

  it('refuses a condition whose placeholders collide with its own', () => {
    const update = new TransitionUpdateBuilder({
      expression: '#c0 = :c0',
      names: { '#c0': 'x' },
      values: { ':c0': 1 },
    });
    update.put('id', 't1', true);
    expect(() => update.build({}, undefined)).toThrow('placeholder #c0 is used twice');
  });
});

describe('TaskRecords transitions', () => {
  /** The UpdateItem inputs TaskRecords sends, answered as written. */
  function recording() {
    const sent: { ExpressionAttributeNames: Record<string, string> }[] = [];
    const db = {
      send: async (command: { input: (typeof sent)[number] }) => {
        sent.push(command.input);
        return {};
      },
    };
    return { sent, records: new TaskRecords(db as never, 'tasks') };
  }
  const envelope = {
    id: 't1',
    task: 'email.send',
    tier: 'high' as const,
    attempt: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    source: 'test',
    correlationId: 'c1',
  };
  const written = (input: { ExpressionAttributeNames: Record<string, string> }) =>
    Object.values(input.ExpressionAttributeNames);

  it('restates the identity where the write may create the item, not under a running attempt', async () => {
    const { sent, records } = recording();
    await records.enter(envelope, 'STARTED', { ttlSeconds: 60, leaseMs: 1000 });
    await records.settle(envelope, 'SUCCESS', runningCondition(1), { ttlSeconds: 60 });
    const [claim, success] = sent.map(written);
    expect(claim).toEqual(
      expect.arrayContaining(['id', 'task', 'tier', 'correlationId', 'gsi1pk']),
    );
    expect(success).toEqual(expect.arrayContaining(['state', 'attempt', 'gsi2pk', 'finishedAt']));
    expect(success).not.toContain('id');
    expect(success).not.toContain('gsi1pk');
  });
});
