import { RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { ERROR_RATE_PERCENT } from '../src/protocol/tier-targets.js';
import { StackValidationError } from './validation.js';

export const STAGES = ['dev', 'prod'] as const;
export type Stage = (typeof STAGES)[number];

/** What differs between a throw-away stack and one that holds real data. */
export interface StageConfig {
  readonly stage: Stage;
  /** Tables, queues, buckets and log groups: kept on stack deletion in prod. */
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: logs.RetentionDays;
  /** Error rate (percent) above which a category alarms. */
  readonly errorRatePercent: number;
}

const CONFIGS: Readonly<Record<Stage, StageConfig>> = {
  dev: {
    stage: 'dev',
    removalPolicy: RemovalPolicy.DESTROY,
    logRetention: logs.RetentionDays.ONE_WEEK,
    errorRatePercent: ERROR_RATE_PERCENT.dev,
  },
  prod: {
    stage: 'prod',
    removalPolicy: RemovalPolicy.RETAIN,
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
