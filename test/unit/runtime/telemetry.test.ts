import { describe, expect, it, vi } from 'vitest';
import { powertoolsMetrics, REDACTED, redact } from '../../../src/runtime/index.js';

describe('EMF metrics', () => {
  it('emits Lovage/TaskSucceeded, TaskDuration and TaskFailureRate by task and by category', () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      powertoolsMetrics('diagnostics.ping', 'succeeded', 12);
    } finally {
      spy.mockRestore();
    }
    const emf = JSON.parse(lines.join('').trim().split('\n').at(-1) ?? '{}');
    expect(emf._aws.CloudWatchMetrics).toEqual([
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

  it('cuts long strings and deep nesting', () => {
    expect((redact('x'.repeat(500)) as string).length).toBe(201);
    const deep = { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } };
    expect(JSON.stringify(redact(deep))).toContain('[nested]');
  });
});
