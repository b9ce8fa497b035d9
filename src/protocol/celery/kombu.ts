/**
 * The layers kombu's SQS transport wraps a Celery task in (SPEC §2.1-2.4):
 * SQS body -> kombu message -> protocol-2 body `[args, kwargs, embed]`, with
 * kombu's tagged JSON values inside.
 */

/** A kombu message as the SQS transport serialises it. */
export interface KombuMessage {
  readonly body: unknown;
  readonly 'content-type'?: unknown;
  readonly 'content-encoding'?: unknown;
  readonly headers: Readonly<Record<string, unknown>>;
  readonly properties: Readonly<Record<string, unknown>>;
}

/** Standard base64 with padding, as Python's `base64.b64encode` writes it. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes standard base64 into UTF-8 text; `undefined` when `text` is not
 * strict base64 or the bytes are not UTF-8.
 */
export function decodeBase64Text(text: string): string | undefined {
  if (text.length === 0 || !BASE64.test(text)) return undefined;
  try {
    return UTF8.decode(Buffer.from(text, 'base64'));
  } catch {
    return undefined;
  }
}

/**
 * The JSON document an SQS body carries: the body itself when it starts with
 * `{`, else its base64 decoding (kombu's default `sqs_base64_encoding`).
 * `undefined` when it is neither; a JSON syntax error is thrown.
 */
export function sqsBodyJson(body: string): unknown {
  const text = body.trim();
  if (text.startsWith('{')) return JSON.parse(text);
  const decoded = decodeBase64Text(text)?.trim();
  if (decoded === undefined || !decoded.startsWith('{')) return undefined;
  try {
    return JSON.parse(decoded);
  } catch {
    return undefined;
  }
}

/**
 * Whether `doc` is a kombu message (it has `body`, `headers` and
 * `properties`). A Lovage envelope never has those three, so the two formats
 * cannot be confused.
 */
export function isKombuMessage(doc: unknown): doc is KombuMessage {
  if (!isObject(doc) || !('body' in doc)) return false;
  return isObject(doc.headers) && isObject(doc.properties);
}

/** A kombu tagged value this code cannot turn into plain JSON; the message is refused. */
export class KombuTagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KombuTagError';
  }
}

/**
 * Replaces kombu's tagged values `{"__type__": T, "__value__": V}` (exactly
 * those two keys) by plain JSON, in objects and arrays at any depth:
 * datetime, date, time, decimal and bytes become their text, a UUID its
 * dashed form, non-UTF-8 bytes (`base64`) stay base64 text. Any other tag
 * throws {@link KombuTagError}.
 */
export function untag(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(untag);
  if (!isObject(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 2 && '__type__' in value && '__value__' in value) {
    return untagOne(String(value.__type__), value.__value__);
  }
  return Object.fromEntries(keys.map((key) => [key, untag(value[key])]));
}

function untagOne(tag: string, value: unknown): unknown {
  switch (tag) {
    case 'datetime':
    case 'date':
    case 'time':
    case 'decimal':
    case 'bytes':
    case 'base64':
      return value;
    case 'uuid': {
      const hex = isObject(value) ? value.hex : undefined;
      if (typeof hex !== 'string' || !/^[0-9a-f]{32}$/i.test(hex)) {
        throw new KombuTagError(`kombu UUID value ${JSON.stringify(value)} has no 32-digit hex`);
      }
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    }
    default:
      throw new KombuTagError(`kombu JSON type tag '${tag}' has no plain JSON equivalent`);
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
