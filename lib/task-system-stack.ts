import { fileURLToPath } from 'node:url';
import { Annotations, Aspects, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import type { Catalog } from '../src/catalog/index.js';
import { delaySchedulePrefix } from '../src/protocol/delays.js';
import { STACK_OUTPUTS } from '../src/protocol/outputs.js';
import { WORKLOAD_ENV } from '../src/protocol/workload.js';
import { CATEGORY_PERMISSIONS } from './category-permissions.js';
import {
  DestroyedTablesWarning,
  monitoringAllowNetworksFrom,
  type StageConfig,
  stageConfig,
} from './config.js';
import { Beat } from './constructs/beat.js';
import { CategoryWorker } from './constructs/category-worker.js';
import { CeleryCompat } from './constructs/celery-compat.js';
import { Delays } from './constructs/delays.js';
import { EventTriggers } from './constructs/event-triggers.js';
import { MonitoringApi, type MonitoringApiAuth } from './constructs/monitoring-api.js';
import { Operations } from './constructs/operations.js';
import { TaskEvents } from './constructs/task-events.js';
import { TaskStore } from './constructs/task-store.js';
import { TaskStream } from './constructs/task-stream.js';
import { TierQueues } from './constructs/tier-queues.js';
import { wireChildSends, wireWorkflowEngine } from './constructs/workflow-wiring.js';
import { WorkloadData } from './constructs/workload-data.js';
import {
  acknowledgeDelaySchedules,
  acknowledgeEventDeadLetterQueue,
  acknowledgeMonitoringApi,
  acknowledgeRuntimePin,
  acknowledgeStreamDeadLetterQueue,
  acknowledgeStreamListing,
  acknowledgeTableIndexes,
} from './nag-suppressions.js';
import { checkQueuesOutputSize, queueParameterName } from './queue-directory.js';
import { requiredVisibilityTimeoutSeconds } from './validation.js';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface TaskSystemStackProps extends StackProps {
  readonly catalog: Catalog;
  /**
   * `prod` keeps the tables, queues, bucket and logs when the stack is
   * deleted and keeps logs longer; `dev` removes them.
   * @default 'dev'
   */
  readonly stage?: 'dev' | 'prod';
  /** @default - no e-mail subscription on the alert topic */
  readonly alertEmail?: string;
  /**
   * Networks (CIDR) that `monitoring` may fetch although they are private,
   * unique-local or (outside prod) loopback, e.g. `['10.1.0.0/16']` for
   * internal services. Link-local (metadata services) is never allowed.
   * @default - none: every non-public address is refused
   */
  readonly monitoringAllowNetworks?: readonly string[];
  /**
   * Create the Celery result table (Python `AsyncResult(id).get()` reads Lovage's results).
   * @default the catalog's `celery.resultTable` (false unless the catalog turns it on)
   */
  readonly celeryResults?: boolean;
  /**
   * Who may call the monitoring API.
   * @default { type: 'iam' } (SigV4-signed requests with execute-api:Invoke)
   */
  readonly monitoringAuth?: MonitoringApiAuth;
}

/**
 * Everything `cdk deploy` creates, derived from the catalog alone. Composition
 * only: each concern lives in its own construct.
 */
export class TaskSystemStack extends Stack {
  readonly config: StageConfig;
  /** Worst-case deployed length of the `TierQueues` output (limit 4096). */
  readonly queuesOutputLength: number;
  /** Celery client policy and, when enabled, the Celery result table. */
  readonly celery: CeleryCompat;

  constructor(scope: Construct, id: string, props: TaskSystemStackProps) {
    super(scope, id, props);
    const { catalog } = props;
    this.config = stageConfig(props.stage ?? 'dev');
    const { removalPolicy } = this.config;
    const allowNetworks = monitoringAllowNetworksFrom(
      props.monitoringAllowNetworks,
      this.config.stage,
    );

    const store = new TaskStore(this, 'Store', { removalPolicy });
    const delays = new Delays(this, 'Delays', { removalPolicy });
    const events = new TaskEvents(this, 'Events');
    const data = new WorkloadData(this, 'Data', {
      removalPolicy,
      deletionProtection: this.config.deletionProtection,
    });
    const workloadEnv = {
      [WORKLOAD_ENV.dataBucket]: data.bucket.bucketName,
      [WORKLOAD_ENV.dataTable]: data.dataTable.tableName,
      [WORKLOAD_ENV.ledgerTable]: data.ledgerTable.tableName,
    };

    const categories = catalog.categories.map((category) => {
      const queues = new TierQueues(this, `${category.name}-queues`, {
        category: category.name,
        tiers: catalog.tiersOf(category.name),
        visibilityTimeout: Duration.seconds(
          requiredVisibilityTimeoutSeconds(category.timeoutSeconds, category.batchingWindowSeconds),
        ),
        retentionPeriod: Duration.seconds(category.retentionSeconds),
        maxReceiveCount: category.maxReceiveCount,
        removalPolicy,
      });
      // Senders (client, CLI) schedule delayed tasks into any tier queue; workers only into their own.
      for (const { queue } of queues.tiers) delays.allowDeliveryTo(queue);
      const worker = new CategoryWorker(this, `${category.name}-worker`, {
        category,
        queues,
        store,
        delays,
        events,
        entry: `${PROJECT_ROOT}lambdas/${category.name}/index.ts`,
        depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
        environment: workloadEnv,
        logRetention: this.config.logRetention,
        removalPolicy,
      });
      CATEGORY_PERMISSIONS[category.name]?.({ stack: this, worker, data, store, events });
      acknowledgeTableIndexes(worker, store.table);
      acknowledgeDelaySchedules(
        worker,
        delays.group.scheduleGroupName,
        `${delaySchedulePrefix(category.name)}*`,
      );
      const tasks = [...catalog.tasks.values()]
        .filter((t) => t.category === category.name)
        .map((t) => t.name);
      return { name: category.name, queues, worker, tasks };
    });
    const monitoringCategory = categories.find((c) => c.name === 'monitoring');
    if (monitoringCategory && allowNetworks.length > 0) {
      monitoringCategory.worker.function.addEnvironment(
        WORKLOAD_ENV.monitoringAllowNetworks,
        allowNetworks.join(','),
      );
      Annotations.of(monitoringCategory.worker).addWarningV2(
        'lovage:monitoring-allow-networks',
        `monitoring may fetch ${allowNetworks.join(', ')} (monitoringAllowNetworks); every other loopback, link-local, private and unique-local address is refused`,
      );
    }
    const queueFor = (category: string, tier: Parameters<TierQueues['tier']>[0]) => {
      const found = categories.find((c) => c.name === category);
      if (!found) throw new Error(`no queues for category '${category}'`);
      return found.queues.tier(tier).queue;
    };

    const beat = new Beat(this, 'Beat', { catalog, queueFor, removalPolicy });
    const triggers = new EventTriggers(this, 'Triggers', {
      bus: events.bus,
      triggers: catalog.triggers,
      queueFor,
      removalPolicy,
    });
    const stream = new TaskStream(this, 'Stream', {
      store,
      events,
      taskNames: [...catalog.tasks.keys()],
      entry: `${PROJECT_ROOT}lambdas/task-stream/index.ts`,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
      logRetention: this.config.logRetention,
      removalPolicy,
    });
    const wired = categories.map((c) => ({
      name: c.name,
      fn: c.worker.function,
      queueOf: (tier: Parameters<TierQueues['tier']>[0]) => c.queues.tier(tier).queue,
    }));
    wireChildSends(catalog, wired);
    wireWorkflowEngine(stream.observer.function, store, catalog, wired);
    const monitoring = new MonitoringApi(this, 'Monitoring', {
      store,
      stream,
      delays,
      queues: categories.map((c) => c.queues),
      beatGroupName: beat.group.scheduleGroupName,
      errorRatePercent: this.config.errorRatePercent,
      entry: `${PROJECT_ROOT}lambdas/monitoring-api/index.ts`,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
      auth: props.monitoringAuth,
      logRetention: this.config.logRetention,
      removalPolicy,
    });
    const operations = new Operations(this, 'Operations', {
      categories,
      extraDeadLetterMetrics: {
        beat: beat.metricDeadLetterDepth(),
        triggers: triggers.metricDeadLetterDepth(),
        taskStream: stream.metricDeadLetterDepth(),
      },
      durationWidgetFunction: monitoring.handler.function,
      alertEmail: props.alertEmail,
      errorRatePercent: this.config.errorRatePercent,
      dashboardName: `${this.stackName}-tasks`,
    });

    const queueDirectory = Object.fromEntries(
      categories.flatMap((c) =>
        c.queues.tiers.map((t) => [
          `${c.name}/${t.tier}`,
          { url: t.queue.queueUrl, dlq: t.deadLetterQueue.queueUrl },
        ]),
      ),
    );
    this.queuesOutputLength = checkQueuesOutputSize(
      this.stackName,
      categories.flatMap((c) => c.queues.tiers.map((t) => ({ key: `${c.name}/${t.tier}`, ...t }))),
    );
    new CfnOutput(this, STACK_OUTPUTS.queues, { value: this.toJsonString(queueDirectory) });
    // One parameter per category too: a directory that never outgrows an output's 4 KB.
    for (const c of categories) {
      new ssm.StringParameter(this, `${c.name}-queue-directory`, {
        parameterName: queueParameterName(this.stackName, c.name),
        description: `Lovage: tier queues of the '${c.name}' category`,
        stringValue: this.toJsonString(
          Object.fromEntries(
            c.queues.tiers.map((t) => [
              t.tier,
              { url: t.queue.queueUrl, dlq: t.deadLetterQueue.queueUrl },
            ]),
          ),
        ),
      });
    }

    new CfnOutput(this, STACK_OUTPUTS.tableName, { value: store.table.tableName });
    new CfnOutput(this, STACK_OUTPUTS.scheduleGroup, { value: beat.group.scheduleGroupName });
    new CfnOutput(this, STACK_OUTPUTS.delayScheduleGroup, {
      value: delays.group.scheduleGroupName,
    });
    new CfnOutput(this, STACK_OUTPUTS.delayRoleArn, { value: delays.deliveryRole.roleArn });
    new CfnOutput(this, STACK_OUTPUTS.eventBusName, { value: events.bus.eventBusName });
    new CfnOutput(this, STACK_OUTPUTS.dashboardName, { value: operations.dashboard.dashboardName });
    new CfnOutput(this, STACK_OUTPUTS.alertTopicArn, { value: operations.alertTopic.topicArn });
    new CfnOutput(this, STACK_OUTPUTS.dataBucketName, { value: data.bucket.bucketName });
    new CfnOutput(this, STACK_OUTPUTS.dataTableName, { value: data.dataTable.tableName });
    new CfnOutput(this, STACK_OUTPUTS.ledgerTableName, { value: data.ledgerTable.tableName });
    new CfnOutput(this, STACK_OUTPUTS.stage, { value: this.config.stage });
    new CfnOutput(this, STACK_OUTPUTS.statsTableName, { value: stream.statsTable.tableName });

    Aspects.of(this).add(new DestroyedTablesWarning());

    this.celery = new CeleryCompat(this, 'Celery', {
      queues: categories.flatMap((c) => c.queues.tiers.map((t) => t.queue)),
      resultTable: props.celeryResults ?? catalog.celery.resultTable,
      removalPolicy,
    });
    if (this.celery.resultTable) {
      new CfnOutput(this, STACK_OUTPUTS.celeryResultTable, {
        value: this.celery.resultTable.tableName,
      });
    }
    new CfnOutput(this, STACK_OUTPUTS.celeryClientPolicyArn, {
      value: this.celery.clientPolicy.managedPolicyArn,
    });
    // The observer mirrors Celery-originated tasks into the result table, when there is one.
    this.celery.grantMirrorWrites(stream.observer.function);

    acknowledgeRuntimePin(this);
    acknowledgeEventDeadLetterQueue(beat.deadLetterQueue);
    acknowledgeEventDeadLetterQueue(triggers.deadLetterQueue);
    acknowledgeStreamDeadLetterQueue(stream.deadLetterQueue);
    acknowledgeMonitoringApi(monitoring.handler, store.table, beat.group.scheduleGroupName);
    acknowledgeDelaySchedules(monitoring.handler, delays.group.scheduleGroupName);
    acknowledgeStreamListing(stream.observer);
  }
}
