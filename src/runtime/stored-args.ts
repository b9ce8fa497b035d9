import { redact } from './redact.js';

/** Most bytes of (redacted) args a task record keeps for display. */
export const STORED_ARGS_MAX_BYTES = 4096;

/**
 * What a task record keeps of a task's args, so that `lovage status` and the UI can show
 * them: {@link redact}ed exactly as the logs show them (sensitive keys and addresses replaced,
 * long strings cut), and no more than {@link STORED_ARGS_MAX_BYTES} of JSON (beyond that, a
 * note of the size). Never read back to run a task: retries and redrives resend the envelope.
 *
 * @example
 * storedArgs({ to: ['ada@example.com'], subject: 'Hi' }); // { to: '[redacted]', subject: 'Hi' }
 */
export function storedArgs(args: unknown): unknown {
  if (args === undefined) return undefined;
  const safe = redact(args);
  const json = JSON.stringify(safe) ?? '';
  // A UTF-16 unit is at most 3 bytes of UTF-8: short JSON needs no count.
  if (json.length * 3 <= STORED_ARGS_MAX_BYTES) return safe;
  const bytes = Buffer.byteLength(json);
  return bytes > STORED_ARGS_MAX_BYTES
    ? `[${bytes} bytes of args, over the ${STORED_ARGS_MAX_BYTES} a record keeps]`
    : safe;
}
