import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { DATA_PREFIXES } from '../../src/protocol/workload.js';
import { expiresInDays } from '../shared/env.js';

const PREFIX = DATA_PREFIXES.email[1];

/** How long a bulk send's markers are kept: well past any retry chain of its task. */
export const MARKER_TTL_DAYS = 7;

/**
 * One recipient of one bulk-send task, as recorded in the domain table:
 * `SENDING` from just before SES is called until its answer is recorded.
 */
export type SendMarker =
  | { readonly state: 'SENDING'; readonly attempt: number; readonly at: string }
  | { readonly state: 'SENT'; readonly attempt: number; readonly messageId: string }
  | { readonly state: 'REJECTED'; readonly attempt: number; readonly error: string };

/** Key of the marker of `address` (lower-cased) in bulk-send task `taskId`. */
export const markerKey = (taskId: string, address: string) => ({
  pk: `${PREFIX}${taskId}`,
  sk: `TO#${address.toLowerCase()}`,
});

/**
 * Per-recipient markers of `email.send_bulk`, written conditionally so that
 * a recipient is sent to at most once per task id: a retry, a duplicate
 * delivery or a re-run after a crash finds the marker and does not call SES
 * again for that recipient.
 */
export class SendMarkers {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Claims `address` for sending: true when this call created the marker
   * (nobody sent to it yet), false when a marker exists.
   */
  async claim(
    taskId: string,
    address: string,
    attempt: number,
    now = new Date(),
  ): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...markerKey(taskId, address),
            state: 'SENDING',
            attempt,
            at: now.toISOString(),
            expiresAt: expiresInDays(MARKER_TTL_DAYS, now.getTime()),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async get(taskId: string, address: string): Promise<SendMarker | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: markerKey(taskId, address),
        ConsistentRead: true,
      }),
    );
    return out.Item as SendMarker | undefined;
  }

  /** Records SES's answer on the claim this attempt holds. */
  async settle(
    taskId: string,
    address: string,
    attempt: number,
    outcome: { messageId: string } | { error: string },
  ): Promise<void> {
    const sent = 'messageId' in outcome;
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: markerKey(taskId, address),
        UpdateExpression: sent
          ? 'SET #state = :state, messageId = :detail'
          : 'SET #state = :state, #error = :detail',
        ConditionExpression: '#state = :sending AND attempt = :attempt',
        ExpressionAttributeNames: { '#state': 'state', ...(sent ? {} : { '#error': 'error' }) },
        ExpressionAttributeValues: {
          ':state': sent ? 'SENT' : 'REJECTED',
          ':detail': sent ? outcome.messageId : outcome.error,
          ':sending': 'SENDING',
          ':attempt': attempt,
        },
      }),
    );
  }

  /**
   * Gives a claim back after SES answered with an error, which means it did
   * not accept the message: the next attempt may send to the address.
   */
  async release(taskId: string, address: string, attempt: number): Promise<void> {
    await this.db.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: markerKey(taskId, address),
        ConditionExpression: '#state = :sending AND attempt = :attempt',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':sending': 'SENDING', ':attempt': attempt },
      }),
    );
  }
}
