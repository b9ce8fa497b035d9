import { Annotations, CfnDeletionPolicy, type IAspect, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import { AddressSyntaxError, allowableClassOf, parseCidr } from '../src/protocol/addresses.js';
import { ERROR_RATE_PERCENT } from '../src/protocol/tier-targets.js';
import { StackValidationError } from './validation.js';

export const STAGES = ['dev', 'prod'] as const;
export type Stage = (typeof STAGES)[number];

/** What differs between a throw-away stack and one that holds real data. */
export interface StageConfig {
  readonly stage: Stage;
  /** Tables, queues, buckets and log groups: kept on stack deletion in prod. */
  readonly removalPolicy: RemovalPolicy;
  /**
   * DynamoDB deletion protection on the tables that hold money and orders
   * (ledger, domain): a table cannot be deleted, by a stack update or by hand,
   * until it is switched off.
   */
  readonly deletionProtection: boolean;
  readonly logRetention: logs.RetentionDays;
  /** Error rate (percent) above which a category alarms. */
  readonly errorRatePercent: number;
}

const CONFIGS: Readonly<Record<Stage, StageConfig>> = {
  dev: {
    stage: 'dev',
    removalPolicy: RemovalPolicy.DESTROY,
    deletionProtection: false,
    logRetention: logs.RetentionDays.ONE_WEEK,
    errorRatePercent: ERROR_RATE_PERCENT.dev,
  },
  prod: {
    stage: 'prod',
    removalPolicy: RemovalPolicy.RETAIN,
    deletionProtection: true,
    logRetention: logs.RetentionDays.THREE_MONTHS,
    errorRatePercent: ERROR_RATE_PERCENT.prod,
  },
};

/**
 * The configuration of `stage` (cdk context `-c stage=prod`); an unknown
 * stage fails synth instead of silently deploying a dev stack.
 */
export function stageConfig(stage: unknown = 'dev'): StageConfig {
  if (!STAGES.includes(stage as Stage)) {
    throw new StackValidationError(
      'stage',
      `('${String(stage)}') must be one of ${STAGES.join(', ')}`,
    );
  }
  return CONFIGS[stage as Stage];
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** The alert e-mail from cdk context (`-c alertEmail=...`), checked so a typo fails synth. */
export function alertEmailFrom(value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !EMAIL.test(value)) {
    throw new StackValidationError('alertEmail', `('${String(value)}') must be an e-mail address`);
  }
  return value;
}

/**
 * Says, at synth, which tables deleting the stack (`cdk destroy`) would
 * delete with their data: a warning on every table whose deletion policy is
 * Delete, naming it and how to keep it. In prod there is none to warn about.
 *
 * @example Aspects.of(stack).add(new DestroyedTablesWarning());
 */
export class DestroyedTablesWarning implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof dynamodb.CfnTable)) return;
    if (node.cfnOptions.deletionPolicy !== CfnDeletionPolicy.DELETE) return;
    const path = node.node.scope?.node.path ?? node.node.path;
    Annotations.of(node).addWarningV2(
      'lovage:table-destroyed-on-delete',
      `${path} is DELETED with all its items when this stack is deleted (stage dev); deploy with -c stage=prod to retain it with deletion protection`,
    );
  }
}

/**
 * Networks `monitoring` may fetch although they are loopback, private or
 * unique-local (cdk context `-c monitoringAllowNetworks=127.0.0.2/32,10.1.0.0/16`),
 * off by default. Each must be a CIDR inside one such range (link-local, where
 * metadata services live, never); loopback only outside prod, because on
 * Lambda loopback is the runtime API.
 */
export function monitoringAllowNetworksFrom(value: unknown, stage: Stage): string[] {
  if (value === undefined || value === '') return [];
  const entries = (Array.isArray(value) ? value : String(value).split(','))
    .map((e) => String(e).trim())
    .filter(Boolean);
  for (const entry of entries) {
    try {
      const cls = allowableClassOf(parseCidr(entry));
      if (cls === 'loopback' && stage === 'prod') {
        throw new AddressSyntaxError(
          `'${entry}' is loopback, which a prod stage never allows (on Lambda it is the runtime API)`,
        );
      }
    } catch (error) {
      if (!(error instanceof AddressSyntaxError)) throw error;
      throw new StackValidationError('monitoringAllowNetworks', `(${error.message})`);
    }
  }
  return entries;
}
