import { Duration, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { alertEmailFrom, monitoringAllowNetworksFrom, stageConfig } from '../../lib/config.js';
import { CategoryWorker } from '../../lib/constructs/category-worker.js';
import { Delays } from '../../lib/constructs/delays.js';
import { TaskEvents } from '../../lib/constructs/task-events.js';
import { TaskStore } from '../../lib/constructs/task-store.js';
import { TierQueues, type TierQueuesProps } from '../../lib/constructs/tier-queues.js';
import { checkQueuesOutputSize } from '../../lib/queue-directory.js';
import { StackValidationError, validateQueueTimings } from '../../lib/validation.js';
import { type CategoryOptions, defineCatalog, task } from '../../src/catalog/index.js';
import { templateApp } from '../helpers/app.js';

const category = (options: CategoryOptions = {}) =>
  defineCatalog({
    categories: {
      math: {
        timeoutSeconds: 60,
        ...options,
        tasks: { 'math.add': task({ schema: z.object({}) }) },
      },
    },
  }).category('math');

function queues(stack: Stack, props: Partial<TierQueuesProps> = {}) {
  return new TierQueues(stack, 'Q', {
    category: 'math',
    tiers: ['normal'],
    visibilityTimeout: Duration.seconds(360),
    ...props,
  });
}

function worker(
  options: CategoryOptions,
  queueProps: Partial<TierQueuesProps> = {},
  tierConcurrency?: Record<string, number>,
) {
  return () => {
    const stack = new Stack(templateApp(), 'V');
    new CategoryWorker(stack, 'W', {
      category: category(options),
      queues: queues(stack, queueProps),
      store: new TaskStore(stack, 'S'),
      delays: new Delays(stack, 'D'),
      events: new TaskEvents(stack, 'E'),
      entry: 'lambdas/email/index.ts',
      depsLockFilePath: 'package-lock.json',
      ...(tierConcurrency ? { tierConcurrency } : {}),
    });
  };
}

describe('synth-time validation', () => {
  it('fails if the visibility timeout is under 6 x the function timeout', () => {
    expect(worker({}, { visibilityTimeout: Duration.seconds(300) })).toThrow(
      'math/normal: visibilityTimeout (300 s) must be at least 6 x function timeout (60 s) + batching window (0 s) = 360 s',
    );
  });

  it('fails if the visibility timeout does not cover the batching window too', () => {
    expect(worker({ batchingWindowSeconds: 20 })).toThrow(
      'math/normal: visibilityTimeout (360 s) must be at least 6 x function timeout (60 s) + batching window (20 s) = 380 s',
    );
    expect(
      worker({ batchingWindowSeconds: 20 }, { visibilityTimeout: Duration.seconds(380) }),
    ).not.toThrow();
  });

  it('fails if a tier concurrency is outside 2..1000', () => {
    expect(worker({}, {}, { normal: 1 })).toThrow(StackValidationError);
    expect(worker({}, {}, { normal: 1 })).toThrow(
      'math/normal: maxConcurrency (1) must be a whole number from 2 to 1000',
    );
    expect(worker({}, {}, { normal: 1001 })).toThrow(/maxConcurrency \(1001\)/);
  });

  it('fails if the catalog sets a tier concurrency outside 2..1000', () => {
    expect(() => category({ tierConcurrency: { low: 0 } })).toThrow(
      "category 'math': tierConcurrency.low (0) must be a whole number from 2 to 1000",
    );
  });

  it('fails if retention exceeds the DLQ retention', () => {
    expect(() =>
      queues(new Stack(templateApp(), 'R'), { retentionPeriod: Duration.days(15) }),
    ).toThrow(
      'math/normal: retentionPeriod (1296000 s) must be a whole number from 60 to 1209600 s',
    );
  });

  it('fails if the DLQ keeps messages for less time than its source queue', () => {
    expect(() =>
      validateQueueTimings({
        label: 'math/normal',
        visibilityTimeoutSeconds: 360,
        functionTimeoutSeconds: 60,
        batchingWindowSeconds: 0,
        retentionSeconds: 7 * 86_400,
        deadLetterRetentionSeconds: 4 * 86_400,
        deliveryDelaySeconds: 0,
        maxReceiveCount: 3,
      }),
    ).toThrow(
      "math/normal: deadLetterRetention (345600 s) must be at least the queue's retentionPeriod (604800 s), or a redriven message could expire first",
    );
  });

  it('fails if a delivery delay is over 900 s', () => {
    expect(() =>
      queues(new Stack(templateApp(), 'D'), { deliveryDelay: Duration.seconds(901) }),
    ).toThrow('math/normal: deliveryDelay (901 s) must be a whole number from 0 to 900 s');
  });

  it('fails if the catalog asks for a batching window over 300 s or a retention under 60 s', () => {
    expect(() => category({ batchingWindowSeconds: 301 })).toThrow(
      "category 'math': batchingWindowSeconds (301) must be a whole number from 0 to 300",
    );
    expect(() => category({ retentionSeconds: 30 })).toThrow(
      "category 'math': retentionSeconds (30) must be a whole number from 60 to 1209600",
    );
  });

  it('fails if maxReceiveCount is out of 1..1000', () => {
    expect(() => queues(new Stack(templateApp(), 'M'), { maxReceiveCount: 0 })).toThrow(
      'math/normal: maxReceiveCount (0) must be a whole number from 1 to 1000',
    );
  });

  it('fails if the visibility timeout is over the SQS maximum of 12 hours', () => {
    expect(() =>
      queues(new Stack(templateApp(), 'T'), { visibilityTimeout: Duration.hours(13) }),
    ).toThrow('math/normal: visibilityTimeout (46800 s) must be a whole number from 0 to 43200 s');
  });

  it('fails if a category uses no tier', () => {
    expect(() => queues(new Stack(templateApp(), 'N'), { tiers: [] })).toThrow(
      'math: tiers ([]) must name at least one tier',
    );
  });

  it('fails if the stage is not dev or prod, and if the alert e-mail is not an address', () => {
    expect(() => stageConfig('staging')).toThrow("stage ('staging') must be one of dev, prod");
    expect(() => alertEmailFrom('oncall')).toThrow(
      "alertEmail ('oncall') must be an e-mail address",
    );
    expect(alertEmailFrom(undefined)).toBeUndefined();
  });

  it('fails if the TierQueues output could outgrow 4096 characters', () => {
    const stack = new Stack(templateApp(), 'Big');
    const many = Array.from(
      { length: 12 },
      (_, i) =>
        new TierQueues(stack, `category-with-a-long-name-${i}`, {
          category: `c${i}`,
          tiers: ['critical', 'high', 'normal', 'low'],
          visibilityTimeout: Duration.seconds(180),
        }),
    );
    const entries = many.flatMap((q) =>
      q.tiers.map((t) => ({ key: `${q.category}/${t.tier}`, ...t })),
    );
    expect(() => checkQueuesOutputSize('Big', entries)).toThrow(
      /TierQueues output \(up to \d+ characters for 48 queues\) must fit CloudFormation's 4096-character output limit/,
    );
  });
});

describe('stages', () => {
  it('keeps data in prod, deletion-protected, and removes it in dev', () => {
    expect(stageConfig('prod').removalPolicy).toBe('retain');
    expect(stageConfig('prod').deletionProtection).toBe(true);
    expect(stageConfig('dev').removalPolicy).toBe('destroy');
    expect(stageConfig('dev').deletionProtection).toBe(false);
  });
});

describe('monitoringAllowNetworks', () => {
  it('is empty unless set, and takes a comma-separated list of networks', () => {
    expect(monitoringAllowNetworksFrom(undefined, 'dev')).toEqual([]);
    expect(monitoringAllowNetworksFrom('127.0.0.2/32, fd00:1::/32', 'dev')).toEqual([
      '127.0.0.2/32',
      'fd00:1::/32',
    ]);
    expect(monitoringAllowNetworksFrom(['10.1.0.0/16'], 'prod')).toEqual(['10.1.0.0/16']);
  });

  it('fails if an entry is not a network inside one loopback, private or unique-local range', () => {
    expect(() => monitoringAllowNetworksFrom('169.254.169.254/32', 'dev')).toThrow(
      "monitoringAllowNetworks ('169.254.169.254/32' cannot be allow-listed",
    );
    expect(() => monitoringAllowNetworksFrom('10.0.0.0/7', 'dev')).toThrow(
      'cannot be allow-listed',
    );
    expect(() => monitoringAllowNetworksFrom('intranet', 'dev')).toThrow('is not an IP network');
  });

  it('fails if a prod stage allow-lists loopback (the Lambda runtime API)', () => {
    expect(() => monitoringAllowNetworksFrom('127.0.0.2/32', 'prod')).toThrow(
      "'127.0.0.2/32' is loopback, which a prod stage never allows",
    );
  });
});
