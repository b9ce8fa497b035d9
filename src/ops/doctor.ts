import {
  CloudFormationClient,
  GetTemplateCommand,
  ListStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { type CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Catalog } from '../catalog/index.js';
import type { StackConfig } from '../client/index.js';
import {
  type EndpointProbe,
  RemoteEndpointError,
  refuseRemoteRequests,
  remoteEndpoints,
} from '../drift/client-endpoints.js';
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
 * queue attributes and redrive policies, table TTL / PITR / SSE, functions and event-source
 * mappings (present, ReportBatchItemFailures, concurrency), alarms, tier queues and beat
 * schedules. A declared resource that is missing, from the stack or from its service, is a
 * mismatch.
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
 * Before anything is changed, every client it uses must resolve to a local emulator, as the
 * SDK resolves it (`AWS_ENDPOINT_URL_<SERVICE>`, config-file endpoints,
 * `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` included); then each client refuses any request
 * that would leave for another endpoint.
 *
 * @throws RemoteEndpointError naming each service and the endpoint it resolved to
 * @example
 * await repair(config, clients, console.log);
 */
export async function repair(
  config: StackConfig,
  aws: DriftClients,
  log: (line: string) => void,
): Promise<ReconcileResult> {
  await assertLocalClients(aws, 'lovage doctor --fix');
  return repairDrift(await deployedTemplate(config.stackName, aws.cfn), config.stackName, aws, log);
}

/**
 * The clients repair uses, built as the CLI builds them (region only, everything else from
 * the environment and the shared config), so that `lovage doctor --fix` can check where
 * they resolve before its context makes its first call.
 */
export function driftClientsFor(region: string): DriftClients {
  return {
    cfn: new CloudFormationClient({ region }),
    sqs: new SQSClient({ region, useQueueUrlAsEndpoint: false }),
    ddb: new DynamoDBClient({ region }),
    lambda: new LambdaClient({ region }),
    scheduler: new SchedulerClient({ region }),
  };
}

/**
 * Throws unless every one of `aws` resolves to a local emulator, then makes each refuse
 * requests to anywhere else.
 *
 * @throws RemoteEndpointError naming each service and the endpoint it resolved to
 */
export async function assertLocalClients(aws: DriftClients, action: string): Promise<void> {
  const probes: EndpointProbe[] = [
    { service: 'cloudformation', client: aws.cfn, command: new ListStacksCommand({}) },
    { service: 'sqs', client: aws.sqs, command: new ListQueuesCommand({}) },
    { service: 'dynamodb', client: aws.ddb, command: new ListTablesCommand({}) },
    { service: 'lambda', client: aws.lambda, command: new ListFunctionsCommand({}) },
    { service: 'scheduler', client: aws.scheduler, command: new ListSchedulesCommand({}) },
  ];
  const remote = await remoteEndpoints(probes);
  if (remote.length > 0) {
    throw new RemoteEndpointError(
      `${action} only runs against a local emulator, but ${remote
        .map((r) => `${r.service} resolves to ${r.endpoint}`)
        .join(', ')}; on AWS, run cdk deploy`,
    );
  }
  for (const probe of probes) refuseRemoteRequests(probe.client, action);
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
  // At most 100 names a request, and each answer is paged (50 alarms unless asked for 100).
  for (let i = 0; i < names.length; i += 100) {
    let NextToken: string | undefined;
    do {
      const out = await cloudwatch.send(
        new DescribeAlarmsCommand({
          AlarmNames: names.slice(i, i + 100),
          MaxRecords: 100,
          ...(NextToken ? { NextToken } : {}),
        }),
      );
      for (const alarm of out.MetricAlarms ?? []) if (alarm.AlarmName) found.add(alarm.AlarmName);
      NextToken = out.NextToken;
    } while (NextToken);
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
