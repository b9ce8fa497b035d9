import { App } from 'aws-cdk-lib';

/**
 * A CDK app for template tests: everything is synthesized as `cdk synth`
 * does, except that the Lambda bundles are not built (CDK's
 * `aws:cdk:bundling-stacks` context, empty: no stack bundles). Template
 * assertions never read bundle contents, and esbuild is the slowest part of
 * a synth; the bundles are built and run by the integration tests.
 */
export function templateApp(): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [] } });
}
