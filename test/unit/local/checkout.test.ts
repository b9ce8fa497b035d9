import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { catalog } from '../../../src/catalog/index.js';
import { LovageClient } from '../../../src/client/index.js';
import {
  AwsTargetError,
  detectAwsTarget,
  EMULATOR_MARKER_PATH,
  findCheckoutEmulator,
} from '../../../src/local/index.js';

let root: string;
let probed: string[];
/** Stands in for the health check: records what was asked, answers for one endpoint. */
const answersAt =
  (live: string) =>
  async (endpoint: string): Promise<boolean> => {
    probed.push(endpoint);
    return endpoint === live;
  };

const writeMarker = (dir: string, marker: unknown) => {
  mkdirSync(join(dir, '.lovage'), { recursive: true });
  writeFileSync(
    join(dir, EMULATOR_MARKER_PATH),
    typeof marker === 'string' ? marker : JSON.stringify(marker),
  );
};

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'lovage-checkout-'));
  probed = [];
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('findCheckoutEmulator', () => {
  it('finds the marker in a parent directory, like git finds .git', async () => {
    writeMarker(root, { endpoint: 'http://127.0.0.1:4566', startedAt: 't', pid: process.pid });
    const nested = join(root, 'src', 'deep');
    mkdirSync(nested, { recursive: true });
    const found = await findCheckoutEmulator({
      cwd: nested,
      answers: answersAt('http://127.0.0.1:4566'),
    });
    expect(found).toEqual({
      marker: { endpoint: 'http://127.0.0.1:4566', startedAt: 't', pid: process.pid },
      file: join(root, EMULATOR_MARKER_PATH),
      answers: true,
    });
  });

  it('reports none outside a checkout', async () => {
    expect(await findCheckoutEmulator({ cwd: root, answers: answersAt('x') })).toBeUndefined();
    expect(probed).toEqual([]);
  });

  it('takes an emulator whose recorded process is gone as not answering, without asking it', async () => {
    // A pid far above any pid_max, so it cannot be running.
    writeMarker(root, { endpoint: 'http://127.0.0.1:4566', startedAt: 't', pid: 2 ** 30 });
    const found = await findCheckoutEmulator({
      cwd: root,
      answers: answersAt('http://127.0.0.1:4566'),
    });
    expect(found?.answers).toBe(false);
    expect(probed).toEqual([]);
  });

  it('asks the recorded endpoint when no process is recorded (a container)', async () => {
    writeMarker(root, { kind: 'compose', endpoint: 'http://127.0.0.1:4599', startedAt: 't' });
    const found = await findCheckoutEmulator({ cwd: root, answers: answersAt('nowhere') });
    expect(found?.answers).toBe(false);
    expect(probed).toEqual(['http://127.0.0.1:4599']);
  });

  it('reads an unreadable marker as naming no endpoint', async () => {
    writeMarker(root, '{ half a fi');
    const found = await findCheckoutEmulator({ cwd: root, answers: answersAt('') });
    expect(found?.marker.endpoint).toBe('');
  });
});

describe('detectAwsTarget', () => {
  it('uses the answering checkout emulator when the environment sets nothing', async () => {
    writeMarker(root, { endpoint: 'http://127.0.0.1:4572', startedAt: 't' });
    const target = await detectAwsTarget({
      cwd: root,
      env: {},
      answers: answersAt('http://127.0.0.1:4572'),
    });
    expect(target).toMatchObject({
      kind: 'local',
      source: 'checkout',
      endpoint: 'http://127.0.0.1:4572',
    });
  });

  it('does not even probe the emulator when the user chose a target', async () => {
    writeMarker(root, { endpoint: 'http://127.0.0.1:4572', startedAt: 't' });
    for (const options of [
      { env: { AWS_PROFILE: 'prod' } },
      { env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:9' } },
      { env: {}, region: 'eu-west-1' },
    ]) {
      const target = await detectAwsTarget({
        cwd: root,
        answers: answersAt('http://127.0.0.1:4572'),
        ...options,
      });
      expect(target.kind === 'local' && target.source === 'checkout').toBe(false);
    }
    expect(probed).toEqual([]);
  });

  it('refuses when the checkout emulator is down and nothing else was asked for', async () => {
    writeMarker(root, { endpoint: 'http://127.0.0.1:4572', startedAt: 't' });
    const target = await detectAwsTarget({ cwd: root, env: {}, answers: answersAt('nowhere') });
    expect(target).toMatchObject({ kind: 'refused', local: true });
  });
});

describe('LovageClient.fromCheckout', () => {
  it('refuses before any call when the checkout emulator is down', async () => {
    writeMarker(root, { endpoint: 'http://127.0.0.1:4572', startedAt: 't' });
    await expect(
      LovageClient.fromCheckout(catalog, { cwd: root, env: {}, answers: answersAt('nowhere') }),
    ).rejects.toThrow(AwsTargetError);
  });

  it('refuses the dummy keys when nothing local is there to take them', async () => {
    await expect(
      LovageClient.fromCheckout(catalog, {
        cwd: root,
        env: { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
        answers: answersAt('nowhere'),
      }),
    ).rejects.toThrow(/dummy key 'test'/);
  });
});
