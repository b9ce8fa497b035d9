import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { alertEmailFrom, monitoringAllowNetworksFrom, stageConfig } from '../lib/config.js';
import { celeryResultsFrom } from '../lib/constructs/celery-compat.js';
import { monitoringAuthFrom } from '../lib/constructs/monitoring-api.js';
import { TaskSystemStack } from '../lib/task-system-stack.js';
import { catalog } from '../src/catalog/index.js';
import { DEFAULT_STACK_NAME } from '../src/protocol/outputs.js';

const app = new App();

const stage = stageConfig(app.node.tryGetContext('stage') ?? 'dev').stage;
new TaskSystemStack(app, process.env.LOVAGE_STACK_NAME ?? DEFAULT_STACK_NAME, {
  catalog,
  stage,
  alertEmail: alertEmailFrom(app.node.tryGetContext('alertEmail')),
  monitoringAllowNetworks: monitoringAllowNetworksFrom(
    app.node.tryGetContext('monitoringAllowNetworks'),
    stage,
  ),
  celeryResults: celeryResultsFrom(app.node.tryGetContext('celeryResults')),
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
