import type { Command } from 'commander';
import {
  CeleryConfigError,
  celeryClientConfig,
  celeryConfigModule,
  celeryResultTableOf,
} from '../../celery/client-config.js';
import { EXIT, type Run, UsageError } from '../context.js';
import { print } from './tasks.js';

export function registerCeleryCommands(program: Command, run: Run): void {
  program
    .command('celery-config')
    .description(
      'Python settings that point an unchanged Celery app at this stack (queues, routes, results)',
    )
    .option(
      '--default-queue <category/tier>',
      'queue for tasks no route names (default: diagnostics/normal, else the first queue)',
    )
    .action((opts: { defaultQueue?: string }) =>
      run(async (ctx, globals) => {
        const { config: stack } = ctx.lovage;
        const resultTable = await celeryResultTableOf(ctx.aws.cfn, stack.stackName);
        let config: ReturnType<typeof celeryClientConfig>;
        try {
          config = celeryClientConfig({
            catalog: ctx.catalog,
            stack,
            ...(resultTable ? { resultTable } : {}),
            ...(opts.defaultQueue ? { defaultQueue: opts.defaultQueue } : {}),
          });
        } catch (error) {
          if (error instanceof CeleryConfigError) throw new UsageError(error.message);
          throw error;
        }
        print(globals, config, () => celeryConfigModule(config, stack.stackName).trimEnd());
        return EXIT.ok;
      }),
    );
}
