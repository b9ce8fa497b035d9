/** Running a script file as a command: `tsx scripts/x.ts`. */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Whether the module at `importMetaUrl` is the file node was asked to run. */
export function isEntryPoint(importMetaUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(importMetaUrl));
  } catch {
    return false;
  }
}

/**
 * Runs `main` and exits with its code; an error is printed as one clear line (its stack only
 * with `LOVAGE_DEBUG=1`) and exits 1.
 */
export function runMain(scope: string, main: () => Promise<number | undefined>): void {
  main().then(
    (code) => process.exit(code ?? 0),
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      console.error(`${scope}: error: ${message}`);
      if (process.env.LOVAGE_DEBUG && error instanceof Error && error.stack)
        console.error(error.stack);
      process.exit(1);
    },
  );
}
