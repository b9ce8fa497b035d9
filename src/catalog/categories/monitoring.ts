import { category, task } from '../define.js';
import { CheckAppsArgs, RegisterAppArgs, SystemHealthArgs } from '../tasks/monitoring.js';

/** The `monitoring` category of the catalog (see `../catalog.ts`): hTTP health checks of registered applications and the system status. */
export const monitoring = category({
  timeoutSeconds: 60,
  memoryMb: 256,
  tasks: {
    'monitoring.register_app': task({
      schema: RegisterAppArgs,
      tier: 'normal',
      description: 'Register an application whose health URL is checked',
    }),
    'monitoring.check_apps': task({
      schema: CheckAppsArgs,
      tier: 'high',
      resultTtlSeconds: 3600,
      description: 'HTTP health check of every registered application, with history',
    }),
    'monitoring.system_health': task({
      schema: SystemHealthArgs,
      tier: 'normal',
      resultTtlSeconds: 3600,
      description: 'Recent task failures and applications down, as one status',
    }),
  },
});
