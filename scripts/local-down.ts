/**
 * `npm run local:down`: stops the emulator that local:up started, if any, and forgets it.
 * An emulator that local:up found already running is left alone.
 */
import { stopEmulator } from './lib/emulator.js';
import { isEntryPoint, runMain } from './lib/main.js';

export { startEmulator, stopEmulator } from './lib/emulator.js';

if (isEntryPoint(import.meta.url)) {
  runMain('local-down', async () => {
    await stopEmulator();
    return 0;
  });
}
