import { describe, expect, it } from 'vitest';
import {
  attributesBytes,
  DEAD_LETTER_ATTRIBUTES,
  deadLetterAttributes,
  MAX_MESSAGE_BYTES,
  sqsText,
} from '../../../src/runtime/dead-letter.js';

const letter = (body: string, message = 'boom', reason = 'retries exhausted') => ({
  body,
  error: { type: 'RangeError', message },
  taskId: 'task-1',
  taskName: 'email.send',
  attempts: 4,
  reason,
});

describe('dead-letter attributes', () => {
  it('carry type, message, reason, attempts, failed-at, id and task', () => {
    const attrs = deadLetterAttributes(letter('{}'), new Date('2026-11-30T10:00:00Z'));
    expect(attrs).toEqual({
      [DEAD_LETTER_ATTRIBUTES.errorType]: { DataType: 'String', StringValue: 'RangeError' },
      [DEAD_LETTER_ATTRIBUTES.errorMessage]: { DataType: 'String', StringValue: 'boom' },
      [DEAD_LETTER_ATTRIBUTES.reason]: { DataType: 'String', StringValue: 'retries exhausted' },
      [DEAD_LETTER_ATTRIBUTES.failedAt]: {
        DataType: 'String',
        StringValue: '2026-11-30T10:00:00.000Z',
      },
      [DEAD_LETTER_ATTRIBUTES.attempts]: { DataType: 'Number', StringValue: '4' },
      'lovage-id': { DataType: 'String', StringValue: 'task-1' },
      'lovage-task': { DataType: 'String', StringValue: 'email.send' },
    });
  });

  it('keep body plus attributes within the SQS limit, shortening then dropping message and reason', () => {
    for (const spare of [2000, 600, 150, 40, 0]) {
      const body = 'x'.repeat(MAX_MESSAGE_BYTES - spare);
      const attrs = deadLetterAttributes(letter(body, 'é'.repeat(2000), 'r'.repeat(2000)));
      expect(Buffer.byteLength(body) + attributesBytes(attrs)).toBeLessThanOrEqual(
        MAX_MESSAGE_BYTES,
      );
      if (spare >= 40) expect(attrs[DEAD_LETTER_ATTRIBUTES.errorType]).toBeDefined();
    }
    const tight = deadLetterAttributes(letter('x'.repeat(MAX_MESSAGE_BYTES - 150)));
    expect(tight[DEAD_LETTER_ATTRIBUTES.errorMessage]).toBeUndefined();
  });

  it('replace the characters SQS refuses, lone surrogates included, and keep the rest', () => {
    expect(sqsText('a\u0000b\u0007c\td\n\u{1F600}\uD800e\uFFFE')).toBe(
      'a\uFFFDb\uFFFDc\td\n\u{1F600}\uFFFDe\uFFFD',
    );
    const attrs = deadLetterAttributes({
      ...letter('{}', 'bad \u0001 byte'),
      taskId: 'id\u0002',
    });
    expect(attrs['lovage-id']?.StringValue).toBe('id\uFFFD');
    expect(attrs[DEAD_LETTER_ATTRIBUTES.errorMessage]?.StringValue).toBe('bad \uFFFD byte');
  });
});
