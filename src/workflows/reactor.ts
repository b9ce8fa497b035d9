import type { Logger } from '@aws-lambda-powertools/logger';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Catalog } from '../catalog/index.js';
import { OBSERVER_ENV } from '../protocol/monitoring-env.js';
import { FINISHED_STATES } from '../protocol/records.js';
import { withoutSdkLogging } from '../sdk-logging.js';
import { ReactionError } from '../stream/errors.js';
import type { TaskChange, TaskChangeReactor } from '../stream/types.js';
import { type FinishedStep, WorkflowEngine } from './engine.js';
import { pathOf } from './plan.js';

/** Workflows advanced side by side within one batch of changes. */
const WORKFLOWS_IN_PARALLEL = 8;

/** A finished step of a batch, and where it sits in the batch. */
interface Due {
  readonly index: number;
  readonly step: FinishedStep;
}

/**
 * The task stream reactor that advances workflows: every change that takes a workflow step
 * into a finished state (SUCCESS, FAILURE, REVOKED, EXPIRED) goes to the engine. The
 * changes of one workflow are handled one after another, in stream order; different
 * workflows side by side. When some fail, the batch is reported failed from the earliest
 * change not handled, so the stream delivers it (and what follows it) again; the engine's
 * reactions are idempotent, so changes handled before are harmless to see twice.
 *
 * @example
 * const reactors = [lifecycleEventsReactor(...), workflowReactor(new WorkflowEngine(deps), logger)];
 */
export function workflowReactor(engine: WorkflowEngine, logger: Logger): TaskChangeReactor {
  const name = 'workflows';
  return {
    name,
    async react(changes) {
      const due = await finishedSteps(engine, changes);
      const byWorkflow = new Map<string, Due[]>();
      for (const entry of due) {
        const list = byWorkflow.get(entry.step.workflowId) ?? [];
        list.push(entry);
        byWorkflow.set(entry.step.workflowId, list);
      }
      const queue = [...byWorkflow.values()];
      let failedAt: number | undefined;
      let cause: unknown;
      const worker = async () => {
        for (let list = queue.shift(); list; list = queue.shift()) {
          for (const { index, step } of list) {
            try {
              await engine.onStepFinished(step);
            } catch (error) {
              logger.error('workflow step not advanced; the stream will deliver it again', {
                workflowId: step.workflowId,
                stepId: step.record.id,
                error: error as Error,
              });
              if (failedAt === undefined || index < failedAt) {
                failedAt = index;
                cause = error;
              }
              break;
            }
          }
        }
      };
      await Promise.all(Array.from({ length: WORKFLOWS_IN_PARALLEL }, worker));
      if (failedAt !== undefined) {
        const change = changes[failedAt] as TaskChange;
        throw new ReactionError(
          name,
          change.eventId,
          `could not advance the workflow of ${change.after?.id}: ${(cause as Error).message}`,
          { cause },
        );
      }
    },
  };
}

/**
 * The changes that take a workflow step into a finished state, with their workflow and path.
 * A REVOKED record without a workflow id (a step revoked by its id before it was claimed)
 * is looked up by the id's shape.
 */
async function finishedSteps(
  engine: WorkflowEngine,
  changes: readonly TaskChange[],
): Promise<Due[]> {
  const due: Due[] = [];
  for (const [index, change] of changes.entries()) {
    const record = change.after;
    if (!record || !FINISHED_STATES.includes(record.state)) continue;
    // A history note on a record that was already finished (a revoked run that noticed).
    if (change.before?.state === record.state) continue;
    const workflowId =
      record.workflowId ??
      (record.state === 'REVOKED' ? await engine.workflowOfRevoked(record.id) : undefined);
    if (!workflowId) continue;
    const path = pathOf(workflowId, record.id);
    if (!path) continue;
    due.push({ index, step: { workflowId, path, record } });
  }
  return due;
}

/**
 * The workflow reactor the stack configures (LOVAGE_TASK_TABLE, LOVAGE_WORKFLOW_QUEUES), or
 * undefined when the observer was deployed without them.
 */
export function workflowReactorFromEnvironment(
  catalog: Catalog,
  db: DynamoDBDocumentClient,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
): TaskChangeReactor | undefined {
  const tableName = env[OBSERVER_ENV.taskTable];
  const queues = env[OBSERVER_ENV.workflowQueues];
  if (!tableName || !queues) return undefined;
  const engine = new WorkflowEngine({
    db,
    tableName,
    sqs: withoutSdkLogging(new SQSClient({})),
    queues: JSON.parse(queues) as Record<string, string>,
    catalog,
    logger,
  });
  return workflowReactor(engine, logger);
}
