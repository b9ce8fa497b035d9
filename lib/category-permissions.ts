import type { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
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

/**
 * A statement that needs a cdk-nag acknowledgement, in a policy of its own
 * on the worker's role, with the acknowledgement on that policy alone: it
 * excuses this one statement, and the same finding anywhere else on the
 * role (a later wildcard grant) still fails synth.
 */
function acknowledgedStatement(
  worker: CategoryWorker,
  id: string,
  statement: iam.PolicyStatement,
  acknowledge: (scope: IConstruct) => void,
): void {
  const policy = new iam.Policy(worker, id, { statements: [statement] });
  policy.attachToRole(worker.role);
  acknowledge(policy);
}

/** ses:SendEmail from any verified identity of the account (the sender is task input). */
const grantSesSend = (stack: Stack, worker: CategoryWorker) =>
  acknowledgedStatement(
    worker,
    'SesSendPolicy',
    new iam.PolicyStatement({
      actions: ['ses:SendEmail'],
      resources: [stack.formatArn({ service: 'ses', resource: 'identity', resourceName: '*' })],
    }),
    acknowledgeSesIdentities,
  );

/**
 * What each seed category's task code calls, kept in one place so a reviewer
 * sees every grant and, next to it, every cdk-nag finding it causes with the
 * reason it is acknowledged. A category missing here gets only the runtime's
 * grants (its queues, its DLQs, task records, delays).
 */
export const CATEGORY_PERMISSIONS: Readonly<Record<string, (scope: PermissionScope) => void>> = {
  email: ({ stack, worker, data }) => {
    grantSesSend(stack, worker);
    // GetAccount has no resource-level permissions: the role's only statement on "*".
    acknowledgedStatement(
      worker,
      'SesQuotaPolicy',
      new iam.PolicyStatement({ actions: ['ses:GetAccount'], resources: ['*'] }),
      acknowledgeSesAccount,
    );
    data.grantItems(worker, DATA_PREFIXES.email);
  },
  payments: ({ worker, data }) => {
    data.ledgerTable.grantReadWriteData(worker);
    data.grantPrefix(worker, BUCKET_PREFIXES.payments);
    acknowledgeTableIndexes(worker, data.ledgerTable);
    acknowledgeBucketPrefix(worker, data.bucket, BUCKET_PREFIXES.payments);
  },
  orders: ({ stack, worker, data, events }) => {
    grantSesSend(stack, worker);
    // send_reminders publishes a domain event on the stack bus.
    events.grantPublish(worker);
    // Reminders read open orders from the byKind index: only kinds under ORDER#.
    data.grantItems(worker, DATA_PREFIXES.orders, { byKind: true });
  },
  sync: ({ worker, data, store }) => {
    // Backups read whole tables (that is their job, customer data included); archiving
    // claims and removes the orders it archived, and reads task records to tell a
    // crashed archive run from a live one.
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
  logs: ({ worker, data }) => {
    data.grantPrefix(worker, BUCKET_PREFIXES.logs);
    acknowledgeBucketPrefix(worker, data.bucket, BUCKET_PREFIXES.logs);
  },
  monitoring: ({ worker, data, store }) => {
    store.grantQueryRecords(worker);
    // check_apps lists registered applications from the byKind index: only kinds under APP#.
    data.grantItems(worker, DATA_PREFIXES.monitoring, { byKind: true });
  },
};
