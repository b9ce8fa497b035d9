import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { RegisterAppArgs } from '../../src/catalog/index.js';
import { DATA_KEYS } from '../../src/protocol/workload.js';

/** A registered application and the outcome of its last check. */
export interface App extends RegisterAppArgs {
  readonly registeredAt: string;
  readonly lastStatus?: 'up' | 'down';
  readonly lastCheckedAt?: string;
  readonly lastLatencyMs?: number;
  readonly consecutiveFailures?: number;
}

/** Kind of application items on the byKind index. */
export const APP_KIND = 'APP';
export const appKey = (name: string) => ({ pk: `APP#${name}`, sk: 'APP' });
export const checkKey = (name: string, at: string) => ({ pk: `APP#${name}`, sk: `CHECK#${at}` });

/** Registered applications in the domain table. */
export class AppRegistry {
  constructor(
    readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /** `monitoring.register_app`: (re-)registers an application; its check history is kept. */
  async register(args: RegisterAppArgs, now = new Date()): Promise<App> {
    const app: App = { ...args, registeredAt: now.toISOString() };
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...appKey(args.name), ...app, kind: APP_KIND, kindAt: args.name },
      }),
    );
    return app;
  }

  async get(name: string): Promise<App | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: appKey(name), ConsistentRead: true }),
    );
    return out.Item as App | undefined;
  }

  /** Every registered application, by name. */
  async all(): Promise<App[]> {
    const apps: App[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: DATA_KEYS.byKind.name,
          KeyConditionExpression: '#k = :kind',
          ExpressionAttributeNames: { '#k': DATA_KEYS.byKind.partitionKey },
          ExpressionAttributeValues: { ':kind': APP_KIND },
          ExclusiveStartKey: start,
        }),
      );
      apps.push(...((page.Items ?? []) as App[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return apps;
  }
}
