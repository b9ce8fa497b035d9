import { describe, expect, it } from 'vitest';
import { EmfMetrics, REDACTED, redact } from '../../../src/runtime/index.js';

/** The EMF documents one flush writes, parsed, and how many writes it took. */
function emitted(fill: (metrics: EmfMetrics) => void) {
  const writes: string[] = [];
  const metrics = new EmfMetrics((text) => writes.push(text));
  fill(metrics);
  metrics.flush(1_700_000_000_000);
  const docs = writes
    .join('')
    .trim()
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown> & { _aws: Record<string, unknown> });
  return { writes: writes.length, docs };
}

describe('EMF metrics', () => {
  it('emits Lovage/TaskSucceeded, TaskDuration and TaskFailureRate by task and by category', () => {
    const { docs } = emitted((m) => m.add('diagnostics.ping', 'succeeded', 12));
    const [emf] = docs;
    expect(docs).toHaveLength(1);
    expect(emf?._aws.Timestamp).toBe(1_700_000_000_000);
    expect(emf?._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'Lovage',
        Dimensions: [['task'], ['category']],
        Metrics: [
          { Name: 'TaskSucceeded', Unit: 'Count' },
          { Name: 'TaskDuration', Unit: 'Milliseconds' },
          { Name: 'TaskFailureRate', Unit: 'Percent' },
        ],
      },
    ]);
    expect(emf).toMatchObject({
      task: 'diagnostics.ping',
      category: 'diagnostics',
      TaskSucceeded: 1,
      TaskDuration: 12,
      TaskFailureRate: 0,
    });
  });

  it('writes a whole batch at once: one document per task name, one value per run', () => {
    const { writes, docs } = emitted((m) => {
      m.add('email.send', 'succeeded', 5);
      m.add('email.send', 'failed', 7);
      m.add('diagnostics.flaky', 'retried', 3);
      m.add('email.send', 'succeeded', 9);
    });
    expect(writes).toBe(1);
    expect(docs.map((d) => d.task)).toEqual(['email.send', 'diagnostics.flaky']);
    expect(docs[0]).toMatchObject({
      category: 'email',
      TaskSucceeded: [1, 1],
      TaskFailed: 1,
      TaskDuration: [5, 7, 9],
      // Average over the period = the share of finished tasks that failed, in percent.
      TaskFailureRate: [0, 100, 0],
    });
    expect(docs[1]).toMatchObject({ category: 'diagnostics', TaskRetried: 1, TaskDuration: 3 });
    expect(docs[1]).not.toHaveProperty('TaskFailureRate');
    const names = (d: (typeof docs)[number]) =>
      (d._aws.CloudWatchMetrics as { Metrics: { Name: string }[] }[])[0]?.Metrics.map(
        (x) => x.Name,
      );
    expect(names(docs[0] as (typeof docs)[number])).toEqual([
      'TaskSucceeded',
      'TaskFailed',
      'TaskDuration',
      'TaskFailureRate',
    ]);
    expect(names(docs[1] as (typeof docs)[number])).toEqual(['TaskRetried', 'TaskDuration']);
  });

  it('writes nothing when no run ended, and starts afresh after a flush', () => {
    const writes: string[] = [];
    const metrics = new EmfMetrics((text) => writes.push(text));
    metrics.flush();
    expect(writes).toEqual([]);
    metrics.add('email.send', 'succeeded', 1);
    metrics.flush();
    metrics.add('email.send', 'succeeded', 2);
    metrics.flush();
    expect(writes.map((w) => JSON.parse(w).TaskDuration)).toEqual([1, 2]);
  });

  it('never puts more than 100 values of a metric in one document', () => {
    const { writes, docs } = emitted((m) => {
      for (let i = 0; i < 250; i++) m.add('email.send', 'succeeded', i);
    });
    expect(writes).toBe(3);
    expect(docs.map((d) => (d.TaskDuration as number[]).length)).toEqual([100, 100, 50]);
  });
});

describe('redact', () => {
  it('hides sensitive and personal keys at any depth and keeps the rest', () => {
    expect(
      redact({
        to: ['a@example.com'],
        subject: 'hi',
        nested: { apiKey: 'k', Password: 'p', count: 2, auth: { token: 't' } },
        list: [{ secret: 's', ok: true }],
      }),
    ).toEqual({
      to: REDACTED,
      subject: 'hi',
      nested: { apiKey: REDACTED, Password: REDACTED, count: 2, auth: REDACTED },
      list: [{ secret: REDACTED, ok: true }],
    });
  });

  it('gives the same verdict on a key every time it meets it, and keeps a __proto__ key a key', () => {
    for (let i = 0; i < 3; i++) {
      expect(redact({ token: 't', tokens: 2, total: 1 })).toEqual({
        token: REDACTED,
        tokens: REDACTED,
        total: 1,
      });
    }
    const parsed = JSON.parse('{"__proto__":{"polluted":true},"password":"p"}');
    const safe = redact(parsed) as Record<string, unknown>;
    expect(Object.getPrototypeOf(safe)).toBe(Object.prototype);
    expect((safe as { polluted?: boolean }).polluted).toBeUndefined();
    expect(JSON.stringify(safe)).toBe('{"__proto__":{"polluted":true},"password":"[redacted]"}');
  });

  it('cuts long strings and deep nesting', () => {
    expect((redact('x'.repeat(500)) as string).length).toBe(201);
    const deep = { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } };
    expect(JSON.stringify(redact(deep))).toContain('[nested]');
  });
});
