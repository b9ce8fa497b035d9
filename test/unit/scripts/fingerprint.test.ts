import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  inputsFingerprint,
  outputFingerprint,
  synthEnvironment,
  watchedFolders,
} from '../../../scripts/lib/fingerprint.js';

describe('watchedFolders', () => {
  it('lists the folders a cdk.json watch list names', () => {
    expect(watchedFolders(['bin/**', 'lib/**', './src/**/*.ts', 'lib/constructs/**'])).toEqual([
      'bin',
      'lib',
      'src',
    ]);
  });

  it('gives up on patterns not rooted in a folder', () => {
    expect(watchedFolders(['**'])).toBeUndefined();
    expect(watchedFolders(['bin/**', '*.ts'])).toBeUndefined();
  });
});

describe('synthEnvironment', () => {
  it('keeps the variables that can change the stack, not those only the scripts read', () => {
    expect(
      synthEnvironment({
        LOVAGE_STACK_NAME: 'Lovage',
        LOVAGE_KEEP_EMULATOR: '1',
        CDK_DEFAULT_REGION: 'us-east-1',
        AWS_REGION: 'us-east-1',
        AWS_SECRET_ACCESS_KEY: 'test',
        HOME: '/root',
      }),
    ).toEqual(['AWS_REGION=us-east-1', 'CDK_DEFAULT_REGION=us-east-1', 'LOVAGE_STACK_NAME=Lovage']);
  });
});

describe('inputsFingerprint', () => {
  let root: string;
  const write = (path: string, text: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'lovage-fingerprint-'));
    write('cdk.json', JSON.stringify({ watch: { include: ['bin/**', 'lib/**'] } }));
    write('bin/app.ts', 'app');
    write('lib/stack.ts', 'stack');
    write('test/stack.test.ts', 'test');
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('changes when a watched file changes', () => {
    const before = inputsFingerprint(root, {});
    write('lib/stack.ts', 'stack v2');
    expect(inputsFingerprint(root, {})).not.toBe(before);
  });

  it('changes when a watched file is added', () => {
    const before = inputsFingerprint(root, {});
    write('lib/constructs/queue.ts', 'queue');
    expect(inputsFingerprint(root, {})).not.toBe(before);
  });

  it('stays the same when only unwatched files change', () => {
    const before = inputsFingerprint(root, {});
    write('test/stack.test.ts', 'test v2');
    write('node_modules/x/index.js', 'x');
    expect(inputsFingerprint(root, {})).toBe(before);
  });

  it('changes with the stack name', () => {
    expect(inputsFingerprint(root, { LOVAGE_STACK_NAME: 'A' })).not.toBe(
      inputsFingerprint(root, { LOVAGE_STACK_NAME: 'B' }),
    );
  });

  it('is undefined when cdk.json does not say what it watches', () => {
    write('cdk.json', '{}');
    expect(inputsFingerprint(root, {})).toBeUndefined();
  });
});

describe('outputFingerprint', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lovage-assembly-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('covers the template and the asset manifest', () => {
    writeFileSync(join(dir, 'Lovage.template.json'), '{"Resources":{}}');
    writeFileSync(join(dir, 'Lovage.assets.json'), '{"files":{"a":{}}}');
    const before = outputFingerprint(dir, 'Lovage.template.json');
    writeFileSync(join(dir, 'Lovage.assets.json'), '{"files":{"b":{}}}');
    expect(outputFingerprint(dir, 'Lovage.template.json')).not.toBe(before);
  });

  it('is undefined without a template', () => {
    expect(outputFingerprint(dir, 'Lovage.template.json')).toBeUndefined();
  });
});
