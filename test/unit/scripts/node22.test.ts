import { spawnSync } from 'node:child_process';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isNewEnough, node22Env } from '../../../scripts/node22.mjs';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const BOOTSTRAP = join(ROOT, 'scripts', 'node22.mjs');

describe('isNewEnough', () => {
  it.each(['22.12.0', '22.23.5', '23.0.0', '24.1.0', '26.12.1'])('accepts Node %s', (version) => {
    expect(isNewEnough(version)).toBe(true);
  });

  it.each(['20.19.0', '20.20.2', '21.7.3', '22.0.0', '22.11.9'])('refuses Node %s', (version) => {
    expect(isNewEnough(version)).toBe(false);
  });
});

describe('node22Env', () => {
  it('puts the node, then node_modules/.bin, ahead of the rest of PATH', () => {
    const env = node22Env(
      { PATH: ['/usr/local/bin', '/usr/bin'].join(delimiter) },
      '/opt/n/bin/node',
    );
    expect(env.PATH?.split(delimiter)).toEqual([
      '/opt/n/bin',
      join(ROOT, 'node_modules', '.bin'),
      '/usr/local/bin',
      '/usr/bin',
    ]);
    expect(env.LOVAGE_NODE).toBe('/opt/n/bin/node');
  });
});

describe('node scripts/node22.mjs', () => {
  const bootstrap = (args: string[], env: NodeJS.ProcessEnv = withoutMarker()) =>
    spawnSync(process.execPath, [BOOTSTRAP, ...args], { cwd: ROOT, encoding: 'utf8', env });

  it('runs `node` from PATH as a new enough node, saying which one', () => {
    const result = bootstrap(['node', '-p', 'process.versions.node']);
    expect(result.status).toBe(0);
    expect(isNewEnough(result.stdout.trim())).toBe(true);
    expect(result.stderr).toMatch(/^node22: .*Node 2\d\.\d+\.\d+/);
  });

  it('says nothing when an outer run already chose that node', () => {
    const result = bootstrap(['node', '-e', ''], { ...process.env, LOVAGE_NODE: process.execPath });
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
  });

  it('puts the chosen node first on the command’s PATH', () => {
    // vitest runs on Node >= 22.12, so the chosen node is this one.
    const result = bootstrap([
      'node',
      '-p',
      'process.env.PATH.split(require("path").delimiter)[0]',
    ]);
    expect(result.stdout.trim()).toBe(dirname(process.execPath));
  });

  it('exits with the command’s code', () => {
    expect(bootstrap(['node', '-e', 'process.exit(3)']).status).toBe(3);
  });

  it('says how to use it when given no command', () => {
    const result = bootstrap([]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('usage: node scripts/node22.mjs <command>');
  });
});

function withoutMarker(): NodeJS.ProcessEnv {
  const { LOVAGE_NODE: _, ...env } = process.env;
  return env;
}
