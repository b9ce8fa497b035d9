import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { alertEmailFrom } from '../lib/config.js';
import { monitoringAuthFrom } from '../lib/constructs/monitoring-api.js';
import { TaskSystemStack } from '../lib/task-system-stack.js';
import { catalog } from '../src/catalog/index.js';
import { DEFAULT_STACK_NAME } from '../src/protocol/outputs.js';

const app = new App();

new TaskSystemStack(app, process.env.LOVAGE_STACK_NAME ?? DEFAULT_STACK_NAME, {
  catalog,
  stage: app.node.tryGetContext('stage') ?? 'dev',
  alertEmail: alertEmailFrom(app.node.tryGetContext('alertEmail')),
  monitoringAuth: monitoringAuthFrom({
    auth: app.node.tryGetContext('monitoringAuth'),
    issuer: app.node.tryGetContext('monitoringJwtIssuer'),
    audience: app.node.tryGetContext('monitoringJwtAudience'),
  }),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
// Every synth is checked against the AWS Solutions rules; a finding that is
// neither fixed nor suppressed with a reason (lib/nag-suppressions.ts) fails it.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
