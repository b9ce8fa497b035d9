/**
 * `npm run local:up`: makes sure an emulator answers at AWS_ENDPOINT_URL (default
 * http://127.0.0.1:4566), starting MiniStack (or, with LOVAGE_EMULATOR=localstack and Docker,
 * LocalStack) when nothing does. See scripts/lib/emulator.ts.
 */
import { startEmulator } from './lib/emulator.js';
import { isEntryPoint, runMain } from './lib/main.js';

export { probeHealth, type StartResult, startEmulator, stopEmulator } from './lib/emulator.js';

if (isEntryPoint(import.meta.url)) {
  runMain('local-up', async () => {
    await startEmulator();
    return 0;
  });
}
