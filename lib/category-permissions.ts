import type { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { BUCKET_PREFIXES, DATA_PREFIXES } from '../src/protocol/workload.js';
import type { CategoryWorker } from './constructs/category-worker.js';
import type { TaskEvents } from './constructs/task-events.js';
import type { TaskStore } from './constructs/task-store.js';
import type { WorkloadData } from './constructs/workload-data.js';
import {
  acknowledgeBucketPrefix,
  acknowledgeSesAccount,
  acknowledgeSesIdentities,
  acknowledgeTableIndexes,
} from './nag-suppressions.js';

/** What a category's task code may reach besides the runtime's own grants. */
export interface PermissionScope {
  readonly stack: Stack;
  readonly worker: CategoryWorker;
  readonly data: WorkloadData;
  readonly store: TaskStore;
  readonly events: TaskEvents;
}

const sesSend = (stack: Stack) =>
  new iam.PolicyStatement({
    actions: ['ses:SendEmail'],
    resources: [stack.formatArn({ service: 'ses', resource: 'identity', resourceName: '*' })],
  });

/**
 * What each seed category's task code calls, kept in one place so a reviewer
 * sees every grant and, next to it, every cdk-nag finding it causes with the
 * reason it is acknowledged. A category missing here gets only the runtime's
 * grants (its queues, its DLQs, task records, delays).
 */
export const CATEGORY_PERMISSIONS: Readonly<Record<string, (scope: PermissionScope) => void>> = {
  email: ({ stack, worker, data }) => {
    worker.addToRolePolicy(sesSend(stack));
    // GetAccount has no resource-level permissions.
    worker.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ses:GetAccount'],
        resources: ['*'],
      }),
    );
    data.grantItems(worker, DATA_PREFIXES.email);
    acknowledgeSesIdentities(worker);
    acknowledgeSesAccount(worker);
  },
  payments: ({ worker, data }) => {
    data.ledgerTable.grantReadWriteData(worker);
    data.grantPrefix(worker, BUCKET_PREFIXES.payments);
    acknowledgeTableIndexes(worker, data.ledgerTable);
    acknowledgeBucketPrefix(worker, data.bucket, BUCKET_PREFIXES.payments);
  },
  orders: ({ stack, worker, data, events }) => {
    worker.addToRolePolicy(sesSend(stack));
    // send_reminders publishes a domain event on the stack bus.
    events.grantPublish(worker);
    data.grantItems(worker, DATA_PREFIXES.orders);
    acknowledgeSesIdentities(worker);
  },
  sync: ({ worker, data, store }) => {
    // Backups read whole tables; archiving removes the orders it archived.
    data.grantReadAll(worker, data.dataTable);
    data.grantReadAll(worker, data.ledgerTable);
    data.grantReadAll(worker, store.table);
    data.grantItems(worker, DATA_PREFIXES.orders);
    data.grantPrefix(worker, BUCKET_PREFIXES.sync, { remove: true });
    acknowledgeTableIndexes(worker, data.dataTable);
    acknowledgeTableIndexes(worker, data.ledgerTable);
    acknowledgeBucketPrefix(worker, data.bucket, BUCKET_PREFIXES.sync);
  },
  analytics: ({ worker, data, store }) => {
    store.grantQueryRecords(worker);
    data.grantItems(worker, DATA_PREFIXES.analytics);
    data.grantPrefix(worker, BUCKET_PREFIXES.analytics);
    acknowledgeBucketPrefix(worker, data.bucket, BUCKET_PREFIXES.analytics);
  },
  monitoring: ({ worker, data, store }) => {
    store.grantQueryRecords(worker);
    data.grantItems(worker, DATA_PREFIXES.monitoring);
  },
};
