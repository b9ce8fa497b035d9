import { type CloudFormationClient, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { type CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { Catalog } from '../catalog/index.js';
import type { StackConfig } from '../client/index.js';
import { type DriftClients, readLiveStack } from '../drift/live.js';
import { describeDrift, planReconcile } from '../drift/plan.js';
import { type ReconcileResult, repairDrift } from '../drift/repair.js';
import type { CfnTemplate } from '../drift/template.js';
import { LovageError } from '../errors.js';
import { listSchedules } from './schedules.js';

/** One thing doctor looked at. */
export interface Finding {
  readonly status: 'ok' | 'mismatch' | 'warning';
  /** What was checked, e.g. `emailqueueshigh RedrivePolicy` or `schedule email-quota-check`. */
  readonly subject: string;
  readonly detail: string;
}

export interface DoctorClients extends DriftClients {
  readonly scheduler: SchedulerClient;
  readonly cloudwatch: CloudWatchClient;
}

/**
 * Compares the deployed stack with what its deployed template and the catalog declare:
 * queue attributes and redrive policies, table TTL / PITR / SSE, event-source mappings
 * (ReportBatchItemFailures, concurrency), alarms, tier queues and beat schedules.
 *
 * @example
 * const findings = await diagnose(catalog, config, clients);
 * const broken = findings.filter((f) => f.status === 'mismatch');
 */
export async function diagnose(
  catalog: Catalog,
  config: StackConfig,
  aws: DoctorClients,
): Promise<Finding[]> {
  const template = await deployedTemplate(config.stackName, aws.cfn);
  const live = await readLiveStack(template, config.stackName, aws);
  const findings: Finding[] = planReconcile(template, live).map((check) => ({
    status: check.status === 'drift' ? 'mismatch' : check.status === 'ok' ? 'ok' : 'warning',
    subject: `${check.logicalId} ${check.property}`,
    detail:
      check.status === 'drift'
        ? describeDrift(check)
        : check.status === 'ok'
          ? 'as declared'
          : (check.reason ?? 'not compared'),
  }));
  findings.push(...(await checkAlarms(template, live.physicalIds, aws.cloudwatch)));
  findings.push(...checkQueues(catalog, config));
  findings.push(...(await checkSchedules(catalog, config, aws.scheduler)));
  return findings;
}

/**
 * Re-applies what differs from the deployed template (emulators only: on AWS, deploy).
 *
 * @example
 * await repair(config, clients, console.log);
 */
export async function repair(
  config: StackConfig,
  aws: DriftClients,
  log: (line: string) => void,
): Promise<ReconcileResult> {
  return repairDrift(await deployedTemplate(config.stackName, aws.cfn), config.stackName, aws, log);
}

async function deployedTemplate(
  stackName: string,
  cfn: CloudFormationClient,
): Promise<CfnTemplate> {
  const out = await cfn.send(
    new GetTemplateCommand({ StackName: stackName, TemplateStage: 'Original' }),
  );
  try {
    return JSON.parse(out.TemplateBody ?? '') as CfnTemplate;
  } catch (error) {
    throw new LovageError(
      `stack '${stackName}' template is not JSON; was it deployed with the CDK?`,
      {
        cause: error,
      },
    );
  }
}

async function checkAlarms(
  template: CfnTemplate,
  physicalIds: Readonly<Record<string, string>>,
  cloudwatch: CloudWatchClient,
): Promise<Finding[]> {
  const declared = Object.entries(template.Resources ?? {}).filter(
    ([, r]) => r.Type === 'AWS::CloudWatch::Alarm',
  );
  const names = declared.map(([id]) => physicalIds[id]).filter((n): n is string => Boolean(n));
  const found = new Set<string>();
  for (let i = 0; i < names.length; i += 100) {
    const out = await cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNames: names.slice(i, i + 100) }),
    );
    for (const alarm of out.MetricAlarms ?? []) if (alarm.AlarmName) found.add(alarm.AlarmName);
  }
  return declared.map(([id]) => {
    const name = physicalIds[id];
    return name && found.has(name)
      ? { status: 'ok' as const, subject: `alarm ${id}`, detail: `exists (${name})` }
      : {
          status: 'mismatch' as const,
          subject: `alarm ${id}`,
          detail: 'declared in the template but not in CloudWatch',
        };
  });
}

function checkQueues(catalog: Catalog, config: StackConfig): Finding[] {
  return catalog.categories.flatMap((category) =>
    catalog.tiersOf(category.name).map((tier) => {
      const key = `${category.name}/${tier}`;
      return config.queues[key]
        ? { status: 'ok' as const, subject: `queue ${key}`, detail: 'deployed' }
        : {
            status: 'mismatch' as const,
            subject: `queue ${key}`,
            detail: 'the catalog uses this tier but the stack has no queue for it; redeploy',
          };
    }),
  );
}

async function checkSchedules(
  catalog: Catalog,
  config: StackConfig,
  scheduler: SchedulerClient,
): Promise<Finding[]> {
  const live = await listSchedules(config, scheduler);
  const findings: Finding[] = catalog.schedules.map((entry) => {
    const subject = `schedule ${entry.name}`;
    const found = live.find((s) => s.name === entry.name);
    if (!found)
      return {
        status: 'mismatch',
        subject,
        detail: 'in the catalog but not in the beat; redeploy',
      };
    if (found.expression !== entry.expression || found.timezone !== entry.timezone) {
      return {
        status: 'mismatch',
        subject,
        detail: `runs ${found.expression} ${found.timezone}, catalog says ${entry.expression} ${entry.timezone}`,
      };
    }
    if (found.state === 'DISABLED')
      return { status: 'warning', subject, detail: 'paused (lovage schedules resume)' };
    return { status: 'ok', subject, detail: `${found.expression} ${found.timezone}` };
  });
  for (const extra of live.filter((s) => !catalog.schedules.some((c) => c.name === s.name))) {
    findings.push({
      status: 'warning',
      subject: `schedule ${extra.name}`,
      detail: 'in the beat but not in the catalog',
    });
  }
  return findings;
}
