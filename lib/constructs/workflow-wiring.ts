import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Catalog, Tier } from '../../src/catalog/index.js';
import { WORKER_ENV } from '../../src/protocol/env.js';
import { OBSERVER_ENV } from '../../src/protocol/monitoring-env.js';
import type { TaskStore } from './task-store.js';

/** A category's tier queues and its function, as the stack built them. */
export interface WiredCategory {
  readonly name: string;
  readonly fn: lambda.IFunction;
  readonly queueOf: (tier: Tier) => sqs.IQueue;
}

/**
 * `ctx.send` across categories: each category whose catalog entry lists `sends` gets the
 * tier queues of exactly those tasks' categories in LOVAGE_SEND_QUEUES and
 * sqs:SendMessage on them, and nothing else (its own queues it already has).
 */
export function wireChildSends(catalog: Catalog, categories: readonly WiredCategory[]): void {
  const byName = new Map(categories.map((c) => [c.name, c]));
  for (const category of categories) {
    const sends = catalog.category(category.name).sends;
    if (sends.length === 0) continue;
    const targets = new Set(sends.map((task) => catalog.task(task).category));
    const directory: Record<string, string> = {};
    for (const name of targets) {
      const target = byName.get(name);
      if (!target) throw new Error(`no queues for category '${name}'`);
      for (const tier of catalog.tiersOf(name)) {
        const queue = target.queueOf(tier);
        queue.grantSendMessages(category.fn);
        directory[`${name}/${tier}`] = queue.queueUrl;
      }
    }
    (category.fn as lambda.Function).addEnvironment(
      WORKER_ENV.sendQueues,
      Stack.of(category.fn).toJsonString(directory),
    );
  }
}

/**
 * The workflow engine in the task stream observer: it reads and conditionally writes
 * workflow items and step records in the task table (GetItem, BatchGetItem, PutItem,
 * UpdateItem) and sends due steps to any tier queue of the stack.
 */
export function wireWorkflowEngine(
  observer: lambda.Function,
  store: TaskStore,
  catalog: Catalog,
  categories: readonly WiredCategory[],
): void {
  // The table itself, not its indexes: the engine reads and writes by key only.
  observer.addToRolePolicy(
    new iam.PolicyStatement({
      actions: [
        'dynamodb:GetItem',
        'dynamodb:BatchGetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
      ],
      resources: [store.table.tableArn],
    }),
  );
  const directory: Record<string, string> = {};
  for (const category of categories) {
    for (const tier of catalog.tiersOf(category.name)) {
      const queue = category.queueOf(tier);
      queue.grantSendMessages(observer);
      directory[`${category.name}/${tier}`] = queue.queueUrl;
    }
  }
  observer.addEnvironment(OBSERVER_ENV.taskTable, store.table.tableName);
  observer.addEnvironment(OBSERVER_ENV.workflowQueues, Stack.of(observer).toJsonString(directory));
}
