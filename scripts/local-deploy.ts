/**
 * `npm run local:deploy [-- --force]`: synthesizes the stack, bootstraps the emulator once,
 * deploys with cdklocal and reconciles what the emulator dropped. Only ever against a local
 * emulator. A deploy that would change nothing (same inputs, same template, the same stack
 * still live on the same emulator) is skipped; `--force` deploys anyway.
 */

import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  type AssemblyManifest,
  findStackArtifact,
  type StackArtifact,
} from '../src/drift/template.js';
import { LovageError } from '../src/errors.js';
import { emulatorClientConfig } from './lib/aws.js';
import { probeHealth } from './lib/emulator.js';
import { assertLocalEndpoint, localEnv, resolveEndpoint } from './lib/endpoint.js';
import { inputsFingerprint, outputFingerprint } from './lib/fingerprint.js';
import { isEntryPoint, runMain } from './lib/main.js';
import { run } from './lib/proc.js';
import {
  CDK_OUT,
  stackName as defaultStackName,
  elapsed,
  LOVAGE_DIR,
  logger,
  PROJECT_ROOT,
  readJson,
  removeFile,
  writeJson,
} from './lib/project.js';
import { reconcile } from './reconcile.js';

export interface LocalDeployOptions {
  /** Deploy even when nothing changed since the last deploy. @default false */
  readonly force?: boolean;
  /** @default `LOVAGE_STACK_NAME`, or `Lovage` */
  readonly stackName?: string;
}

/** What the last successful local deploy left, in `.lovage/deployed.json`. */
interface DeployRecord {
  readonly endpoint: string;
  readonly stackName: string;
  readonly stackId: string;
  readonly inputs?: string;
  readonly output: string;
  readonly deployedAt: string;
}

/** Thrown when synth, bootstrap, deploy or reconcile fails. */
export class LocalDeployError extends LovageError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LocalDeployError';
  }
}

export const DEPLOY_RECORD = join(LOVAGE_DIR, 'deployed.json');

const log = logger('local-deploy');
const CDKLOCAL = join(PROJECT_ROOT, 'node_modules', '.bin', 'cdklocal');
/**
 * Stack settings of every local synth. The emulator runs functions on this machine, and the
 * monitoring integration test serves its health URLs on 127.0.0.2, which a local stack
 * allow-lists explicitly (synth prints a warning saying so); 127.0.0.1, ::1 and every other
 * loopback, link-local or private address stay refused, as on any stack.
 */
export const LOCAL_SYNTH_CONTEXT = ['-c', 'monitoringAllowNetworks=127.0.0.2/32'];
/** Stack states in which the stack is usable as it is. */
const STABLE = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE']);

/**
 * Deploys the stack to the emulator (see the file comment) and reconciles it.
 *
 * @example
 * await localDeploy({ force: process.argv.includes('--force') });
 */
export async function localDeploy(options: LocalDeployOptions = {}): Promise<void> {
  const started = Date.now();
  const endpoint = resolveEndpoint();
  assertLocalEndpoint(endpoint, 'local:deploy');
  if (!(await probeHealth(endpoint))) {
    throw new LocalDeployError(`no emulator answers at ${endpoint}; run npm run local:up first`);
  }
  const timings: string[] = [];
  const stackName = await deployIfChanged(
    endpoint,
    options.stackName ?? defaultStackName(),
    options.force ?? false,
    timings,
  );
  const step = Date.now();
  const result = await reconcile({ stackName });
  timings.push(`reconcile ${elapsed(step)}`);
  if (result.notFixed > 0) {
    throw new LocalDeployError(
      `${result.notFixed} propert${result.notFixed === 1 ? 'y' : 'ies'} still differ from the ` +
        'template after reconcile (see "not fixed" above)',
    );
  }
  log(`${stackName} ready at ${endpoint} in ${elapsed(started)} (${timings.join(', ')})`);
}

/**
 * Synthesizes and deploys unless the last deploy to this endpoint is provably current, and
 * resolves with the CloudFormation stack name. Two shortcuts, both only while the stack that
 * deploy created is still live: unchanged synth inputs skip synth and deploy; an unchanged
 * synthesized template skips deploy.
 */
async function deployIfChanged(
  endpoint: string,
  name: string,
  force: boolean,
  timings: string[],
): Promise<string> {
  const env = cdkEnv();
  const cfn = new CloudFormationClient(emulatorClientConfig());
  const record = force ? undefined : readJson<DeployRecord>(DEPLOY_RECORD);
  const inputs = inputsFingerprint(PROJECT_ROOT, env);
  const stillDeployed = async (stackName: string) => {
    const live = await describeStack(cfn, stackName);
    return (
      record?.endpoint === endpoint && live?.stackId === record.stackId && STABLE.has(live.status)
    );
  };

  const previous = readArtifact(name);
  if (
    previous &&
    inputs !== undefined &&
    record?.inputs === inputs &&
    outputFingerprint(CDK_OUT, previous.templateFile) === record.output &&
    (await stillDeployed(previous.stackName))
  ) {
    log(
      `${previous.stackName}: nothing changed since the deploy at ${record.deployedAt}; skipping synth and deploy`,
    );
    return previous.stackName;
  }

  let step = Date.now();
  await cdk(['synth', '--quiet', ...LOCAL_SYNTH_CONTEXT], env, 'synth');
  timings.push(`synth ${elapsed(step)}`);
  const artifact = readArtifact(name);
  if (!artifact) throw new LocalDeployError(`cdk synth produced no stack named ${name}`);
  const output = outputFingerprint(CDK_OUT, artifact.templateFile);
  if (!output) throw new LocalDeployError(`cdk synth wrote no ${artifact.templateFile}`);
  if (record?.output === output && (await stillDeployed(artifact.stackName))) {
    log(
      `${artifact.stackName}: template unchanged since the deploy at ${record.deployedAt}; skipping deploy`,
    );
    writeJson(DEPLOY_RECORD, { ...record, inputs });
    return artifact.stackName;
  }

  removeFile(DEPLOY_RECORD);
  step = Date.now();
  if (await isBootstrapped(cfn)) {
    log('emulator already bootstrapped (CDKToolkit exists)');
  } else {
    await cdk(['bootstrap', '--app', CDK_OUT], env, 'bootstrap');
    timings.push(`bootstrap ${elapsed(step)}`);
  }
  step = Date.now();
  await cdk(
    [
      'deploy',
      artifact.id,
      '--app',
      CDK_OUT,
      // Direct CreateStack/UpdateStack: change sets are where emulators are weakest, and an
      // interrupted change-set deploy leaves MiniStack's stack stuck.
      '--method=direct',
      '--require-approval',
      'never',
      '--outputs-file',
      join(CDK_OUT, 'outputs.json'),
      // Otherwise the CLI itself skips a template it has deployed before.
      ...(force ? ['--force'] : []),
    ],
    env,
    'deploy',
  );
  timings.push(`deploy ${elapsed(step)}`);
  const live = await describeStack(cfn, artifact.stackName);
  if (!live) throw new LocalDeployError(`stack ${artifact.stackName} is not there after deploy`);
  writeJson(DEPLOY_RECORD, {
    endpoint,
    stackName: artifact.stackName,
    stackId: live.stackId,
    ...(inputs ? { inputs } : {}),
    output,
    deployedAt: new Date().toISOString(),
  } satisfies DeployRecord);
  return artifact.stackName;
}

/** The environment for cdklocal: the emulator's, without the CLI's telemetry and notices. */
function cdkEnv(): NodeJS.ProcessEnv {
  const env = localEnv();
  return {
    ...env,
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // cdklocal drops every AWS_* variable that is not on this list.
    AWS_ENVAR_ALLOWLIST: `${env.AWS_ENVAR_ALLOWLIST},AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED`,
  };
}

async function cdk(args: string[], env: NodeJS.ProcessEnv, step: string): Promise<void> {
  log(`cdklocal ${args.map((arg) => arg.replace(`${PROJECT_ROOT}/`, '')).join(' ')}`);
  const code = await run(CDKLOCAL, [...args, '--no-notices'], { env });
  if (code !== 0) throw new LocalDeployError(`cdklocal ${step} failed (exit ${code})`);
}

function readArtifact(name: string): StackArtifact | undefined {
  const manifest = readJson<AssemblyManifest>(join(CDK_OUT, 'manifest.json'));
  return manifest && findStackArtifact(manifest, name);
}

async function describeStack(
  cfn: CloudFormationClient,
  stackName: string,
): Promise<{ stackId: string; status: string } | undefined> {
  try {
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
    if (!stack?.StackId || !stack.StackStatus || stack.StackStatus === 'DELETE_COMPLETE') {
      return undefined;
    }
    return { stackId: stack.StackId, status: stack.StackStatus };
  } catch {
    return undefined;
  }
}

async function isBootstrapped(cfn: CloudFormationClient): Promise<boolean> {
  const toolkit = await describeStack(cfn, 'CDKToolkit');
  return toolkit !== undefined && STABLE.has(toolkit.status);
}

if (isEntryPoint(import.meta.url)) {
  runMain('local-deploy', async () => {
    await localDeploy({ force: process.argv.slice(2).includes('--force') });
    return 0;
  });
}
