import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { RegisterAppArgs } from '../../src/catalog/index.js';
import {
  type AddressPolicy,
  AddressSyntaxError,
  ForbiddenAddressError,
} from '../../src/protocol/addresses.js';
import { DATA_KEYS, DATA_KINDS } from '../../src/protocol/workload.js';
import { UnrecoverableError } from '../../src/runtime/index.js';
import { type Resolve, resolveFetchable, systemResolve } from './guarded-get.js';

/** A registered application and the outcome of its last check. */
export interface App extends RegisterAppArgs {
  readonly registeredAt: string;
  readonly lastStatus?: 'up' | 'down';
  readonly lastCheckedAt?: string;
  readonly lastLatencyMs?: number;
  readonly consecutiveFailures?: number;
}

export const appKey = (name: string) => ({ pk: `APP#${name}`, sk: 'APP' });
export const checkKey = (name: string, at: string) => ({ pk: `APP#${name}`, sk: `CHECK#${at}` });

/** Registered applications in the domain table. */
export class AppRegistry {
  constructor(
    readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /**
   * `monitoring.register_app`: (re-)registers an application; its check
   * history is kept. The URL's host is resolved first and refused, for good
   * (no retry), when any address it has is loopback, link-local, private or
   * unique-local and not in the deployment's allow-list; `check_apps` checks
   * again at every fetch, since DNS answers change.
   */
  async register(
    args: RegisterAppArgs,
    policy: AddressPolicy,
    resolve: Resolve = systemResolve,
    now = new Date(),
  ): Promise<App> {
    const host = new URL(args.url).hostname;
    try {
      await resolveFetchable(host, policy, resolve);
    } catch (error) {
      if (error instanceof ForbiddenAddressError || error instanceof AddressSyntaxError) {
        throw new UnrecoverableError(`cannot register ${args.url}: ${error.message}`, {
          cause: error,
        });
      }
      if ((error as NodeJS.ErrnoException).code === 'ENOTFOUND') {
        throw new UnrecoverableError(`cannot register ${args.url}: ${host} does not resolve`, {
          cause: error,
        });
      }
      throw error;
    }
    const app: App = { ...args, registeredAt: now.toISOString() };
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...appKey(args.name), ...app, kind: DATA_KINDS.app, kindAt: args.name },
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
          ExpressionAttributeValues: { ':kind': DATA_KINDS.app },
          ExclusiveStartKey: start,
        }),
      );
      apps.push(...((page.Items ?? []) as App[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return apps;
  }
}
