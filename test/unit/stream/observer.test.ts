import { Logger } from '@aws-lambda-powertools/logger';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  createObserver,
  ReactionError,
  type TaskChange,
  type TaskChangeReactor,
} from '../../../src/stream/index.js';

const logger = new Logger({ logLevel: 'SILENT' });

function streamRecord(i: number, pk = `TASK#t${i}`): DynamoDBRecord {
  return {
    eventID: `ev-${i}`,
    eventName: 'MODIFY',
    dynamodb: {
      ApproximateCreationDateTime: 1_795_000_000,
      SequenceNumber: `${1000 + i}`,
      Keys: marshall({ pk, sk: pk.startsWith('TASK#') ? 'TASK' : 'WINDOW#1' }) as never,
      NewImage: marshall({
        pk,
        sk: 'TASK',
        id: `t${i}`,
        task: 'x.y',
        state: 'SUCCESS',
        tier: 'normal',
        attempt: 1,
      }) as never,
      OldImage: marshall({
        pk,
        sk: 'TASK',
        id: `t${i}`,
        task: 'x.y',
        state: 'STARTED',
        tier: 'normal',
        attempt: 1,
      }) as never,
    },
  };
}

const reactor = (
  name: string,
  react: (changes: readonly TaskChange[]) => Promise<void>,
): TaskChangeReactor => ({ name, react });

describe('createObserver', () => {
  it('decodes task items only and gives every reactor the whole batch', async () => {
    const seen: TaskChange[][] = [];
    const handler = createObserver(
      [
        reactor('a', async (c) => void seen.push([...c])),
        reactor('b', async (c) => void seen.push([...c])),
      ],
      logger,
    );
    const out = await handler({
      Records: [streamRecord(1), streamRecord(2, 'RATE#x.y'), streamRecord(3)],
    });
    expect(out).toEqual({ batchItemFailures: [] });
    expect(seen.map((batch) => batch.map((c) => c.eventId))).toEqual([
      ['ev-1', 'ev-3'],
      ['ev-1', 'ev-3'],
    ]);
    expect(seen[0]?.[0]).toMatchObject({
      kind: 'MODIFY',
      at: 1_795_000_000_000,
      before: { state: 'STARTED' },
      after: { state: 'SUCCESS' },
    });
  });

  it('reports the earliest change some reactor did not handle by its sequence number', async () => {
    const records = [1, 2, 3, 4, 5].map((i) => streamRecord(i));
    const handler = createObserver(
      [
        reactor('late', async () => {
          throw new ReactionError('late', 'ev-4', 'failed at 4');
        }),
        reactor('early', async () => {
          throw new ReactionError('early', 'ev-2', 'failed at 2');
        }),
        reactor('fine', async () => undefined),
      ],
      logger,
    );
    expect(await handler({ Records: records })).toEqual({
      batchItemFailures: [{ itemIdentifier: '1002' }],
    });
  });

  it('retries the whole batch when a reactor fails without saying where', async () => {
    const handler = createObserver(
      [reactor('boom', async () => Promise.reject(new Error('down')))],
      logger,
    );
    expect(await handler({ Records: [streamRecord(7), streamRecord(8)] })).toEqual({
      batchItemFailures: [{ itemIdentifier: '1007' }],
    });
  });
});
