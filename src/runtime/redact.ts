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
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [
      key,
      SENSITIVE_KEY.test(key) ? REDACTED : redact(v, depth + 1),
    ]),
  );
}
