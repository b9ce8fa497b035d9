import { catalog } from '../../src/catalog/index.js';
import { createWorker } from '../../src/runtime/index.js';
import { fail, flaky, ping } from './drills.js';
import { work } from './work.js';

/**
 * Drill and canary tasks for checking a deployment end to end, the way
 * `celery inspect ping` does; they call no AWS service but the task table.
 */
export const handler = createWorker(catalog, 'diagnostics', {
  'diagnostics.ping': ping,
  'diagnostics.ping_untracked': ping,
  'diagnostics.ping_ignored': ping,
  'diagnostics.flaky': flaky,
  'diagnostics.work': work,
  'diagnostics.fail': fail,
});
