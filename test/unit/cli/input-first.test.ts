/**
 * The real `lovage` bin, spawned with nothing but PATH and HOME in a directory with no AWS
 * anywhere: bad input must be exit 2 with the catalog's message, never exit 3 about the
 * environment. Nothing here can reach a network: the only target it could find is a checkout
 * emulator whose recorded process is gone.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../../bin/lovage.mjs', import.meta.url));
const exec = promisify(execFile);
let checkout: string;

async function lovage(...args: string[]) {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], {
      cwd: checkout,
      env: { PATH: process.env.PATH ?? '', HOME: checkout },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

beforeAll(() => {
  checkout = mkdtempSync(join(tmpdir(), 'lovage-input-first-'));
  // An emulator local:up started here once, long gone (no process can have this pid).
  mkdirSync(join(checkout, '.lovage'));
  writeFileSync(
    join(checkout, '.lovage', 'emulator.json'),
    JSON.stringify({
      endpoint: 'http://127.0.0.1:9',
      startedAt: '2026-01-01T00:00:00Z',
      pid: 2 ** 30,
    }),
  );
});
afterAll(() => rmSync(checkout, { recursive: true, force: true }));

// Each run starts a whole CLI (about 1.5 s of CPU): a few typical mistakes, side by side.
describe.concurrent('lovage checks its input before the environment', () => {
  it.each([
    [['send', 'email.sendd', '{}'], "unknown task 'email.sendd'; the catalog declares: email.send"],
    [
      ['send', 'email.check_quota', '{"warnAtPercent":500}'],
      "invalid payload for task 'email.check_quota': warnAtPercent",
    ],
    [
      [
        'send',
        'email.check_quota',
        '{}',
        '--eta',
        '2030-01-02T00:00:00Z',
        '--expires',
        '2030-01-01T00:00:00Z',
      ],
      'expires (2030-01-01T00:00:00.000Z) must be later than now and than the eta',
    ],
    [['list', '--task', 'email.sendd'], "unknown task 'email.sendd'"],
    [['wait', 'some-id', '--timeout', 'soon'], "--timeout 'soon' must be a whole number"],
    [
      ['dlq', 'list', '--queue', 'email/urgent'],
      "--queue 'email/urgent' is not a queue of the catalog",
    ],
  ])('%j exits 2 with the problem', async (args, message) => {
    const out = await lovage(...args);
    expect(out.stderr).toContain(message);
    expect(out.code).toBe(2);
    expect(out.stderr).not.toMatch(/region|credentials|emulator/);
  });

  it('reaches the environment only with valid input, and then refuses the emulator that is gone', async () => {
    const out = await lovage('send', 'email.check_quota', '{}');
    expect(out.code).toBe(3);
    expect(out.stderr).toContain(
      'npm run local:up started an emulator at http://127.0.0.1:9 in this checkout',
    );
    expect(out.stderr).toContain('does not answer');
  });
});
