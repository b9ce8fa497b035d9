import { describe, expect, it } from 'vitest';
import { REDACTED } from '../../../src/runtime/redact.js';
import { STORED_ARGS_MAX_BYTES, storedArgs } from '../../../src/runtime/stored-args.js';

/**
 * The largest args of `char`s (1 to 3 bytes of UTF-8 each; arrays and long
 * strings would be cut by redact, keys are not) whose JSON fits in `bytes`.
 */
function argsOf(bytes: number, char: string): Record<string, string> {
  const args: Record<string, string> = {};
  for (let i = 0; ; i++) {
    args[`k${i}`] = char.repeat(5);
    if (Buffer.byteLength(JSON.stringify(args)) > bytes) {
      delete args[`k${i}`];
      return args;
    }
  }
}

describe('storedArgs', () => {
  it('keeps the args redacted as the logs show them', () => {
    expect(storedArgs({ to: ['a@example.com'], subject: 'Hi' })).toEqual({
      to: REDACTED,
      subject: 'Hi',
    });
    expect(storedArgs(undefined)).toBeUndefined();
  });

  it('keeps args up to the limit in bytes of UTF-8 and names the size of larger ones', () => {
    for (const char of ['a', 'é', '€']) {
      const fits = argsOf(STORED_ARGS_MAX_BYTES, char);
      const fitsBytes = Buffer.byteLength(JSON.stringify(fits));
      expect(fitsBytes).toBeLessThanOrEqual(STORED_ARGS_MAX_BYTES);
      expect(storedArgs(fits)).toEqual(fits);
      const over = { ...fits, more: char.repeat(5) };
      const overBytes = Buffer.byteLength(JSON.stringify(over));
      expect(overBytes).toBeGreaterThan(STORED_ARGS_MAX_BYTES);
      expect(storedArgs(over)).toBe(
        `[${overBytes} bytes of args, over the ${STORED_ARGS_MAX_BYTES} a record keeps]`,
      );
    }
  });
});
