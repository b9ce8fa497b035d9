import * as z from 'zod';
import { TIERS, type Tier } from '../catalog/types.js';
import { LovageError } from '../errors.js';

/** Version of the envelope this code writes; the runtime rejects any other. */
export const ENVELOPE_VERSION = 1;

/** SQS message attribute names, so tools can read a queue without parsing bodies. */
export const MESSAGE_ATTRIBUTES = {
  taskName: 'lovage-task',
  taskId: 'lovage-id',
} as const;

/** Task ids: 1-200 characters of letters, digits and `._:@+=-`, starting with a letter or digit. */
export const TASK_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@+=-]{0,199}$/;

/** Whether `id` passes the task id rule ({@link TASK_ID_PATTERN}). */
export function isTaskId(id: string): boolean {
  return TASK_ID_PATTERN.test(id);
}
const isoTime = z.iso.datetime({ offset: true });

/**
 * The SQS message body of a task: a versioned JSON document that any AWS SDK
 * can write (the README documents it field by field).
 */
export const envelopeSchema = z
  .object({
    v: z.literal(ENVELOPE_VERSION),
    id: z
      .string()
      .regex(
        TASK_ID_PATTERN,
        'must be 1-200 characters of letters, digits and ._:@+=-, starting with a letter or digit',
      ),
    task: z.string().min(1),
    args: z.unknown(),
    tier: z.enum(TIERS),
    attempt: z.number().int().min(1).default(1),
    eta: isoTime.optional(),
    expires: isoTime.optional(),
    correlationId: z.string().max(200).optional(),
    parentId: z.string().max(200).optional(),
    rootId: z.string().max(200).optional(),
    /** Set on the steps of a workflow (chain, group, chord): the workflow's id. */
    workflowId: z.string().max(200).optional(),
    createdAt: isoTime,
    source: z.string().max(200).default('unknown'),
  })
  .strict();

export type Envelope = z.output<typeof envelopeSchema>;
export type EnvelopeInput = z.input<typeof envelopeSchema>;

/** What an unusable message still told about itself. */
export interface EnvelopeErrorContext {
  readonly taskId?: string;
  readonly taskName?: string;
  /** Who sent it, e.g. `celery:<origin>`, when the sender was recognised. */
  readonly source?: string;
  /**
   * Other task ids whose callers wait on this message and must be failed with it: the later
   * tasks of a Celery chain, the body of a chord. Empty for everything else.
   */
  readonly relatedIds?: readonly string[];
}

/** A message body that is not a valid envelope; never retried, sent to the DLQ with this reason. */
export class EnvelopeError extends LovageError {
  /** The task id, when the body was readable enough to have one. */
  readonly taskId: string | undefined;
  readonly taskName: string | undefined;
  readonly source: string | undefined;
  readonly relatedIds: readonly string[];

  constructor(message: string, context: EnvelopeErrorContext = {}) {
    super(message);
    this.name = 'EnvelopeError';
    this.taskId = context.taskId;
    this.taskName = context.taskName;
    this.source = context.source;
    this.relatedIds = context.relatedIds ?? [];
  }
}

/**
 * EventBridge Scheduler replaces these placeholders in a schedule's input on
 * every tick; the beat derives a tick's task id from the scheduled time so
 * that a retried tick keeps its id and runs once.
 */
export const SCHEDULED_TIME_PLACEHOLDER = '<aws.scheduler.scheduled-time>';

export interface NewEnvelope {
  readonly id: string;
  readonly task: string;
  readonly args: unknown;
  readonly tier: Tier;
  readonly source: string;
  readonly createdAt?: string;
  readonly eta?: string;
  readonly expires?: string;
  readonly correlationId?: string;
  readonly parentId?: string;
  readonly rootId?: string;
  readonly workflowId?: string;
}

/** Builds a first-attempt envelope. */
export function createEnvelope(input: NewEnvelope): Envelope {
  return envelopeSchema.parse({
    v: ENVELOPE_VERSION,
    attempt: 1,
    createdAt: new Date().toISOString(),
    ...input,
  });
}

/**
 * Parses an SQS body into an envelope. `fallbackId` replaces a scheduler
 * placeholder that was left unsubstituted (some emulators deliver the
 * schedule input verbatim), so each tick still gets its own id.
 */
export function parseEnvelope(body: string, fallbackId?: string): Envelope {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (error) {
    throw new EnvelopeError(`body is not JSON: ${(error as Error).message}`);
  }
  return readEnvelope(raw, fallbackId);
}

/** {@link parseEnvelope} for a body that is already parsed JSON. */
export function readEnvelope(raw: unknown, fallbackId?: string): Envelope {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new EnvelopeError('body is not a JSON object');
  }
  const record = raw as Record<string, unknown>;
  const context = {
    taskId: typeof record.id === 'string' ? record.id : undefined,
    taskName: typeof record.task === 'string' ? record.task : undefined,
  };
  if (record.v !== ENVELOPE_VERSION) {
    throw new EnvelopeError(
      `unsupported envelope version ${JSON.stringify(record.v)}; this runtime reads v${ENVELOPE_VERSION}`,
      context,
    );
  }
  for (const key of ['id', 'createdAt'] as const) {
    const value = record[key];
    if (typeof value === 'string' && value.includes('<aws.scheduler.')) {
      record[key] =
        key === 'createdAt'
          ? new Date().toISOString()
          : value.replace(SCHEDULED_TIME_PLACEHOLDER, fallbackId ?? 'tick');
    }
  }
  return validateEnvelope(record, context);
}

/**
 * Checks a decoded envelope against the schema (defaults applied); throws an
 * {@link EnvelopeError} that names every bad field and carries `context`.
 * `what` names the message in the error (`invalid <what>: ...`).
 */
export function validateEnvelope(
  record: unknown,
  context: EnvelopeErrorContext = {},
  what = 'envelope',
): Envelope {
  const checked = wellFormedEnvelope(record);
  if (checked) return checked;
  const parsed = envelopeSchema.safeParse(record);
  if (!parsed.success) {
    const detail = parsed.error.issues
      .map((i) => `${i.path.map(String).join('.') || '(envelope)'}: ${i.message}`)
      .join('; ');
    throw new EnvelopeError(`invalid ${what}: ${detail}`, context);
  }
  return parsed.data;
}

const ENVELOPE_KEYS = new Set(Object.keys(envelopeSchema.shape));
const TIER_NAMES = new Set<unknown>(TIERS);
/** The same pattern the schema's `isoTime` tests (zod keeps it on the schema). */
const ISO_TIME: RegExp = isoTime._zod.pattern;
const OPTIONAL_TIMES = ['eta', 'expires'] as const;
const OPTIONAL_IDS = ['correlationId', 'parentId', 'rootId', 'workflowId'] as const;

/**
 * The envelope the schema would give for `raw`, checked by hand, or
 * undefined when anything is off (the schema then says what): zod's parse
 * walks its object machinery for every message, a tenth of the runtime's own
 * work per task. It accepts exactly what {@link envelopeSchema} accepts (a
 * unit test compares the two over random envelopes) and never more.
 */
export function wellFormedEnvelope(raw: unknown): Envelope | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const r = raw as Record<string, unknown>;
  for (const key in r) if (!ENVELOPE_KEYS.has(key)) return undefined;
  const { id, task, tier, attempt, createdAt, source } = r;
  // The schema requires `args` to be there (any value but undefined).
  if (r.v !== ENVELOPE_VERSION || r.args === undefined) return undefined;
  if (typeof id !== 'string' || !TASK_ID_PATTERN.test(id)) return undefined;
  if (typeof task !== 'string' || task.length === 0 || !TIER_NAMES.has(tier)) return undefined;
  if (attempt !== undefined && !(Number.isSafeInteger(attempt) && (attempt as number) >= 1)) {
    return undefined;
  }
  if (typeof createdAt !== 'string' || !ISO_TIME.test(createdAt)) return undefined;
  if (source !== undefined && !(typeof source === 'string' && source.length <= 200)) {
    return undefined;
  }
  for (const key of OPTIONAL_TIMES) {
    const value = r[key];
    if (value !== undefined && !(typeof value === 'string' && ISO_TIME.test(value)))
      return undefined;
  }
  for (const key of OPTIONAL_IDS) {
    const value = r[key];
    if (value !== undefined && !(typeof value === 'string' && value.length <= 200))
      return undefined;
  }
  const envelope: Record<string, unknown> = { v: ENVELOPE_VERSION, id, task, args: r.args, tier };
  envelope.attempt = attempt ?? 1;
  for (const key of OPTIONAL_TIMES) if (r[key] !== undefined) envelope[key] = r[key];
  for (const key of OPTIONAL_IDS) if (r[key] !== undefined) envelope[key] = r[key];
  envelope.createdAt = createdAt;
  envelope.source = source ?? 'unknown';
  return envelope as Envelope;
}

/** The message attributes every task message carries (see {@link MESSAGE_ATTRIBUTES}). */
export function envelopeAttributes(envelope: Pick<Envelope, 'id' | 'task'>) {
  return {
    [MESSAGE_ATTRIBUTES.taskName]: { DataType: 'String', StringValue: envelope.task },
    [MESSAGE_ATTRIBUTES.taskId]: { DataType: 'String', StringValue: envelope.id },
  };
}
