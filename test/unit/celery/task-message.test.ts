import { describe, expect, it } from 'vitest';
import {
  CeleryArgumentsError,
  CeleryUnsupportedError,
  readTaskMessage,
} from '../../../src/protocol/celery/index.js';
import { EnvelopeError } from '../../../src/protocol/envelope.js';
import {
  kombuOf,
  NO_EMBED,
  QUEUE_ARN,
  recordOf,
  type Sample,
  sampleRecord,
  withBody,
} from './fixtures.js';

/** The error `read` throws; fails the test if it throws none. */
function refusal(read: () => unknown): EnvelopeError {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(EnvelopeError);
    return error as EnvelopeError;
  }
  return expect.unreachable('expected a refusal');
}

describe('readTaskMessage: Celery messages captured from Celery 5.7 / kombu 5.7', () => {
  it('maps send_task(kwargs=...) onto the envelope (SPEC §3.1)', () => {
    const record = sampleRecord('kwargs_only');
    expect(readTaskMessage(record)).toEqual({
      v: 1,
      id: 'sample-kwargs-only',
      task: 'email.send',
      args: { from: 'a@example.com', to: ['b@example.com'], subject: 'hi', text: 'hello' },
      tier: 'normal',
      attempt: 1,
      createdAt: new Date(Number(record.raw.Attributes.SentTimestamp)).toISOString(),
      source: 'celery:gen19809@vm',
    });
  });

  it('reads a body sent with sqs_base64_encoding off (plain JSON) the same way', () => {
    const envelope = readTaskMessage(sampleRecord('sqs_base64_off'));
    expect(envelope).toMatchObject({
      id: 'sample-sqs-base64-off',
      task: 'email.send',
      args: { x: 1 },
      source: 'celery:gen19809@vm',
    });
  });

  it('keeps an eta with its offset and microseconds, and treats a naive eta as UTC', () => {
    expect(readTaskMessage(sampleRecord('countdown_2000')).eta).toBe(
      '2026-11-30T05:56:07.564380+00:00',
    );
    expect(readTaskMessage(sampleRecord('eta_naive')).eta).toBe('2030-01-02T03:04:05+00:00');
    const absolute = readTaskMessage(sampleRecord('eta_absolute'));
    expect(absolute.eta).toBe('2030-01-02T03:04:05.678901+00:00');
    expect(absolute.expires).toBe('2030-01-02T04:04:05.678901+00:00');
  });

  it('turns kombu tagged values into plain JSON before any schema sees them', () => {
    expect(readTaskMessage(sampleRecord('typed_values')).args).toEqual({
      when: '2030-01-02T03:04:05+00:00',
      day: '2030-01-02',
      at: '03:04:05',
      amount: '12.50',
      ref: '12345678-1234-5678-1234-567812345678',
      blob: 'raw',
    });
  });

  it('reads group members as independent tasks', () => {
    expect(readTaskMessage(sampleRecord('group_0'))).toMatchObject({
      id: '182c33f6-65dd-4a96-82b5-971fe6594b1f',
      args: { to: 'x@example.com' },
    });
  });

  it.each<Sample>(['ignore_result', 'message_attributes', 'delay_seconds_property'])(
    'reads %s like any plain task',
    (name) => {
      expect(readTaskMessage(sampleRecord(name))).toMatchObject({
        task: 'email.send',
        args: { x: 1 },
      });
    },
  );

  it('sets attempt from retries, parentId, and rootId only when it differs from the id', () => {
    const kombu = kombuOf('kwargs_only');
    const envelope = readTaskMessage(
      recordOf({
        ...kombu,
        headers: { ...kombu.headers, retries: 2, parent_id: 'p-1', root_id: 'r-1' },
      }),
    );
    expect(envelope).toMatchObject({ attempt: 3, parentId: 'p-1', rootId: 'r-1' });
    expect(readTaskMessage(sampleRecord('kwargs_only'))).not.toHaveProperty('rootId');
  });

  it('takes the tier from the queue the record came from, else from the lovage-<category>-<tier> queue name', () => {
    const kombu = kombuOf('kwargs_only');
    const named = {
      ...kombu,
      properties: {
        ...kombu.properties,
        delivery_info: { exchange: '', routing_key: 'lovage-email-high' },
      },
    };
    expect(readTaskMessage(recordOf(named)).tier).toBe('high');
    expect(readTaskMessage(recordOf(named), { tierOf: () => 'critical' }).tier).toBe('critical');
    expect(readTaskMessage(recordOf(kombu)).tier).toBe('normal');
  });

  it('falls back to the clock for createdAt when SQS sent no SentTimestamp', () => {
    const { attributes: _unused, ...record } = recordOf(kombuOf('kwargs_only'));
    expect(
      readTaskMessage(record, { now: () => Date.parse('2027-01-01T00:00:00Z') }).createdAt,
    ).toBe('2027-01-01T00:00:00.000Z');
  });
});

describe('readTaskMessage: the payload rule (SPEC §3.2)', () => {
  const kombu = kombuOf('kwargs_only');

  it('uses the one positional argument when there are no keyword arguments', () => {
    const record = recordOf(withBody(kombu, [[{ a: 1 }], {}, NO_EMBED]));
    expect(readTaskMessage(record).args).toEqual({ a: 1 });
  });

  it('uses an empty object when called with nothing, so schema defaults apply', () => {
    expect(readTaskMessage(recordOf(withBody(kombu, [[], {}, NO_EMBED]))).args).toEqual({});
  });

  it('refuses positional plus keyword arguments with a TypeError-like error naming the counts', () => {
    const error = refusal(() => readTaskMessage(sampleRecord('all_options')));
    expect(error).toBeInstanceOf(CeleryArgumentsError);
    expect(error.message).toMatch(/got 3 positional and 2 keyword argument/);
    expect(error).toMatchObject({
      taskId: 'sample-all-options',
      taskName: 'email.send',
      source: 'celery:gen19809@vm',
    });
  });
});

describe('readTaskMessage: what cannot be honoured is refused at once', () => {
  it('refuses a chain and names the later task ids so their callers fail too', () => {
    const error = refusal(() => readTaskMessage(sampleRecord('chain_first')));
    expect(error).toBeInstanceOf(CeleryUnsupportedError);
    expect(error.message).toMatch(/^Celery chains are not supported by Lovage/);
    expect(error.taskId).toBe('08320281-4390-46cd-adbb-663500f2556b');
    expect(error.relatedIds).toEqual(['sample-chain-last', 'a6c43dc5-3915-4708-a990-9307b9ad8747']);
  });

  it("refuses a chord header and fails the chord body's id with it", () => {
    const error = refusal(() => readTaskMessage(sampleRecord('chord_header_0')));
    expect(error).toBeInstanceOf(CeleryUnsupportedError);
    expect(error.message).toMatch(/chords/);
    expect(error.relatedIds).toEqual(['9f7dfc3c-2cf4-43e9-902b-52ae32d9af26']);
  });

  it('refuses link and link_error callbacks', () => {
    const error = refusal(() => readTaskMessage(sampleRecord('link_callbacks')));
    expect(error.message).toMatch(
      /link callbacks \(link=\) and error callbacks \(link_error=\) are not supported/,
    );
    expect(error.relatedIds).toEqual([]);
  });

  it.each([
    ['application/x-python-serialize', /content-type "application\/x-python-serialize"/],
    ['application/x-msgpack', /Lovage reads JSON only/],
    ['application/x-yaml', /task_serializer = 'json'/],
  ])('refuses the %s serializer', (contentType, message) => {
    const kombu = { ...kombuOf('kwargs_only'), 'content-type': contentType };
    const error = refusal(() => readTaskMessage(recordOf(kombu)));
    expect(error).toBeInstanceOf(CeleryUnsupportedError);
    expect(error.message).toMatch(message);
    expect(error.taskId).toBe('sample-kwargs-only');
  });

  it('refuses compressed messages', () => {
    const kombu = kombuOf('kwargs_only');
    const compressed = {
      ...kombu,
      headers: { ...kombu.headers, compression: 'application/x-gzip' },
    };
    expect(refusal(() => readTaskMessage(recordOf(compressed))).message).toMatch(
      /task_compression/,
    );
  });

  it('refuses task protocol 1 (no task and id headers)', () => {
    const kombu = kombuOf('kwargs_only');
    const error = refusal(() =>
      readTaskMessage(recordOf({ ...kombu, headers: { origin: 'x@y' } })),
    );
    expect(error).toBeInstanceOf(CeleryUnsupportedError);
    expect(error.message).toMatch(/task_protocol = 2/);
    expect(error.source).toBe('celery:x@y');
  });

  it('refuses a kombu type tag with no JSON equivalent', () => {
    const body = [[], { x: { __type__: 'set', __value__: [1] } }, NO_EMBED];
    const error = refusal(() => readTaskMessage(recordOf(withBody(kombuOf('kwargs_only'), body))));
    expect(error).toBeInstanceOf(CeleryUnsupportedError);
    expect(error.message).toMatch(/type tag 'set'/);
  });

  it('names every bad field, keeping the id, when the mapped envelope is invalid', () => {
    const kombu = kombuOf('kwargs_only');
    const error = refusal(() =>
      readTaskMessage(recordOf({ ...kombu, headers: { ...kombu.headers, eta: 'next tuesday' } })),
    );
    expect(error.message).toMatch(/^invalid Celery message: eta: /);
    expect(error.taskId).toBe('sample-kwargs-only');
  });

  it('keeps no task id that is outside the Lovage id alphabet', () => {
    const kombu = kombuOf('kwargs_only');
    const error = refusal(() =>
      readTaskMessage(recordOf({ ...kombu, headers: { ...kombu.headers, id: "it's mine" } })),
    );
    expect(error.message).toMatch(/id: must be 1-200 characters/);
    expect(error.taskId).toBeUndefined();
  });

  it('refuses a body that is not [args, kwargs, embed]', () => {
    const error = refusal(() =>
      readTaskMessage(recordOf(withBody(kombuOf('kwargs_only'), { args: [] }))),
    );
    expect(error.message).toMatch(/not protocol 2/);
  });
});

describe('readTaskMessage: Lovage envelopes are read as before', () => {
  const envelope = {
    v: 1,
    id: 'native-1',
    task: 'diagnostics.ping',
    args: {},
    tier: 'normal',
    createdAt: '2026-11-30T05:00:00.000Z',
  };

  it('reads a native envelope unchanged', () => {
    const record = { body: JSON.stringify(envelope), messageId: 'm', eventSourceARN: QUEUE_ARN };
    expect(readTaskMessage(record)).toEqual({ ...envelope, attempt: 1, source: 'unknown' });
  });

  it('gives the envelope errors for bodies that are neither format', () => {
    expect(() => readTaskMessage({ body: '{oops', messageId: 'm' })).toThrow(/body is not JSON/);
    expect(() => readTaskMessage({ body: 'plain text', messageId: 'm' })).toThrow(
      /body is not JSON/,
    );
    expect(() => readTaskMessage({ body: '[1]', messageId: 'm' })).toThrow(
      /body is not JSON|not a JSON object/,
    );
    expect(() =>
      readTaskMessage({ body: JSON.stringify({ ...envelope, v: 2 }), messageId: 'm' }),
    ).toThrow(/unsupported envelope version 2/);
  });
});
