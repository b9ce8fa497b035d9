import type { Command } from 'commander';
import type { WorkflowStatus } from '../../workflows/index.js';
import { EXIT, type Run } from '../context.js';
import { table } from '../format.js';
import { parseWhole, print } from './tasks.js';

/** A workflow's state, why it ended, and a table of its steps in tree order. */
export function describeWorkflow(status: WorkflowStatus): string {
  const lines = [`${status.id}  ${status.kind}  ${status.state}`];
  if (status.failure) lines.push(`failure: ${status.failure.reason}`);
  if (status.revokeReason) lines.push(`revoked: ${status.revokeReason}`);
  if (status.result !== undefined) lines.push(`result: ${JSON.stringify(status.result)}`);
  lines.push(
    '',
    table(
      ['step', 'id', 'task', 'state', 'attempt'],
      status.steps.map((s) => [s.path, s.id, s.task, s.state, s.attempt]),
    ),
  );
  return lines.join('\n');
}

export function registerWorkflowCommands(program: Command, run: Run): void {
  const workflow = program
    .command('workflow')
    .description('chains, groups and chords: state, every step, wait, revoke');

  workflow
    .command('show')
    .description("a workflow's state and every step's state, in tree order")
    .argument('<id>', 'workflow id')
    .action((id: string) =>
      run(async (ctx, globals) => {
        const status = await ctx.lovage.workflow(id).get();
        print(globals, status, () => describeWorkflow(status));
        return EXIT.ok;
      }),
    );

  workflow
    .command('wait')
    .description('wait for a workflow to end (exit 1 unless it succeeded)')
    .argument('<id>', 'workflow id')
    .option('--timeout <seconds>', 'give up after this long (exit 1)', '300')
    .action((id: string, opts: { timeout: string }) =>
      run(
        () => parseWhole(opts.timeout, '--timeout') * 1000,
        async (ctx, timeoutMs, globals) => {
          const status = await ctx.lovage.workflow(id).wait({ timeoutMs });
          print(globals, status, () => describeWorkflow(status));
          return status.state === 'SUCCESS' ? EXIT.ok : EXIT.failed;
        },
      ),
    );

  workflow
    .command('revoke')
    .description('revoke a workflow and every step not yet finished')
    .argument('<id>', 'workflow id')
    .option(
      '--reason <text>',
      'recorded on the workflow and its steps',
      'revoked with the lovage CLI',
    )
    .action((id: string, opts: { reason: string }) =>
      run(async (ctx, globals) => {
        const result = await ctx.lovage.workflow(id).revoke(opts.reason);
        print(
          globals,
          result,
          () =>
            `${result.id}: ${result.state}; ${result.revokedSteps.length} steps revoked${result.revokedSteps.length ? `: ${result.revokedSteps.join(', ')}` : ''}`,
        );
        return EXIT.ok;
      }),
    );
}
