import { describe, expect, it } from 'vitest';
import {
  atExpression,
  delayedDeliveryRequest,
  delayScheduleName,
  delaySchedulePrefix,
} from '../../src/protocol/delays.js';
import { createEnvelope } from '../../src/protocol/envelope.js';

describe('delayed delivery', () => {
  it('names the schedule deterministically per task id and attempt, within Scheduler limits', () => {
    const name = delayScheduleName('a'.repeat(200), 3, 'email.send');
    expect(name).toBe(delayScheduleName('a'.repeat(200), 3, 'email.send'));
    expect(name).not.toBe(delayScheduleName('a'.repeat(200), 4, 'email.send'));
    expect(name).toMatch(/^lovage-email\.[0-9a-f]{40}-3$/);
    const longest = delayScheduleName('x', 9999, `${'c'.repeat(31)}.task`);
    expect(longest).toMatch(/^[0-9a-zA-Z-_.]{1,64}$/);
    expect(longest.length).toBe(64);
  });

  it("puts each category's schedules under a prefix no other category's prefix starts", () => {
    const a = delayScheduleName('id-1', 1, 'a.task');
    const ab = delayScheduleName('id-1', 1, 'a-b.task');
    expect(a.startsWith(delaySchedulePrefix('a'))).toBe(true);
    expect(ab.startsWith(delaySchedulePrefix('a'))).toBe(false);
    expect(ab.startsWith(delaySchedulePrefix('a-b'))).toBe(true);
  });

  it('rounds the at() time up to whole seconds, never early', () => {
    expect(atExpression(new Date('2026-11-23T10:00:00.001Z'))).toBe('at(2026-11-23T10:00:01)');
    expect(atExpression(new Date('2026-11-23T10:00:00.000Z'))).toBe('at(2026-11-23T10:00:00)');
  });

  it('builds a self-deleting one-time schedule that sends the envelope to the queue', () => {
    const envelope = createEnvelope({
      id: 't1',
      task: 'email.send',
      args: {},
      tier: 'high',
      source: 'test',
    });
    const request = delayedDeliveryRequest({
      envelope,
      runAt: new Date('2026-12-01T00:00:00Z'),
      queueArn: 'arn:aws:sqs:us-east-1:1:q',
      groupName: 'g',
      roleArn: 'arn:aws:iam::1:role/r',
    });
    expect(request).toMatchObject({
      GroupName: 'g',
      ScheduleExpression: 'at(2026-12-01T00:00:00)',
      ActionAfterCompletion: 'DELETE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: 'arn:aws:sqs:us-east-1:1:q', RoleArn: 'arn:aws:iam::1:role/r' },
    });
    expect(JSON.parse(request.Target?.Input ?? '')).toEqual(envelope);
  });
});
