import { describe, expect, it } from 'vitest';
import { createEnvelope, EnvelopeError, parseEnvelope } from '../../src/protocol/envelope.js';

const valid = {
  v: 1,
  id: 'task-1',
  task: 'email.send',
  args: { a: 1 },
  tier: 'high',
  attempt: 1,
  createdAt: '2026-11-23T10:00:00.000Z',
  source: 'test',
};

describe('parseEnvelope', () => {
  it('reads a valid envelope and fills defaults', () => {
    const { attempt, source, ...minimal } = valid;
    expect(parseEnvelope(JSON.stringify(minimal))).toEqual({
      ...valid,
      attempt: 1,
      source: 'unknown',
    });
  });

  it('rejects a body that is not JSON', () => {
    expect(() => parseEnvelope('{oops')).toThrow(/body is not JSON/);
  });

  it('rejects another envelope version, keeping the id for the record', () => {
    try {
      parseEnvelope(JSON.stringify({ ...valid, v: 2 }));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EnvelopeError);
      expect((error as EnvelopeError).message).toBe(
        'unsupported envelope version 2; this runtime reads v1',
      );
      expect((error as EnvelopeError).taskId).toBe('task-1');
    }
  });

  it('names every invalid field', () => {
    expect(() => parseEnvelope(JSON.stringify({ ...valid, tier: 'urgent', attempt: 0 }))).toThrow(
      /invalid envelope: tier: .+; attempt: .+/,
    );
  });

  it('rejects unknown fields so typos are not silently ignored', () => {
    expect(() => parseEnvelope(JSON.stringify({ ...valid, countdown: 5 }))).toThrow(/countdown/);
  });

  it('gives each tick its own id when the scheduler left its placeholder in place', () => {
    const body = JSON.stringify({
      ...valid,
      id: 'beat:tick:<aws.scheduler.scheduled-time>',
      createdAt: '<aws.scheduler.scheduled-time>',
    });
    const envelope = parseEnvelope(body, 'msg-42');
    expect(envelope.id).toBe('beat:tick:msg-42');
    expect(Number.isNaN(Date.parse(envelope.createdAt))).toBe(false);
  });
});

describe('createEnvelope', () => {
  it('writes a first-attempt v1 envelope that parses back unchanged', () => {
    const envelope = createEnvelope({
      id: 'x',
      task: 't.a',
      args: null,
      tier: 'low',
      source: 'client',
    });
    expect(envelope).toMatchObject({ v: 1, attempt: 1, tier: 'low' });
    expect(parseEnvelope(JSON.stringify(envelope))).toEqual(envelope);
  });
});
