import { readFileSync } from 'node:fs';
import type { TaskMessageRecord } from '../../../src/protocol/celery/index.js';

const DIR = new URL('../../fixtures/celery/', import.meta.url);

/** Names of the messages captured from Celery 5.7.0 / kombu 5.7.0 (SPEC `samples/`). */
export type Sample =
  | 'all_options'
  | 'chain_first'
  | 'chord_header_0'
  | 'countdown_2000'
  | 'delay_seconds_property'
  | 'eta_absolute'
  | 'eta_naive'
  | 'group_0'
  | 'ignore_result'
  | 'kwargs_only'
  | 'link_callbacks'
  | 'message_attributes'
  | 'sqs_base64_off'
  | 'typed_values';

interface RawSample {
  readonly Body: string;
  readonly MessageId: string;
  readonly Attributes: Record<string, string>;
}

export const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:Lovage-diagnostics-normal';

/** A captured message as the Lambda SQS event source would hand it over. */
export function sampleRecord(name: Sample): TaskMessageRecord & { readonly raw: RawSample } {
  const raw = JSON.parse(readFileSync(new URL(`${name}.raw.json`, DIR), 'utf8')) as RawSample;
  return {
    raw,
    body: raw.Body,
    messageId: raw.MessageId,
    eventSourceARN: QUEUE_ARN,
    attributes: { SentTimestamp: raw.Attributes.SentTimestamp },
  };
}

/** The kombu message inside a captured record, for building variants of it. */
export function kombuOf(name: Sample): Record<string, unknown> & {
  headers: Record<string, unknown>;
  properties: Record<string, unknown>;
} {
  const { body } = sampleRecord(name);
  const text = body.startsWith('{') ? body : Buffer.from(body, 'base64').toString('utf8');
  return JSON.parse(text);
}

/** An SQS record carrying `kombu` the way kombu's SQS transport sends it (base64). */
export function recordOf(kombu: unknown, sentAt = 1_796_016_167_559): TaskMessageRecord {
  return {
    body: Buffer.from(JSON.stringify(kombu)).toString('base64'),
    messageId: 'm-1',
    eventSourceARN: QUEUE_ARN,
    attributes: { SentTimestamp: String(sentAt) },
  };
}

/** A kombu message with `[args, kwargs, embed]` as its body (base64, as kombu encodes it). */
export function withBody(kombu: Record<string, unknown>, body: unknown): Record<string, unknown> {
  return { ...kombu, body: Buffer.from(JSON.stringify(body)).toString('base64') };
}

export const NO_EMBED = { callbacks: null, errbacks: null, chain: null, chord: null };
