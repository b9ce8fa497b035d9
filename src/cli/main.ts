/**
 * `lovage`: operate Lovage from a terminal, like Flower and `celery inspect`. Built only on the
 * client and the ops API. Where it goes is decided by src/local/target.ts: what the user set
 * (AWS_ENDPOINT_URL, a profile, credentials, --region) wins; with nothing set, inside a
 * checkout whose `npm run local:up` emulator answers, that emulator.
 */
import { Command } from 'commander';
import {
  type AwsTarget,
  describeTarget,
  detectAwsTarget,
  isLocalTarget,
  targetNotice,
} from '../local/index.js';
import { registerCeleryCommands } from './commands/celery.js';
import { registerDlqCommands } from './commands/dlq.js';
import { registerMonitoringCommands } from './commands/monitoring.js';
import { registerOperationCommands } from './commands/operations.js';
import { registerTaskCommands } from './commands/tasks.js';
import { registerUiCommand } from './commands/ui.js';
import { registerWorkflowCommands } from './commands/workflows.js';
import {
  type Action,
  type ActionWith,
  classify,
  createContext,
  EXIT,
  type GlobalOptions,
  type Run,
  type RunOptions,
  UsageError,
} from './context.js';

// The SDK's Node-version notice would land in every command's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const program = new Command('lovage')
  .description('Operate Lovage: send and inspect tasks, queues, dead letters and schedules')
  .option('--stack <name>', 'stack name (default: LOVAGE_STACK_NAME or Lovage)')
  .option(
    '--region <region>',
    'AWS region; passes over the checkout emulator (default: AWS_REGION)',
  )
  .option(
    '--profile <name>',
    'AWS profile; passes over the checkout emulator (default: AWS_PROFILE)',
  )
  .option('--json', 'machine-readable output')
  .addHelpText(
    'after',
    '\nWhere calls go: AWS_ENDPOINT_URL when set; else AWS when a profile, credentials or --region\n' +
      'is given; else the emulator npm run local:up started in this checkout, if it answers\n' +
      '(announced on stderr); else AWS as the SDK finds it. Bad input exits 2 before any call.',
  )
  .showHelpAfterError()
  .exitOverride();

/**
 * Input first, then the target, then the stack: a typo or a bad payload is exit 2 wherever AWS
 * is, and a `localOnly` command refuses before any AWS call.
 */
async function runCommand<I>(
  input: ((globals: GlobalOptions) => I) | undefined,
  action: ActionWith<I>,
  options: RunOptions = {},
): Promise<void> {
  const globals = program.opts<GlobalOptions>();
  let target: AwsTarget | undefined;
  try {
    const parsed = input ? input(globals) : (undefined as I);
    target = await detectAwsTarget({
      ...(globals.region ? { region: globals.region } : {}),
      ...(globals.profile ? { profile: globals.profile } : {}),
    });
    if (options.localOnly && !isLocalTarget(target)) {
      throw new UsageError(
        `${options.localOnly} only runs against a local emulator, but this command would go to ${describeTarget(target)}; on AWS, run cdk deploy`,
      );
    }
    const notice = targetNotice(target);
    if (notice) console.error(`lovage: ${notice}`);
    process.exitCode = await action(await createContext(globals, target), parsed, globals);
  } catch (error) {
    const { code, message } = classify(error);
    // Say where an environment problem happened, unless the message is about exactly that.
    const where =
      code === EXIT.environment && target && target.kind !== 'refused'
        ? ` [${describeTarget(target)}]`
        : '';
    console.error(`lovage: ${message}${where}`);
    process.exitCode = code;
  }
}

const run: Run = <I>(
  first: Action | ((globals: GlobalOptions) => I),
  second?: ActionWith<I> | RunOptions,
  third?: RunOptions,
) =>
  typeof second === 'function'
    ? runCommand(first as (globals: GlobalOptions) => I, second, third)
    : runCommand<undefined>(
        undefined,
        (ctx, _, globals) => (first as Action)(ctx, globals),
        second,
      );

registerTaskCommands(program, run);
registerOperationCommands(program, run);
registerDlqCommands(program, run);
registerCeleryCommands(program, run);
registerMonitoringCommands(program, run);
registerWorkflowCommands(program, run);
registerUiCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Commander already printed the problem (unknown command, missing argument) or the help.
  const code = (error as { code?: string }).code;
  process.exitCode =
    code === 'commander.helpDisplayed' || code === 'commander.version' ? EXIT.ok : EXIT.usage;
}
