/** Key names whose values never reach a log line. */
const SENSITIVE_KEY =
  /pass(word|phrase)?|secret|token|api[-_]?key|auth|cookie|session|credential|private|signature|card|cvv|iban|ssn|^(to|cc|bcc|from|email|phone|address)$/i;

export const REDACTED = '[redacted]';

/**
 * A copy of `value` that is safe to log: values under sensitive keys (and
 * e-mail-like keys: addresses are personal data) are replaced, strings are
 * cut at 200 characters, and nesting stops at depth 5.
 */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 5) return '[nested]';
  if (typeof value === 'string') return value.length > 200 ? `${value.slice(0, 200)}…` : value;
  if (Array.isArray(value)) return value.slice(0, 20).map((v) => redact(v, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  const object = value as Record<string, unknown>;
  for (const key of Object.keys(object)) {
    const safe = isSensitive(key) ? REDACTED : redact(object[key], depth + 1);
    // An own `__proto__` key (JSON.parse makes one) stays a key, not the copy's prototype.
    if (key === '__proto__') {
      Object.defineProperty(copy, key, {
        value: safe,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else copy[key] = safe;
  }
  return copy;
}

/** Verdicts on key names seen so far: a task's args repeat the same few keys. */
const verdicts = new Map<string, boolean>();
/** At most this many names, of at most this many characters, are remembered. */
const REMEMBERED_KEYS = 1_000;
const REMEMBERED_KEY_LENGTH = 64;

function isSensitive(key: string): boolean {
  let sensitive = verdicts.get(key);
  if (sensitive === undefined) {
    sensitive = SENSITIVE_KEY.test(key);
    if (verdicts.size < REMEMBERED_KEYS && key.length <= REMEMBERED_KEY_LENGTH) {
      verdicts.set(key, sensitive);
    }
  }
  return sensitive;
}
