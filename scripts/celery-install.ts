/**
 * `npm run celery:install`: installs the Python Celery clients the Celery integration tests
 * and benches drive (the pinned 5.7, the newest 5.x, and 5.7 with redis-py for the benches'
 * Celery + Redis side) into `.lovage/celery-*-venv`. Tests and benches install them on demand
 * too; this only does it ahead of time.
 */
import { CELERY_CLIENTS, type CeleryClientName, ensureCeleryClient } from './lib/celery-client.js';
import { isEntryPoint, runMain } from './lib/main.js';
import { logger } from './lib/project.js';

if (isEntryPoint(import.meta.url)) {
  runMain('celery-install', async () => {
    const log = logger('celery-install');
    for (const name of Object.keys(CELERY_CLIENTS) as CeleryClientName[]) {
      const client = await ensureCeleryClient(name, log);
      log(`${name}: Celery ${client.celery} at ${client.python}`);
    }
    return 0;
  });
}
