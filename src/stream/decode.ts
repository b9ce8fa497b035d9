import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import type { TaskRecord } from '../protocol/records.js';
import type { TaskChange } from './types.js';

const KINDS = ['INSERT', 'MODIFY', 'REMOVE'] as const;

/** Whether a stream record is about a task item (`TASK#<id>` / `TASK`), not a rate-limit counter. */
export function isTaskRecord(record: DynamoDBRecord): boolean {
  const keys = record.dynamodb?.Keys;
  return !!keys?.pk?.S?.startsWith('TASK#') && keys.sk?.S === 'TASK';
}

/**
 * A stream record as a TaskChange, or undefined for what is not a task
 * item's change. `at` is the commit time: the stream gives seconds (or
 * milliseconds on newer streams); either way it is epoch ms here.
 */
export function decodeChange(record: DynamoDBRecord): TaskChange | undefined {
  if (!isTaskRecord(record)) return undefined;
  const kind = KINDS.find((k) => k === record.eventName);
  const stream = record.dynamodb;
  if (!kind || !record.eventID || !stream) return undefined;
  const created = Number(stream.ApproximateCreationDateTime ?? 0);
  // Seconds until the year 33658; anything larger is already milliseconds.
  const at = created < 1e12 ? created * 1000 : created;
  const image = (value: typeof stream.NewImage) =>
    value ? (unmarshall(value as Record<string, AttributeValue>) as TaskRecord) : undefined;
  const before = image(stream.OldImage);
  const after = image(stream.NewImage);
  return {
    eventId: record.eventID,
    kind,
    at,
    ...(before ? { before } : {}),
    ...(after ? { after } : {}),
  };
}
