/** The shapes shared by the reconcile plan: live state in, checks and fixes out. */
import type {
  CreateEventSourceMappingCommandInput,
  EventSourceMappingConfiguration,
} from '@aws-sdk/client-lambda';
import type { CfnResource, ResolveContext } from './template.js';

/** What the emulator reports for a DynamoDB table. */
export interface LiveTable {
  /** DescribeTimeToLive: `TimeToLiveStatus` and `AttributeName`. */
  readonly ttl?: { readonly status?: string; readonly attributeName?: string };
  /** DescribeContinuousBackups: `PointInTimeRecoveryStatus`. */
  readonly pointInTimeRecovery?: string;
  /** DescribeTable: `SSEDescription.Status`. */
  readonly sseStatus?: string;
  /** DescribeTable: `LatestStreamArn` (for `Fn::GetAtt [Table, StreamArn]`). */
  readonly streamArn?: string;
}

/** What GetSchedule reports, in the fields reconcile compares. */
export interface LiveSchedule {
  readonly GroupName: string;
  readonly ScheduleExpression?: string;
  readonly ScheduleExpressionTimezone?: string;
  readonly State?: string;
  readonly FlexibleTimeWindowMode?: string;
}

/** The deployed stack as the emulator reports it. */
export interface LiveStack extends ResolveContext {
  /** Scheduler schedules by logical id (GetSchedule); absent when not read. */
  readonly schedules?: Readonly<Record<string, LiveSchedule>>;
  /** Tables by logical id. */
  readonly tables: Readonly<Record<string, LiveTable>>;
  /**
   * Lambda functions by logical id: whether the function the stack lists exists
   * (GetFunctionConfiguration); absent when not read.
   */
  readonly functions?: Readonly<Record<string, boolean>>;
  /** Event source mappings by function name (ListEventSourceMappings). */
  readonly eventSourceMappings: Readonly<
    Record<string, readonly EventSourceMappingConfiguration[]>
  >;
}

/** An API call that brings one live property in line with the template. */
export type FixAction =
  | {
      readonly kind: 'sqs:SetQueueAttributes';
      readonly queueUrl: string;
      readonly attributes: Readonly<Record<string, string>>;
    }
  | {
      readonly kind: 'dynamodb:UpdateTimeToLive';
      readonly tableName: string;
      readonly attributeName: string;
      readonly enabled: boolean;
      /** TTL enabled on another attribute, to be disabled first. */
      readonly disableFirst?: string;
    }
  | {
      readonly kind: 'dynamodb:UpdateContinuousBackups';
      readonly tableName: string;
      readonly enabled: boolean;
    }
  | {
      readonly kind: 'dynamodb:UpdateTable';
      readonly tableName: string;
      readonly sse: {
        readonly Enabled: boolean;
        readonly SSEType?: string;
        readonly KMSMasterKeyId?: string;
      };
    }
  | {
      readonly kind: 'lambda:UpdateEventSourceMapping';
      readonly uuid: string;
      readonly changes: MappingSettings;
    }
  | {
      readonly kind: 'lambda:CreateEventSourceMapping';
      readonly params: CreateEventSourceMappingCommandInput;
    }
  | {
      readonly kind: 'scheduler:UpdateSchedule';
      readonly name: string;
      readonly groupName: string;
      /** Properties to set; the rest of the live definition is sent back unchanged. */
      readonly changes: Readonly<Record<string, unknown>>;
    };

/** The event source mapping settings that reconcile compares. */
export type MappingSettings = Pick<
  CreateEventSourceMappingCommandInput,
  | 'BatchSize'
  | 'MaximumBatchingWindowInSeconds'
  | 'Enabled'
  | 'FunctionResponseTypes'
  | 'ScalingConfig'
>;

/** One property of one resource, compared. */
export interface Check {
  readonly logicalId: string;
  readonly type: string;
  readonly property: string;
  /** `unresolved`: the template value could not be resolved, so it was not compared. */
  readonly status: 'ok' | 'drift' | 'unresolved';
  /** The template's value, as shown to the user. */
  readonly expected?: string;
  /** The live value, as shown to the user (`missing` when absent). */
  readonly actual?: string;
  readonly reason?: string;
  /** The API call that fixes a `drift`, when there is one. */
  readonly fix?: FixAction;
}

/**
 * A check for a resource the template has but the live stack does not: drift that no API call
 * here can fix (redeploy with `npm run local:deploy -- --force`).
 */
export function missingResource(
  logicalId: string,
  resource: CfnResource,
  actual = 'missing',
): Check {
  return {
    logicalId,
    type: resource.Type,
    property: 'Resource',
    status: 'drift',
    expected: 'in the live stack',
    actual,
  };
}

/** JSON with object keys sorted, so that equal values print equal. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
