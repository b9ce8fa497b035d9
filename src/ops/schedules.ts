import {
  GetScheduleCommand,
  type GetScheduleCommandOutput,
  paginateListSchedules,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { StackConfig } from '../client/index.js';
import { replaceSchedule } from '../drift/live.js';
import { LovageError } from '../errors.js';
import { MESSAGE_ATTRIBUTES, SCHEDULED_TIME_PLACEHOLDER } from '../protocol/envelope.js';

/** One beat schedule as `lovage schedules list` shows it. */
export interface BeatSchedule {
  /** Catalog schedule name (from the envelope's `source: beat:<name>`). */
  readonly name: string;
  /** Scheduler's name for it. */
  readonly scheduleName: string;
  readonly expression: string;
  readonly timezone: string;
  readonly state: 'ENABLED' | 'DISABLED';
  readonly task: string | undefined;
  readonly tier: string | undefined;
  /** When the schedule was created (Scheduler's CreationDate), ISO-8601. */
  readonly createdAt?: string;
}

export class ScheduleNotFoundError extends LovageError {
  constructor(name: string, known: readonly string[]) {
    super(`no schedule '${name}' in the beat; it has: ${known.join(', ') || '(none)'}`);
    this.name = 'ScheduleNotFoundError';
  }
}

/**
 * The beat's schedules, read from EventBridge Scheduler (not the catalog), so a paused or
 * missing schedule shows as it really is.
 *
 * @example
 * const schedules = await listSchedules(config, scheduler);
 */
export async function listSchedules(
  config: StackConfig,
  scheduler: SchedulerClient,
): Promise<BeatSchedule[]> {
  const details = await readSchedules(config, scheduler);
  return details.map(toBeatSchedule).sort((a, b) => a.name.localeCompare(b.name));
}

/** Every schedule of the beat group, as GetSchedule returns it. */
async function readSchedules(
  config: StackConfig,
  scheduler: SchedulerClient,
): Promise<GetScheduleCommandOutput[]> {
  const names: string[] = [];
  for await (const page of paginateListSchedules(
    { client: scheduler },
    { GroupName: config.scheduleGroup },
  )) {
    for (const s of page.Schedules ?? []) if (s.Name) names.push(s.Name);
  }
  return Promise.all(
    names.map((Name) =>
      scheduler.send(new GetScheduleCommand({ Name, GroupName: config.scheduleGroup })),
    ),
  );
}

/**
 * Pauses (`DISABLED`) or resumes (`ENABLED`) a beat schedule by its catalog name.
 *
 * @example
 * await setScheduleState(config, scheduler, 'email-quota-check', 'DISABLED');
 */
export async function setScheduleState(
  config: StackConfig,
  scheduler: SchedulerClient,
  name: string,
  state: 'ENABLED' | 'DISABLED',
): Promise<BeatSchedule> {
  const current = await findSchedule(config, scheduler, name);
  await replaceSchedule(scheduler, current.Name ?? name, config.scheduleGroup, { State: state });
  return { ...toBeatSchedule(current), state };
}

/**
 * Sends a schedule's tick now, with its own id (`beat:<name>:manual-<time>`), without
 * waiting for the next occurrence; the schedule itself is unchanged.
 *
 * @example
 * const { taskId } = await runScheduleNow(config, scheduler, sqs, 'email-quota-check');
 */
export async function runScheduleNow(
  config: StackConfig,
  scheduler: SchedulerClient,
  sqs: SQSClient,
  name: string,
  now = new Date(),
): Promise<{ taskId: string; task: string | undefined }> {
  const current = await findSchedule(config, scheduler, name);
  const input = current.Target?.Input ?? '{}';
  const at = now.toISOString();
  const envelope = JSON.parse(input) as Record<string, unknown>;
  if (typeof envelope.id === 'string')
    envelope.id = envelope.id.replace(SCHEDULED_TIME_PLACEHOLDER, `manual-${at}`);
  if (typeof envelope.createdAt === 'string') envelope.createdAt = at;
  const queueName = (current.Target?.Arn ?? '').split(':').pop() ?? '';
  const pair = Object.values(config.queues).find((q) => q.url.endsWith(`/${queueName}`));
  if (!pair)
    throw new LovageError(
      `schedule '${name}' targets ${current.Target?.Arn}, which is not a Lovage tier queue`,
    );
  const taskId = String(envelope.id);
  const task = typeof envelope.task === 'string' ? envelope.task : undefined;
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: pair.url,
      MessageBody: JSON.stringify(envelope),
      MessageAttributes: {
        [MESSAGE_ATTRIBUTES.taskId]: { DataType: 'String', StringValue: taskId },
        ...(task
          ? { [MESSAGE_ATTRIBUTES.taskName]: { DataType: 'String', StringValue: task } }
          : {}),
      },
    }),
  );
  return { taskId, task };
}

async function findSchedule(
  config: StackConfig,
  scheduler: SchedulerClient,
  name: string,
): Promise<GetScheduleCommandOutput> {
  // Catalog names live in each schedule's input, so finding one means reading them all;
  // the definition read here is the one returned, not fetched a second time.
  const all = await readSchedules(config, scheduler);
  const found = all.find((s) => {
    const view = toBeatSchedule(s);
    return view.name === name || view.scheduleName === name;
  });
  if (!found)
    throw new ScheduleNotFoundError(
      name,
      all.map((s) => toBeatSchedule(s).name),
    );
  return found;
}

function toBeatSchedule(s: GetScheduleCommandOutput): BeatSchedule {
  let envelope: { source?: unknown; task?: unknown; tier?: unknown } = {};
  try {
    envelope = JSON.parse(s.Target?.Input ?? '{}');
  } catch {
    // A schedule someone added by hand: shown with its Scheduler name only.
  }
  const source = typeof envelope.source === 'string' ? envelope.source : '';
  return {
    name: source.startsWith('beat:') ? source.slice(5) : (s.Name ?? ''),
    scheduleName: s.Name ?? '',
    expression: s.ScheduleExpression ?? '',
    timezone: s.ScheduleExpressionTimezone ?? 'UTC',
    state: s.State === 'DISABLED' ? 'DISABLED' : 'ENABLED',
    task: typeof envelope.task === 'string' ? envelope.task : undefined,
    tier: typeof envelope.tier === 'string' ? envelope.tier : undefined,
    ...(s.CreationDate ? { createdAt: s.CreationDate.toISOString() } : {}),
  };
}
