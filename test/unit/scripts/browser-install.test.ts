/**
 * `npm run browser:install` (and the UI tests, which call the same function) fails loudly,
 * naming what to do, when the browser it is pointed at is missing: never a silent skip.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

describe('scripts/browser-install.ts', () => {
  const install = (env: NodeJS.ProcessEnv) =>
    spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'scripts/browser-install.ts'],
      { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: ROOT, ...env } },
    );

  it('exits 1 naming the missing browser when LOVAGE_CHROMIUM is not an executable', () => {
    const out = install({ LOVAGE_CHROMIUM: join(ROOT, 'no-such-chromium') });
    expect(out.status).toBe(1);
    expect(out.stderr).toContain(
      `browser-install: error: LOVAGE_CHROMIUM (${join(ROOT, 'no-such-chromium')}) is not an executable`,
    );
  });

  it('reports the browser it found', () => {
    const out = install({ LOVAGE_CHROMIUM: process.execPath });
    expect(out.status).toBe(0);
    expect(out.stderr + out.stdout).toContain(`at ${process.execPath}`);
  });
});
