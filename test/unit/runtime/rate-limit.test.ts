import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseRateLimit } from '../../../src/catalog/index.js';
import { deferralSeconds, RateLimiter, windowOf } from '../../../src/runtime/index.js';

const db = mockClient(DynamoDBDocumentClient);
beforeEach(() => db.reset());

const at = (iso: string) => Date.parse(iso);

describe('fixed windows', () => {
  it('aligns windows to whole seconds, minutes and hours since the epoch', () => {
    expect(windowOf(at('2026-11-23T10:00:59.900Z'), 60)).toEqual({
      start: at('2026-11-23T10:00:00Z') / 1000,
      endMs: at('2026-11-23T10:01:00Z'),
    });
    expect(windowOf(at('2026-11-23T10:59:00Z'), 3600).start).toBe(
      at('2026-11-23T10:00:00Z') / 1000,
    );
    expect(windowOf(at('2026-11-23T10:00:00.999Z'), 1).endMs).toBe(at('2026-11-23T10:00:01Z'));
  });

  it('defers to the next window, spread over one window, within SQS limits', () => {
    const now = at('2026-11-23T10:00:45Z');
    const perMinute = { limit: 10, windowSeconds: 60 };
    expect(deferralSeconds(now, perMinute, () => 0)).toBe(15);
    expect(deferralSeconds(now, perMinute, () => 0.5)).toBe(45);
    expect(deferralSeconds(now, { limit: 1, windowSeconds: 1 }, () => 0)).toBe(1);
    // An hourly window can be longer than SQS can delay: the task is re-checked after 900 s.
    expect(deferralSeconds(now, { limit: 1, windowSeconds: 3600 }, () => 0.9)).toBe(900);
  });

  it('parses n/s, n/m and n/h and rejects anything else with the rule', () => {
    expect(parseRateLimit('a.b', '100/s')).toEqual({ limit: 100, windowSeconds: 1 });
    expect(parseRateLimit('a.b', '10/m')).toEqual({ limit: 10, windowSeconds: 60 });
    expect(parseRateLimit('a.b', '500/h')).toEqual({ limit: 500, windowSeconds: 3600 });
    for (const bad of ['10/d', '0/m', '1.5/s', '10 per minute', '/m']) {
      expect(() => parseRateLimit('a.b', bad)).toThrow(`task 'a.b': rateLimit '${bad}' must be`);
    }
  });
});

describe('RateLimiter', () => {
  const limiter = () =>
    new RateLimiter(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'tasks', () => 0);

  it('grants a run with one conditional increment of the window counter', async () => {
    db.on(UpdateCommand).resolves({});
    const now = at('2026-11-23T10:00:30Z');
    expect(await limiter().acquire('a.b', { limit: 10, windowSeconds: 60 }, now)).toEqual({
      granted: true,
    });
    const input = db.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.Key).toEqual({
      pk: 'RATE#a.b',
      sk: `WINDOW#${at('2026-11-23T10:00:00Z') / 1000}`,
    });
    expect(input?.ConditionExpression).toBe('attribute_not_exists(#count) OR #count < :limit');
    expect(input?.ExpressionAttributeValues).toMatchObject({ ':one': 1, ':limit': 10 });
  });

  it('defers until the next window when the counter is full', async () => {
    db.on(UpdateCommand).rejects(
      new ConditionalCheckFailedException({ message: 'full', $metadata: {} }),
    );
    const now = at('2026-11-23T10:00:30Z');
    expect(await limiter().acquire('a.b', { limit: 10, windowSeconds: 60 }, now)).toEqual({
      granted: false,
      retryInSeconds: 30,
    });
  });
});
