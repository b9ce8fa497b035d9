/**
 * `lovage`: operate Lovage from a terminal, like Flower and `celery inspect`. Built only on the
 * client and the ops API; configured like the client (stack name, region, AWS_ENDPOINT_URL).
 */
import { Command } from 'commander';
import { registerDlqCommands } from './commands/dlq.js';
import { registerMonitoringCommands } from './commands/monitoring.js';
import { registerOperationCommands } from './commands/operations.js';
import { registerTaskCommands } from './commands/tasks.js';
import { type Context, classify, createContext, EXIT, type GlobalOptions } from './context.js';

// The SDK's Node-version notice would land in every command's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const program = new Command('lovage')
  .description('Operate Lovage: send and inspect tasks, queues, dead letters and schedules')
  .option('--stack <name>', 'stack name (default: LOVAGE_STACK_NAME or Lovage)')
  .option('--region <region>', 'AWS region (default: AWS_REGION)')
  .option('--json', 'machine-readable output')
  .showHelpAfterError()
  .exitOverride();

async function run(
  action: (ctx: Context, globals: GlobalOptions) => Promise<number>,
): Promise<void> {
  const globals = program.opts<GlobalOptions>();
  try {
    process.exitCode = await action(await createContext(globals), globals);
  } catch (error) {
    const { code, message } = classify(error);
    console.error(`lovage: ${message}`);
    process.exitCode = code;
  }
}

registerTaskCommands(program, run);
registerOperationCommands(program, run);
registerDlqCommands(program, run);
registerMonitoringCommands(program, run);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Commander already printed the problem (unknown command, missing argument) or the help.
  const code = (error as { code?: string }).code;
  process.exitCode =
    code === 'commander.helpDisplayed' || code === 'commander.version' ? EXIT.ok : EXIT.usage;
}
