import { TIERS, type Tier } from '../../catalog/types.js';
import {
  ENVELOPE_VERSION,
  type Envelope,
  EnvelopeError,
  type EnvelopeErrorContext,
  parseEnvelope,
  readEnvelope,
  TASK_ID_PATTERN,
  validateEnvelope,
} from '../envelope.js';
import { CeleryArgumentsError, CeleryUnsupportedError } from './errors.js';
import {
  decodeBase64Text,
  isKombuMessage,
  isObject,
  type KombuMessage,
  KombuTagError,
  sqsBodyJson,
  untag,
} from './kombu.js';

/** Prefix of the envelope's `source` for tasks a Celery client sent: `celery:<origin>`. */
export const CELERY_SOURCE_PREFIX = 'celery:';

/** What the reader needs of an SQS record; a Lambda `SQSRecord` has all of it. */
export interface TaskMessageRecord {
  readonly body: string;
  readonly messageId: string;
  readonly eventSourceARN?: string;
  readonly attributes?: { readonly SentTimestamp?: string };
}

export interface ReadTaskMessageOptions {
  /**
   * The tier of the queue a record came from (its `eventSourceARN`).
   * @default the tier in the Celery queue name, `lovage-<category>-<tier>` as
   * `lovage celery-config` names the queues; else `normal`
   */
  readonly tierOf?: (sourceArn: string) => Tier | undefined;
  /** Clock for `createdAt` when SQS sent no `SentTimestamp`. @default Date.now */
  readonly now?: () => number;
}

/**
 * Reads one SQS record of a tier queue into an envelope, whichever format the
 * sender used: a Lovage envelope (JSON), or a Celery protocol-2 message from
 * kombu's SQS transport (base64 or plain JSON). A Celery message is mapped
 * onto the envelope (SPEC §3): id, task, the payload from args / kwargs,
 * eta and expires (naive means UTC), `attempt = retries + 1`, parent and root
 * ids, and `source = celery:<origin>`, which marks the task as Celery's for
 * every later hop and for the result mirror. kombu's tagged values (dates,
 * decimals, UUIDs) become plain JSON before the catalog's schema sees them.
 *
 * Pure: no I/O. Throws an {@link EnvelopeError} for anything that cannot run;
 * a Celery message that asks for what Lovage cannot honour (chain, chord,
 * link callbacks, a serializer other than JSON) throws a
 * {@link CeleryUnsupportedError}, and arguments that map onto no single
 * payload a {@link CeleryArgumentsError}. Their context names the task id,
 * the sender and any other task ids (a chain's later tasks) whose callers
 * wait on this message.
 *
 * @example
 * const envelope = readTaskMessage(record); // in place of parseEnvelope(record.body, ...)
 */
export function readTaskMessage(
  record: TaskMessageRecord,
  options: ReadTaskMessageOptions = {},
): Envelope {
  let doc: unknown;
  try {
    doc = sqsBodyJson(record.body);
  } catch (error) {
    throw new EnvelopeError(`body is not JSON: ${(error as Error).message}`);
  }
  if (doc === undefined) return parseEnvelope(record.body, record.messageId);
  if (!isKombuMessage(doc)) return readEnvelope(doc, record.messageId);
  return celeryEnvelope(doc, record, options);
}

function celeryEnvelope(
  message: KombuMessage,
  record: TaskMessageRecord,
  options: ReadTaskMessageOptions,
): Envelope {
  const { headers, properties } = message;
  const origin = typeof headers.origin === 'string' && headers.origin ? headers.origin : 'unknown';
  const source = `${CELERY_SOURCE_PREFIX}${origin}`.slice(0, 200);
  const { id, task } = headers;
  if (typeof id !== 'string' || typeof task !== 'string') {
    throw new CeleryUnsupportedError(
      'Celery message without string task and id headers (task protocol 1) is not supported: ' +
        'keep task_protocol = 2, the default',
      { source },
    );
  }
  const context: EnvelopeErrorContext = {
    ...(TASK_ID_PATTERN.test(id) ? { taskId: id } : {}),
    taskName: task,
    source,
  };

  const [args, kwargs, embed, tagged] = decodeBody(message, context);
  refuseCanvas(embed, id, context);
  let plainArgs = args;
  let plainKwargs = kwargs;
  try {
    if (tagged) {
      plainArgs = untag(args) as unknown[];
      plainKwargs = untag(kwargs) as Record<string, unknown>;
    }
  } catch (error) {
    if (!(error instanceof KombuTagError)) throw error;
    throw new CeleryUnsupportedError(`${error.message}; send plain JSON values`, context);
  }

  const eta = celeryTime(headers.eta);
  const expires = celeryTime(headers.expires);
  const sent = Number(record.attributes?.SentTimestamp);
  const createdAt = new Date(Number.isFinite(sent) ? sent : (options.now ?? Date.now)());
  const raw = {
    v: ENVELOPE_VERSION,
    id,
    task,
    args: payloadOf(plainArgs, plainKwargs, context),
    tier: tierOf(record, properties, options),
    attempt: typeof headers.retries === 'number' ? headers.retries + 1 : 1,
    createdAt: createdAt.toISOString(),
    source,
    ...(eta !== undefined ? { eta } : {}),
    ...(expires !== undefined ? { expires } : {}),
    ...(typeof headers.parent_id === 'string' && headers.parent_id
      ? { parentId: headers.parent_id }
      : {}),
    ...(typeof headers.root_id === 'string' && headers.root_id && headers.root_id !== id
      ? { rootId: headers.root_id }
      : {}),
  };
  return validateEnvelope(raw, context, 'Celery message');
}

/**
 * Layer 2: the kombu body -> `[args, kwargs, embed]` (SPEC §2.1), and whether
 * its text holds any kombu tagged value (most bodies do not, and need no walk).
 */
function decodeBody(
  message: KombuMessage,
  context: EnvelopeErrorContext,
): [unknown[], Record<string, unknown>, Record<string, unknown>, boolean] {
  const contentType = message['content-type'];
  if (contentType !== 'application/json') {
    throw new CeleryUnsupportedError(
      `Celery message with content-type ${JSON.stringify(contentType)} is not supported: ` +
        "Lovage reads JSON only; keep task_serializer = 'json', the default",
      context,
    );
  }
  const compression = message.headers.compression;
  if (compression !== undefined && compression !== null) {
    throw new CeleryUnsupportedError(
      `compressed Celery messages (${JSON.stringify(compression)}) are not supported: unset task_compression`,
      context,
    );
  }
  const encoding = String(message['content-encoding'] ?? 'utf-8').toLowerCase();
  if (encoding !== 'utf-8' && encoding !== 'utf8') {
    throw new CeleryUnsupportedError(
      `Celery message with content-encoding '${encoding}' is not supported: Lovage reads UTF-8 JSON`,
      context,
    );
  }
  const text =
    message.properties.body_encoding === 'base64' && typeof message.body === 'string'
      ? decodeBase64Text(message.body)
      : message.body;
  if (typeof text !== 'string') {
    throw new EnvelopeError('Celery message body is not base64 of UTF-8 JSON', context);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new EnvelopeError(
      `Celery message body is not JSON: ${(error as Error).message}`,
      context,
    );
  }
  if (!Array.isArray(body) || body.length !== 3) {
    throw new EnvelopeError(
      'Celery message body is not protocol 2 ([args, kwargs, embed]); keep task_protocol = 2',
      context,
    );
  }
  const [args, kwargs, embed] = body as [unknown, unknown, unknown];
  if (!Array.isArray(args) || !isObject(kwargs) || !(embed === null || isObject(embed))) {
    throw new EnvelopeError(
      'Celery message body must be [args: list, kwargs: dict, embed: dict]',
      context,
    );
  }
  return [args, kwargs, embed ?? {}, text.includes('"__type__"')];
}

const CANVAS = [
  ['chain', 'chains'],
  ['chord', 'chords'],
  ['callbacks', 'link callbacks (link=)'],
  ['errbacks', 'error callbacks (link_error=)'],
] as const;

/**
 * Chains, chords and link callbacks need Lovage to send the next task and
 * feed it this one's result: not supported (SPEC §5). Refused at once, with
 * the ids of the chain's later tasks and the chord's body, so that their
 * callers are failed too instead of waiting forever.
 */
function refuseCanvas(embed: Record<string, unknown>, id: string, context: EnvelopeErrorContext) {
  const used = CANVAS.filter(([key]) => {
    const value = embed[key];
    return Array.isArray(value) ? value.length > 0 : value !== null && value !== undefined;
  });
  if (used.length === 0) return;
  const signatures = [...asList(embed.chain), ...asList(embed.chord)];
  const relatedIds = [
    ...new Set(
      signatures
        .map((sig) => (isObject(sig) && isObject(sig.options) ? sig.options.task_id : undefined))
        .filter((tid): tid is string => typeof tid === 'string' && TASK_ID_PATTERN.test(tid))
        .filter((tid) => tid !== id),
    ),
  ];
  const what = used.map(([, label]) => label).join(' and ');
  throw new CeleryUnsupportedError(
    `Celery ${what} are not supported by Lovage: send each task on its own and wait for ` +
      'its result in the caller' +
      (relatedIds.length ? `; these task ids fail with it: ${relatedIds.join(', ')}` : ''),
    { ...context, relatedIds },
  );
}

function asList(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return value === null || value === undefined ? [] : [value];
}

/**
 * Celery's positional and keyword arguments -> Lovage's one payload (SPEC
 * §3.2): no positional -> the keyword arguments (`task.delay(a=1)`); exactly
 * one positional and no keyword -> that value (`task.delay({...})`);
 * anything else is refused.
 */
function payloadOf(
  args: readonly unknown[],
  kwargs: Record<string, unknown>,
  context: EnvelopeErrorContext,
): unknown {
  const keywords = Object.keys(kwargs).length;
  if (args.length === 0) return kwargs;
  if (args.length === 1 && keywords === 0) return args[0];
  throw new CeleryArgumentsError(
    'Lovage tasks take one payload: call with keyword arguments only (task.delay(a=1), ' +
      'send_task(name, kwargs={...})) or with exactly one positional argument; got ' +
      `${args.length} positional and ${keywords} keyword argument(s)`,
    context,
  );
}

/** Celery's ISO time; a naive one (no offset) is UTC, as Celery's own default timezone. */
function celeryTime(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'string') return value;
  return /(?:Z|[+-]\d{2}:?\d{2})$/i.test(value) ? value : `${value}+00:00`;
}

function tierOf(
  record: TaskMessageRecord,
  properties: Readonly<Record<string, unknown>>,
  options: ReadTaskMessageOptions,
): Tier {
  const fromQueue = record.eventSourceARN ? options.tierOf?.(record.eventSourceARN) : undefined;
  if (fromQueue) return fromQueue;
  const info = properties.delivery_info;
  const queueName = isObject(info) ? info.routing_key : undefined;
  const match =
    typeof queueName === 'string' ? /^lovage-[a-z][a-z0-9-]*-([a-z]+)$/.exec(queueName) : null;
  const named = match?.[1] as Tier | undefined;
  return named && TIERS.includes(named) ? named : 'normal';
}
