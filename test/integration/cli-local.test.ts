/**
 * The CLI as a newcomer meets it after `npm run demo`: a fresh shell with nothing but PATH and
 * HOME, inside a checkout whose `npm run local:up` emulator is running. The checkout here is
 * a temporary directory whose `.lovage/emulator.json` names the emulator these tests run
 * against (AWS_ENDPOINT_URL of the test run), exactly as local:up writes it.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextCommands } from '../../scripts/demo.js';
import { PROJECT_ROOT } from '../../scripts/lib/project.js';
import { catalog } from '../../src/catalog/index.js';
import { LovageClient } from '../../src/client/index.js';
import { DEFAULT_LOCAL_REGION, EMULATOR_MARKER_PATH } from '../../src/local/index.js';
import { deployed } from '../helpers/deployed.js';

const BIN = fileURLToPath(new URL('../../bin/lovage.mjs', import.meta.url));
const exec = promisify(execFile);
const endpoint = (process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4566').replace(/\/+$/, '');
const notice = `lovage: using the local emulator at ${endpoint} (started by npm run local:up in this checkout)`;

let env: Awaited<ReturnType<typeof deployed>>;
let checkout: string;
/** A fresh shell: PATH and HOME, plus only what this stack needs to be found at all. */
let shell: NodeJS.ProcessEnv;
/** `--stack` when the tests run against a stack that is not the default one. */
let stackArgs: string[];

async function sh(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(command, args, { ...options, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** The real bin, run in the checkout with the fresh shell plus `extra`. */
const lovage = (extra: NodeJS.ProcessEnv, ...args: string[]) =>
  sh(process.execPath, [BIN, ...stackArgs, ...args], {
    cwd: checkout,
    env: { ...shell, ...extra },
  });

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  env = await deployed();
  checkout = mkdtempSync(join(tmpdir(), 'lovage-checkout-'));
  mkdirSync(join(checkout, '.lovage'));
  writeFileSync(
    join(checkout, EMULATOR_MARKER_PATH),
    JSON.stringify({ kind: 'compose', endpoint, startedAt: new Date().toISOString() }),
  );
  shell = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? checkout,
    // Only when the emulator's stack is not where local:deploy puts it by default.
    ...(env.config.region !== DEFAULT_LOCAL_REGION ? { AWS_REGION: env.config.region } : {}),
  };
  stackArgs = env.config.stackName === 'Lovage' ? [] : ['--stack', env.config.stackName];
});
afterAll(() => rmSync(checkout, { recursive: true, force: true }));

describe('lovage with nothing set, in a checkout with a running emulator', () => {
  it('lists the queues of the emulator, saying once on stderr that it uses it', async () => {
    const out = await lovage({}, 'queues');
    expect(out.stderr).toBe(`${notice}; set AWS_PROFILE or AWS_ENDPOINT_URL to use another\n`);
    expect(out.code).toBe(0);
    const rows = out.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^queue\s+visible\s+in flight\s+delayed\s+oldest\s+dlq$/);
    expect(rows.slice(1).map((row) => row.split(/\s+/)[0])).toEqual(
      Object.keys(env.config.queues).sort(),
    );
  });

  it('exits 2 for a typo in a task name, before looking for the emulator', async () => {
    const out = await lovage({}, 'send', 'email.sendd', '{}');
    expect(out.code).toBe(2);
    expect(out.stderr).toBe(
      `lovage: unknown task 'email.sendd'; the catalog declares: ${[...catalog.tasks.keys()].join(', ')}\n`,
    );
  });

  it('sends through every client it builds: a task for an hour ahead is scheduled, then revoked', async () => {
    const sent = await lovage(
      {},
      '--json',
      'send',
      'email.check_quota',
      '{}',
      '--countdown',
      '3600',
    );
    expect(sent.code).toBe(0);
    const handle = JSON.parse(sent.stdout) as { id: string; delivery: string };
    expect(handle.delivery).toBe('schedule');
    expect((await env.lovage.get(handle.id)).state).toBe('PENDING');

    const revoked = await lovage({}, '--json', 'revoke', handle.id);
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ revoked: true, scheduleDeleted: true });
    expect((await env.lovage.get(handle.id)).state).toBe('REVOKED');
  });

  it('lets doctor --fix run, since the target is the local emulator', async () => {
    const out = await lovage({}, '--json', 'doctor', '--fix');
    expect(out.stderr).toContain(notice);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ notFixed: 0 });
  });
});

describe('lovage with settings of its own', () => {
  it('uses AWS_ENDPOINT_URL over the checkout emulator, and names it when nothing answers there', async () => {
    const elsewhere = `http://127.0.0.1:${await closedPort()}`;
    const out = await lovage({ AWS_ENDPOINT_URL: elsewhere }, 'queues');
    expect(out.code).toBe(3);
    expect(out.stderr).not.toContain('using the local emulator');
    expect(out.stderr).toContain(`cannot read stack '${env.config.stackName}'`);
    expect(out.stderr).toContain(`${elsewhere} (AWS_ENDPOINT_URL)`);
  });

  it('goes to the AWS profile it is given, not to the emulator', async () => {
    const out = await lovage(
      // No instance metadata lookups from a test: the profile has nothing to find anyway.
      { AWS_EC2_METADATA_DISABLED: 'true', HOME: checkout },
      '--profile',
      'lovage-no-such-profile',
      'queues',
    );
    expect(out.code).toBe(3);
    expect(out.stderr).not.toContain('using the local emulator');
    expect(out.stderr).toContain('profile lovage-no-such-profile');
  });
});

describe('after the demo', () => {
  it('the next commands it prints work as printed in a fresh shell', async () => {
    const { id } = await env.lovage.send('email.check_quota', {});
    expect((await env.lovage.wait(id, { timeoutMs: 60_000 })).state).toBe('SUCCESS');
    const fresh = {
      ...shell,
      ...(process.env.LOVAGE_STACK_NAME
        ? { LOVAGE_STACK_NAME: process.env.LOVAGE_STACK_NAME }
        : {}),
    };
    const commands = await nextCommands({ env: fresh, endpoint, taskId: id });
    expect(commands.map((c) => c.replace(/^AWS_ENDPOINT_URL=\S+ /, ''))).toEqual([
      'npm run lovage -- queues',
      `npm run lovage -- status ${id}`,
      'npm run lovage -- dlq list',
    ]);
    const [queues, status, letters] = await Promise.all(
      commands.map((command) => sh('sh', ['-c', command], { cwd: PROJECT_ROOT, env: fresh })),
    );
    expect(queues?.code).toBe(0);
    expect(queues?.stdout).toMatch(/^queue\s+visible/m);
    expect(status?.code).toBe(0);
    expect(status?.stdout).toContain(`${id}  SUCCESS  email.check_quota`);
    expect(letters?.code).toBe(0);
  });
});

describe('LovageClient.fromCheckout', () => {
  it('reaches the checkout emulator from a script with nothing set, and says so once', async () => {
    const lines: string[] = [];
    const lovage = await LovageClient.fromCheckout(catalog, {
      cwd: join(checkout, '.lovage'),
      env: { ...(shell.AWS_REGION ? { AWS_REGION: shell.AWS_REGION } : {}) },
      ...(env.config.stackName === 'Lovage' ? {} : { stackName: env.config.stackName }),
      notify: (line) => lines.push(line),
    });
    expect(lines).toEqual([`${notice}; set AWS_PROFILE or AWS_ENDPOINT_URL to use another`]);
    expect(lovage.config.tableName).toBe(env.config.tableName);
    const { id } = await lovage.send('email.check_quota', {});
    expect((await lovage.wait(id, { timeoutMs: 60_000 })).state).toBe('SUCCESS');
  });
});
