import { fileURLToPath } from 'node:url';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { Delays } from '../../lib/constructs/delays.js';
import {
  MonitoringApi,
  type MonitoringApiAuth,
  monitoringAuthFrom,
} from '../../lib/constructs/monitoring-api.js';
import { TaskEvents } from '../../lib/constructs/task-events.js';
import { TaskStore } from '../../lib/constructs/task-store.js';
import { TaskStream } from '../../lib/constructs/task-stream.js';
import { TierQueues } from '../../lib/constructs/tier-queues.js';
import { ROUTES } from '../../src/protocol/monitoring-routes.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The stream observer and the monitoring API on their own, without the whole catalog's workers. */
function monitoringStack(auth?: MonitoringApiAuth, statsRetentionDays?: number) {
  const stack = new Stack(new App(), 'Mon');
  const store = new TaskStore(stack, 'Store');
  const events = new TaskEvents(stack, 'Events');
  const delays = new Delays(stack, 'Delays');
  const queues = new TierQueues(stack, 'q', {
    category: 'diagnostics',
    tiers: ['normal'],
    visibilityTimeout: Duration.seconds(180),
  });
  const stream = new TaskStream(stack, 'Stream', {
    store,
    events,
    taskNames: ['diagnostics.ping'],
    entry: `${ROOT}lambdas/task-stream/index.ts`,
    depsLockFilePath: `${ROOT}package-lock.json`,
    ...(statsRetentionDays !== undefined ? { statsRetentionDays } : {}),
  });
  new MonitoringApi(stack, 'Monitoring', {
    store,
    stream,
    delays,
    queues: [queues],
    beatGroupName: 'beat',
    errorRatePercent: 10,
    entry: `${ROOT}lambdas/monitoring-api/index.ts`,
    depsLockFilePath: `${ROOT}package-lock.json`,
    ...(auth ? { auth } : {}),
  });
  return Template.fromStack(stack);
}

let template: Template;
beforeAll(() => {
  template = monitoringStack();
});

describe('task stream', () => {
  it("feeds the task table's stream (old and new images) to the observer, task items only", () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 86_400,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StreamDlq'), 'Arn'] } },
      },
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              eventName: ['INSERT', 'MODIFY'],
              dynamodb: { Keys: { pk: { S: [{ prefix: 'TASK#' }] }, sk: { S: ['TASK'] } } },
            }),
          },
        ],
      },
    });
  });

  it('keeps statistics in their own encrypted table with TTL, written only by the observer', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: Match.absent(),
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      SSESpecification: { SSEEnabled: true },
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      StreamSpecification: Match.absent(),
    });
    type Statement = { Action: string | string[]; Resource: unknown };
    const policies = template.findResources('AWS::IAM::Policy') as Record<
      string,
      { Properties: { PolicyDocument: { Statement: Statement[] } } }
    >;
    const writers = Object.entries(policies).filter(([, p]) =>
      p.Properties.PolicyDocument.Statement.some(
        (st) =>
          [st.Action].flat().some((a) => a === 'dynamodb:UpdateItem' || a === 'dynamodb:PutItem') &&
          JSON.stringify(st.Resource).includes('StreamStats'),
      ),
    );
    expect(writers.map(([id]) => id)).toEqual([expect.stringMatching(/^StreamObserverRole/)]);
  });

  it('fails if statistics are kept for less than a day or more than 400', () => {
    expect(() => monitoringStack(undefined, 0)).toThrow(
      /statsRetentionDays \(0\) must be a whole number of days from 1 to 400/,
    );
  });
});

describe('monitoring API', () => {
  it('serves every route through one function, each behind IAM authorization', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Route', ROUTES.length);
    for (const key of ROUTES) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: key,
        AuthorizationType: 'AWS_IAM',
      });
    }
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
    template.hasOutput('MonitoringApiUrl', {});
  });

  it('puts a JWT authorizer in front of every route when asked', () => {
    const jwt = monitoringStack({
      type: 'jwt',
      issuer: 'https://id.example.com',
      audience: ['lovage'],
    });
    jwt.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: 'https://id.example.com', Audience: ['lovage'] },
    });
    jwt.resourcePropertiesCountIs(
      'AWS::ApiGatewayV2::Route',
      { AuthorizationType: 'JWT' },
      ROUTES.length,
    );
  });

  it('fails if the JWT settings from cdk context are incomplete or unknown', () => {
    expect(monitoringAuthFrom({})).toEqual({ type: 'iam' });
    expect(() => monitoringAuthFrom({ auth: 'cognito' })).toThrow(
      /monitoringAuth \('cognito'\) must be iam or jwt/,
    );
    expect(() =>
      monitoringAuthFrom({ auth: 'jwt', issuer: 'http://id.example.com', audience: 'a' }),
    ).toThrow(/monitoringJwtIssuer .* must be an https:\/\/ URL/);
    expect(() => monitoringAuthFrom({ auth: 'jwt', issuer: 'https://id.example.com' })).toThrow(
      /monitoringJwtAudience must name at least one audience/,
    );
    expect(
      monitoringAuthFrom({ auth: 'jwt', issuer: 'https://id.example.com', audience: 'a, b' }),
    ).toEqual({
      type: 'jwt',
      issuer: 'https://id.example.com',
      audience: ['a', 'b'],
    });
  });
});
