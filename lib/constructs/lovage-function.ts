import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LOVAGE_BUNDLING, runtimeNodeOptions } from './bundling.js';

export interface LovageFunctionProps {
  /** Handler source file (bundled with esbuild, AWS SDK included). */
  readonly entry: string;
  /** Lock file esbuild resolves dependencies against. */
  readonly depsLockFilePath: string;
  readonly description: string;
  readonly timeout: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  readonly environment: Readonly<Record<string, string>>;
  /** Powertools service name (logs). */
  readonly serviceName: string;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN (log group) */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A Node.js 22 arm64 function the way every Lovage function is built: its
 * own log group and its own role that may write only that log group (no
 * AWSLambdaBasicExecutionRole, whose logs:* reaches every group), bundled
 * as {@link LOVAGE_BUNDLING} says. Callers grant what it calls.
 */
export class LovageFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: LovageFunctionProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry,
      depsLockFilePath: props.depsLockFilePath,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: props.timeout,
      memorySize: props.memorySize ?? 256,
      role: this.role,
      logGroup,
      description: props.description,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        ...runtimeNodeOptions(this),
      },
      bundling: LOVAGE_BUNDLING,
    });
  }
}
