import { describe, expect, it } from 'vitest';
import { PayloadValidationError } from '../../../src/catalog/index.js';
import { classify, EXIT, UsageError } from '../../../src/cli/context.js';
import { age, table } from '../../../src/cli/format.js';
import { StackConfigError } from '../../../src/client/index.js';

describe('cli helpers', () => {
  it('formats a table with right-aligned numbers', () => {
    expect(
      table(
        ['queue', 'n'],
        [
          ['email/high', 3],
          ['low', 12],
        ],
      ),
    ).toBe('queue        n\nemail/high   3\nlow         12');
  });

  it('formats ages for people', () => {
    expect([age(undefined), age(42), age(185), age(7800)]).toEqual(['-', '42s', '3m 5s', '2h 10m']);
  });

  it('maps errors to the documented exit codes', () => {
    expect(classify(new UsageError('x')).code).toBe(EXIT.usage);
    expect(classify(new PayloadValidationError('t', [{ path: 'a', message: 'b' }])).code).toBe(
      EXIT.usage,
    );
    expect(classify(new StackConfigError('no stack')).code).toBe(EXIT.environment);
    const creds = Object.assign(new Error('Could not load credentials'), {
      name: 'CredentialsProviderError',
    });
    expect(classify(creds)).toEqual({
      code: EXIT.environment,
      message: 'no usable AWS credentials: Could not load credentials',
    });
    expect(classify(new Error('boom')).code).toBe(EXIT.failed);
  });
});
