import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { catalog } from '../../src/catalog/index.js';
import { CeleryResultMirror } from '../../src/celery/index.js';
import { OBSERVER_ENV } from '../../src/protocol/monitoring-env.js';
import { withoutSdkLogging } from '../../src/sdk-logging.js';
import {
  createObserver,
  lifecycleEventsReactor,
  statisticsReactor,
  type TaskChangeReactor,
} from '../../src/stream/index.js';
import { workflowReactorFromEnvironment } from '../../src/workflows/reactor.js';
import { requireEnv } from '../shared/env.js';

/**
 * The task stream observer: the one place that reacts to committed task
 * changes. Each reactor gets every batch; adding one (a Celery result
 * mirror, say) is one more line in `reactors`.
 */
const logger = new Logger();
const db = DynamoDBDocumentClient.from(withoutSdkLogging(new DynamoDBClient({})), {
  marshallOptions: { removeUndefinedValues: true },
});

const reactors: TaskChangeReactor[] = [
  lifecycleEventsReactor({
    client: withoutSdkLogging(new EventBridgeClient({})),
    busName: requireEnv(OBSERVER_ENV.eventBus),
    started: process.env[OBSERVER_ENV.publishStarted] !== 'false',
  }),
  statisticsReactor({
    db,
    tableName: requireEnv(OBSERVER_ENV.statsTable),
    knownTasks: new Set(JSON.parse(requireEnv(OBSERVER_ENV.taskNames)) as string[]),
    retentionDays: Number(process.env[OBSERVER_ENV.statsRetentionDays] ?? 14),
  }),
];
// Celery-layout result items, when the stack has a Celery result table.
const celery = CeleryResultMirror.fromEnvironment(catalog);
if (celery) reactors.push(celery);
// Chains, groups and chords advance from their steps' committed states.
const workflows = workflowReactorFromEnvironment(catalog, db, logger);
if (workflows) reactors.push(workflows);

export const handler = createObserver(reactors, logger);
