import { CfnOutput, Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { MONITORING_ENV } from '../../src/protocol/monitoring-env.js';
import { ROUTES } from '../../src/protocol/monitoring-routes.js';
import { STACK_OUTPUTS } from '../../src/protocol/outputs.js';
import { StackValidationError } from '../validation.js';
import type { Delays } from './delays.js';
import { LovageFunction } from './lovage-function.js';
import type { TaskStore } from './task-store.js';
import type { TaskStream } from './task-stream.js';
import type { TierQueues } from './tier-queues.js';

/** Who may call the API: AWS credentials (SigV4, the default) or bearer tokens of an OIDC issuer. */
export type MonitoringApiAuth =
  | { readonly type: 'iam' }
  | {
      readonly type: 'jwt';
      /** The issuer's URL (`https://...`), whose JWKS signs the tokens. */
      readonly issuer: string;
      /** Accepted `aud` (or `client_id`) values, at least one. */
      readonly audience: readonly string[];
    };

export interface MonitoringApiProps {
  readonly store: TaskStore;
  readonly stream: TaskStream;
  readonly delays: Delays;
  /** Every category's tier queues (depths, sending). */
  readonly queues: readonly TierQueues[];
  /** The beat's schedule group (schedules and their health). */
  readonly beatGroupName: string;
  /** The stage's error-rate threshold, percent (health). */
  readonly errorRatePercent: number;
  readonly entry: string;
  readonly depsLockFilePath: string;
  /** @default { type: 'iam' } */
  readonly auth?: MonitoringApiAuth;
  /**
   * Steady-state requests per second the stage accepts (burst twice that).
   * @default 50
   */
  readonly rateLimit?: number;
  readonly logRetention?: logs.RetentionDays;
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The monitoring HTTP API: an API Gateway HTTP API whose every route (see
 * src/api ROUTES) goes to one function, authorized with IAM (SigV4) unless
 * a JWT authorizer is chosen, with access logs and throttling on its
 * `$default` stage. Output `MonitoringApiUrl`.
 */
export class MonitoringApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly handler: LovageFunction;
  /** The API's base URL (no trailing slash). */
  readonly url: string;

  constructor(scope: Construct, id: string, props: MonitoringApiProps) {
    super(scope, id);
    const auth = props.auth ?? { type: 'iam' };
    validateAuth(auth);
    const stack = Stack.of(this);
    this.handler = new LovageFunction(this, 'Handler', {
      entry: props.entry,
      depsLockFilePath: props.depsLockFilePath,
      description: 'Lovage monitoring API and dashboard duration widget',
      timeout: Duration.seconds(29),
      memorySize: 512,
      serviceName: 'lovage-monitoring-api',
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      environment: {
        [MONITORING_ENV.stackName]: stack.stackName,
        [MONITORING_ENV.statsTable]: props.stream.statsTable.tableName,
        [MONITORING_ENV.errorRatePercent]: String(props.errorRatePercent),
      },
    });
    this.grantOperations(props);

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy,
    });
    this.api = new apigw.HttpApi(this, 'Api', {
      description: 'Lovage monitoring API',
      createDefaultStage: false,
      defaultAuthorizer:
        auth.type === 'jwt'
          ? new HttpJwtAuthorizer('Jwt', auth.issuer, { jwtAudience: [...auth.audience] })
          : new HttpIamAuthorizer(),
    });
    const rate = props.rateLimit ?? 50;
    new apigw.HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: rate, burstLimit: rate * 2 },
      accessLogSettings: { destination: new apigw.LogGroupLogDestination(accessLogs) },
    });
    const integration = new HttpLambdaIntegration('Handler', this.handler.function);
    for (const key of ROUTES) {
      const [method, path] = key.split(' ') as [keyof typeof apigw.HttpMethod, string];
      this.api.addRoutes({ path, methods: [apigw.HttpMethod[method]], integration });
    }
    this.url = this.api.apiEndpoint;
    new CfnOutput(stack, STACK_OUTPUTS.monitoringApiUrl, { value: this.url });
  }

  /** Lets `grantee` call every route (execute-api:Invoke on this API's $default stage). */
  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: [this.api.arnForExecuteApi('*', '/*', '$default')],
    });
  }

  /** What the routes call: the same reads and actions as the CLI, nothing more. */
  private grantOperations(props: MonitoringApiProps): void {
    const fn = this.handler.function;
    const stack = Stack.of(this);
    props.store.grantWriteRecords(fn);
    props.stream.grantReadStatistics(fn);
    props.delays.grantClientDelays(fn);
    for (const queues of props.queues) {
      for (const { queue, deadLetterQueue } of queues.tiers) {
        queue.grantSendMessages(fn);
        queue.grant(fn, 'sqs:GetQueueAttributes');
        deadLetterQueue.grant(fn, 'sqs:GetQueueAttributes');
      }
    }
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['scheduler:GetSchedule'],
        resources: [
          stack.formatArn({
            service: 'scheduler',
            resource: 'schedule',
            resourceName: `${props.beatGroupName}/*`,
          }),
        ],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['cloudformation:DescribeStacks'],
        resources: [
          stack.formatArn({
            service: 'cloudformation',
            resource: 'stack',
            resourceName: `${stack.stackName}/*`,
          }),
        ],
      }),
    );
    // Neither ListSchedules nor GetMetricData has resource-level permissions.
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['scheduler:ListSchedules', 'cloudwatch:GetMetricData'],
        resources: ['*'],
      }),
    );
  }
}

function validateAuth(auth: MonitoringApiAuth): void {
  if (auth.type !== 'jwt') return;
  if (!/^https:\/\/[^\s/]+/.test(auth.issuer)) {
    throw new StackValidationError(
      'monitoringJwtIssuer',
      `('${auth.issuer}') must be an https:// URL`,
    );
  }
  if (auth.audience.length === 0 || auth.audience.some((a) => a.trim() === '')) {
    throw new StackValidationError(
      'monitoringJwtAudience',
      'must name at least one audience (comma-separated)',
    );
  }
}

/**
 * The API's authorization from cdk context: `-c monitoringAuth=jwt
 * -c monitoringJwtIssuer=https://... -c monitoringJwtAudience=a,b`; IAM when
 * `monitoringAuth` is absent or `iam`. Anything else fails synth.
 */
export function monitoringAuthFrom(context: {
  auth?: unknown;
  issuer?: unknown;
  audience?: unknown;
}): MonitoringApiAuth {
  if (context.auth === undefined || context.auth === 'iam') return { type: 'iam' };
  if (context.auth !== 'jwt') {
    throw new StackValidationError(
      'monitoringAuth',
      `('${String(context.auth)}') must be iam or jwt`,
    );
  }
  const auth: MonitoringApiAuth = {
    type: 'jwt',
    issuer: String(context.issuer ?? ''),
    audience: String(context.audience ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean),
  };
  validateAuth(auth);
  return auth;
}
