import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { Catalog } from '../src/catalog/index.js';
import { STACK_OUTPUTS } from '../src/protocol/outputs.js';
import { Beat } from './constructs/beat.js';
import { CategoryWorker } from './constructs/category-worker.js';
import { Delays } from './constructs/delays.js';
import { Operations } from './constructs/operations.js';
import { TaskEvents } from './constructs/task-events.js';
import { TaskStore } from './constructs/task-store.js';
import { TierQueues } from './constructs/tier-queues.js';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface TaskSystemStackProps extends StackProps {
  readonly catalog: Catalog;
  /**
   * `prod` keeps the table, queues and logs when the stack is deleted; `dev`
   * removes them.
   * @default 'dev'
   */
  readonly stage?: 'dev' | 'prod';
  /** @default - no e-mail subscription on the alert topic */
  readonly alertEmail?: string;
}

/**
 * Everything `cdk deploy` creates, derived from the catalog alone. Composition
 * only: each concern lives in its own construct.
 */
export class TaskSystemStack extends Stack {
  constructor(scope: Construct, id: string, props: TaskSystemStackProps) {
    super(scope, id, props);
    const { catalog } = props;
    const removalPolicy = props.stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    const store = new TaskStore(this, 'Store', { removalPolicy });
    const delays = new Delays(this, 'Delays', { removalPolicy });
    const events = new TaskEvents(this, 'Events');
    const categories = catalog.categories.map((category) => {
      const queues = new TierQueues(this, `${category.name}-queues`, {
        category: category.name,
        tiers: catalog.tiersOf(category.name),
        visibilityTimeout: Duration.seconds(6 * category.timeoutSeconds),
        maxReceiveCount: category.maxReceiveCount,
        removalPolicy,
      });
      const worker = new CategoryWorker(this, `${category.name}-worker`, {
        category,
        queues,
        store,
        delays,
        events,
        entry: `${PROJECT_ROOT}lambdas/${category.name}/index.ts`,
        depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
        removalPolicy,
      });
      for (const statement of CATEGORY_PERMISSIONS[category.name]?.(this) ?? []) {
        worker.function.addToRolePolicy(statement);
      }
      return { name: category.name, queues, worker };
    });

    const beat = new Beat(this, 'Beat', {
      catalog,
      queueFor: (category, tier) => {
        const found = categories.find((c) => c.name === category);
        if (!found) throw new Error(`no queues for category '${category}'`);
        return found.queues.tier(tier).queue;
      },
      removalPolicy,
    });

    const operations = new Operations(this, 'Operations', {
      categories,
      extraDeadLetterQueues: { beat: beat.deadLetterQueue },
      alertEmail: props.alertEmail,
      dashboardName: `${this.stackName}-tasks`,
    });

    new CfnOutput(this, STACK_OUTPUTS.tableName, { value: store.table.tableName });
    new CfnOutput(this, STACK_OUTPUTS.queues, {
      value: this.toJsonString(
        Object.fromEntries(
          categories.flatMap((c) =>
            c.queues.tiers.map((t) => [
              `${c.name}/${t.tier}`,
              { url: t.queue.queueUrl, dlq: t.deadLetterQueue.queueUrl },
            ]),
          ),
        ),
      ),
    });
    new CfnOutput(this, STACK_OUTPUTS.scheduleGroup, { value: beat.group.scheduleGroupName });
    new CfnOutput(this, STACK_OUTPUTS.delayScheduleGroup, {
      value: delays.group.scheduleGroupName,
    });
    new CfnOutput(this, STACK_OUTPUTS.delayRoleArn, { value: delays.deliveryRole.roleArn });
    new CfnOutput(this, STACK_OUTPUTS.eventBusName, { value: events.bus.eventBusName });
    new CfnOutput(this, STACK_OUTPUTS.dashboardName, { value: operations.dashboard.dashboardName });
    new CfnOutput(this, STACK_OUTPUTS.alertTopicArn, { value: operations.alertTopic.topicArn });
  }
}

/**
 * What each category's task code calls besides the task table and its own
 * queues. Kept next to the composition so a reviewer sees every grant.
 */
const CATEGORY_PERMISSIONS: Record<string, (stack: Stack) => iam.PolicyStatement[]> = {
  email: (stack) => [
    new iam.PolicyStatement({
      actions: ['ses:SendEmail'],
      resources: [stack.formatArn({ service: 'ses', resource: 'identity', resourceName: '*' })],
    }),
    // GetAccount has no resource-level permissions.
    new iam.PolicyStatement({ actions: ['ses:GetAccount'], resources: ['*'] }),
  ],
};
