/**
 * `npm run browser:install`: installs the Chromium the UI's browser tests drive (Debian's
 * `chromium` package, with apt-get when run as root). The tests call the same function, so
 * this only does it ahead of time.
 */
import { ensureChromium } from './lib/browser.js';
import { isEntryPoint, runMain } from './lib/main.js';
import { capture } from './lib/proc.js';
import { logger } from './lib/project.js';

if (isEntryPoint(import.meta.url)) {
  runMain('browser-install', async () => {
    const log = logger('browser-install');
    const path = await ensureChromium(log);
    const version = await capture(path, ['--version']);
    log(`${version.stdout.trim() || 'chromium'} at ${path}`);
    return 0;
  });
}
