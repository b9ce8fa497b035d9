import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineCatalog, task } from '../../src/catalog/index.js';
import { createEnvelope } from '../../src/protocol/envelope.js';
import { fanOutBeatTick, fanOutPlan } from '../../src/runtime/beat-fanout.js';

const catalog = defineCatalog({
  categories: { mon: { tasks: { 'mon.check': task({ schema: z.object({}) }) } } },
  schedules: {
    fast: { task: 'mon.check', every: { rate: '15 seconds' }, args: {} },
    slow: { task: 'mon.check', every: { rate: '5 minutes' }, args: {} },
  },
});
const tick = (schedule: string, extra: object = {}) =>
  createEnvelope({
    id: `beat:${schedule}:2026-11-23T10:00:00Z`,
    task: 'mon.check',
    args: {},
    tier: 'normal',
    source: `beat:${schedule}`,
    ...extra,
  });

describe('beat fan-out', () => {
  it('turns a 15 s schedule tick into four deliveries 15 s apart, each with its own id and the tick as parent', () => {
    const plan = fanOutPlan(catalog, tick('fast'));
    expect(plan.map((p) => [p.envelope.id, p.delaySeconds])).toEqual([
      ['beat:fast:2026-11-23T10:00:00Z+0s', 0],
      ['beat:fast:2026-11-23T10:00:00Z+15s', 15],
      ['beat:fast:2026-11-23T10:00:00Z+30s', 30],
      ['beat:fast:2026-11-23T10:00:00Z+45s', 45],
    ]);
    for (const p of plan)
      expect(p.envelope).toMatchObject({
        parentId: 'beat:fast:2026-11-23T10:00:00Z',
        task: 'mon.check',
      });
  });

  it('leaves minute schedules, fanned-out children and non-beat tasks alone', () => {
    expect(fanOutPlan(catalog, tick('slow'))).toEqual([]);
    expect(fanOutPlan(catalog, tick('fast', { parentId: 'beat:fast:x' }))).toEqual([]);
    expect(fanOutPlan(catalog, tick('fast', { source: 'client' }))).toEqual([]);
  });

  it('sends the deliveries with SQS DelaySeconds back to the queue the tick came from', async () => {
    const sqs = mockClient(SQSClient);
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const handled = await fanOutBeatTick(
      catalog,
      tick('fast'),
      'arn:q',
      sqs as unknown as SQSClient,
      () => 'https://q',
    );
    expect(handled).toBe(true);
    const [call] = sqs.commandCalls(SendMessageBatchCommand);
    expect(call?.args[0].input.QueueUrl).toBe('https://q');
    expect(call?.args[0].input.Entries?.map((e) => e.DelaySeconds)).toEqual([0, 15, 30, 45]);
    expect(
      await fanOutBeatTick(
        catalog,
        tick('slow'),
        'arn:q',
        sqs as unknown as SQSClient,
        () => 'https://q',
      ),
    ).toBe(false);
  });

  it('fails the tick (so it is redelivered) when SQS refuses a delivery', async () => {
    const sqs = mockClient(SQSClient);
    sqs
      .on(SendMessageBatchCommand)
      .resolves({ Failed: [{ Id: 'slot1', Code: 'x', Message: 'nope', SenderFault: false }] });
    await expect(
      fanOutBeatTick(
        catalog,
        tick('fast'),
        'arn:q',
        sqs as unknown as SQSClient,
        () => 'https://q',
      ),
    ).rejects.toThrow(/SQS refused 1 deliveries \(nope\)/);
  });
});
