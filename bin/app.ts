import { App } from 'aws-cdk-lib';
import { TaskSystemStack } from '../lib/task-system-stack.js';
import { catalog } from '../src/catalog/index.js';
import { DEFAULT_STACK_NAME } from '../src/protocol/outputs.js';

const app = new App();
const stage = app.node.tryGetContext('stage') === 'prod' ? 'prod' : 'dev';

new TaskSystemStack(app, process.env.LOVAGE_STACK_NAME ?? DEFAULT_STACK_NAME, {
  catalog,
  stage,
  alertEmail: app.node.tryGetContext('alertEmail'),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
