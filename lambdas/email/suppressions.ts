import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import { DATA_PREFIXES } from '../../src/protocol/workload.js';

const PREFIX = DATA_PREFIXES.email[0];

/** Key of an address's suppression item; addresses are compared in lower case. */
export const suppressionKey = (address: string) => ({
  pk: `${PREFIX}${address.toLowerCase()}`,
  sk: 'SUPPRESS',
});

/** The suppression list in the domain table: addresses that must not be mailed again. */
export class Suppressions {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Records `address` as suppressed; a second bounce only counts (the first reason is kept). */
  async suppress(address: string, reason: string, at: string): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...suppressionKey(address), address: address.toLowerCase(), reason, at },
      }),
    );
  }

  /** The subset of `addresses` (lower-cased) that is suppressed. */
  async suppressedAmong(addresses: readonly string[]): Promise<Set<string>> {
    const unique = [...new Set(addresses.map((a) => a.toLowerCase()))];
    const found = new Set<string>();
    for (let i = 0; i < unique.length; i += 100) {
      let keys: Record<string, unknown>[] | undefined = unique
        .slice(i, i + 100)
        .map((a) => suppressionKey(a));
      // BatchGet may hand back unprocessed keys under load; ask again until none are left.
      while (keys && keys.length > 0) {
        const out: BatchGetCommandOutput = await this.db.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }),
        );
        for (const item of out.Responses?.[this.tableName] ?? []) found.add(String(item.address));
        keys = out.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return found;
  }
}
