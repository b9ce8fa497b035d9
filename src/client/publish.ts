import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishError } from './errors.js';
import type { DomainEvent } from './types.js';

/** EventBridge's largest PutEvents entry. */
export const MAX_EVENT_BYTES = 262_144;

/**
 * Puts one domain event on the stack's bus and returns its event id. The
 * event is checked before sending (source, detail type, JSON detail, size);
 * an entry the bus refuses throws PublishError with EventBridge's reason.
 *
 * @example
 * const eventId = await publishEvent(events, 'Lovage-bus', {
 *   source: 'shop.orders', detailType: 'OrderPlaced', detail: { orderId: 'o-42' },
 * });
 */
export async function publishEvent(
  events: EventBridgeClient,
  busName: string,
  event: DomainEvent,
): Promise<string> {
  if (!event.source || event.source.startsWith('aws.')) {
    throw new PublishError(
      `source '${event.source}' must be a non-empty name that does not start with 'aws.' (reserved for AWS services)`,
    );
  }
  if (!event.detailType) {
    throw new PublishError(`detailType of an event from '${event.source}' must not be empty`);
  }
  const detail = event.detail;
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
    throw new PublishError(
      `detail of '${event.detailType}' from '${event.source}' must be a JSON object`,
    );
  }
  const entry = {
    EventBusName: busName,
    Source: event.source,
    DetailType: event.detailType,
    Detail: JSON.stringify(detail),
    ...(event.time ? { Time: event.time } : {}),
    ...(event.resources ? { Resources: [...event.resources] } : {}),
  };
  const bytes =
    Buffer.byteLength(entry.Source) +
    Buffer.byteLength(entry.DetailType) +
    Buffer.byteLength(entry.Detail) +
    (event.resources ?? []).reduce((sum, r) => sum + Buffer.byteLength(r), 0);
  if (bytes > MAX_EVENT_BYTES) {
    throw new PublishError(
      `event '${event.detailType}' from '${event.source}' is ${bytes} bytes; EventBridge accepts at most ${MAX_EVENT_BYTES}`,
    );
  }
  const out = await events.send(new PutEventsCommand({ Entries: [entry] }));
  const result = out.Entries?.[0];
  if ((out.FailedEntryCount ?? 0) > 0 || !result?.EventId) {
    throw new PublishError(
      `bus '${busName}' refused event '${event.detailType}' from '${event.source}': ${result?.ErrorCode ?? 'no event id'}${result?.ErrorMessage ? `: ${result.ErrorMessage}` : ''}`,
    );
  }
  return result.EventId;
}
