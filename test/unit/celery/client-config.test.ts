import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineCatalog, task } from '../../../src/catalog/index.js';
import {
  celeryClientConfig,
  celeryConfigModule,
  celeryQueueName,
} from '../../../src/celery/client-config.js';

const catalog = defineCatalog({
  categories: {
    email: {
      tasks: {
        'email.send': task({ schema: z.object({}), tier: 'high' }),
        'email.digest': task({ schema: z.object({}), tier: 'low' }),
      },
    },
    diagnostics: { tasks: { 'diagnostics.ping': task({ schema: z.object({}) }) } },
  },
});

const url = (name: string) => `https://sqs.eu-west-1.amazonaws.com/123456789012/${name}`;
const stack = {
  region: 'eu-west-1',
  queues: {
    'email/high': { url: url('q-email-high'), dlq: url('d1') },
    'email/low': { url: url('q-email-low'), dlq: url('d2') },
    'diagnostics/normal': { url: url('q-diag'), dlq: url('d3') },
  },
};

describe('celeryClientConfig', () => {
  it('names every tier queue lovage-<category>-<tier>, routes each task to its default tier, and points results at the table', () => {
    expect(celeryClientConfig({ catalog, stack, resultTable: 'Lovage-Results-1' })).toEqual({
      broker_transport_options: {
        region: 'eu-west-1',
        predefined_queues: {
          'lovage-diagnostics-normal': { url: url('q-diag') },
          'lovage-email-high': { url: url('q-email-high') },
          'lovage-email-low': { url: url('q-email-low') },
        },
      },
      task_routes: {
        'email.send': { queue: 'lovage-email-high' },
        'email.digest': { queue: 'lovage-email-low' },
        'diagnostics.ping': { queue: 'lovage-diagnostics-normal' },
      },
      task_default_queue: 'lovage-diagnostics-normal',
      result_backend: 'dynamodb://@eu-west-1/Lovage-Results-1',
    });
  });

  it('uses only names kombu keeps as they are (letters, digits, - and _)', () => {
    expect(celeryQueueName('payments/critical')).toBe('lovage-payments-critical');
    const names = Object.keys(
      celeryClientConfig({ catalog, stack }).broker_transport_options.predefined_queues,
    );
    for (const name of names) expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('has no result backend without a result table, and takes another default queue', () => {
    const config = celeryClientConfig({ catalog, stack, defaultQueue: 'email/low' });
    expect(config.result_backend).toBeNull();
    expect(config.task_default_queue).toBe('lovage-email-low');
  });

  it('fails if the default queue is not one of the stack', () => {
    expect(() => celeryClientConfig({ catalog, stack, defaultQueue: 'email/normal' })).toThrow(
      "default queue 'email/normal' is not a queue of the stack; it has diagnostics/normal, email/high, email/low",
    );
  });
});

describe('celeryConfigModule', () => {
  it('prints a Python module with the broker, the four settings and what must stay default', () => {
    const config = celeryClientConfig({ catalog, stack, resultTable: 'T' });
    const module = celeryConfigModule(config, 'Lovage');
    expect(module).toContain("broker_url = 'sqs://'\n");
    expect(module).toContain(`        'lovage-email-high': {'url': '${url('q-email-high')}'},\n`);
    expect(module).toContain("    'email.send': {'queue': 'lovage-email-high'},\n");
    expect(module).toContain("task_default_queue = 'lovage-diagnostics-normal'\n");
    expect(module).toContain("result_backend = 'dynamodb://@eu-west-1/T'\n");
    expect(module).toContain("task_serializer = 'json'");
    expect(celeryConfigModule({ ...config, result_backend: null }, 'L')).toContain(
      'result_backend = None\n',
    );
  });
});
