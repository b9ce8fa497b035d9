import { Logger } from '@aws-lambda-powertools/logger';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import {
  createMonitoringApi,
  type MonitoringApiDependencies,
} from '../../src/api/monitoring-api.js';
import { isWidgetEvent, renderDurationWidget, type WidgetEvent } from '../../src/api/widget.js';
import { catalog } from '../../src/catalog/index.js';
import { LovageClient } from '../../src/client/index.js';
import { MONITORING_ENV } from '../../src/protocol/monitoring-env.js';
import { requireEnv } from '../shared/env.js';

/**
 * The monitoring HTTP API (and the dashboard's duration widget): thin over
 * src/api and src/ops, configured from the stack's outputs like the CLI.
 */
const logger = new Logger();
const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
const dynamodb = new DynamoDBClient({});
const stats = {
  db: DynamoDBDocumentClient.from(dynamodb),
  statsTable: requireEnv(MONITORING_ENV.statsTable),
};
let ready: Promise<MonitoringApiDependencies<typeof catalog>> | undefined;

const dependencies = () => {
  ready ??= LovageClient.fromStack(catalog, {
    stackName: requireEnv(MONITORING_ENV.stackName),
    sqs,
    dynamodb,
  }).then((lovage) => ({
    lovage,
    sqs,
    cloudwatch: new CloudWatchClient({}),
    scheduler: new SchedulerClient({}),
    stats,
    errorRatePercent: Number(requireEnv(MONITORING_ENV.errorRatePercent)),
    logger,
  }));
  // A failed lookup is tried again on the next request instead of being cached.
  ready.catch(() => {
    ready = undefined;
  });
  return ready;
};

const api = createMonitoringApi(dependencies);

export const handler = async (event: APIGatewayProxyEventV2 | WidgetEvent) =>
  isWidgetEvent(event) ? renderDurationWidget(stats, [...catalog.tasks.keys()], event) : api(event);
