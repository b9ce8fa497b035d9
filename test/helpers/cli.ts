import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'vitest';

/** The real `lovage` bin, as a user runs it. */
export const BIN = fileURLToPath(new URL('../../bin/lovage.mjs', import.meta.url));
const run = promisify(execFile);

/** Runs the real `lovage` bin; resolves with its exit code and output whatever the code. */
export async function lovage(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return lovageWith(process.env, ...args);
}

export async function lovageWith(
  environment: NodeJS.ProcessEnv,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      timeout: 120_000,
      env: environment,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof e.code === 'number' ? e.code : -1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? '',
    };
  }
}

/** Runs `lovage --json ...`, expects exit 0 and nothing on stderr, and parses the output. */
export const json = async <T>(...args: string[]): Promise<T> => {
  const out = await lovage('--json', ...args);
  expect(out.stderr).toBe('');
  expect(out.code).toBe(0);
  return JSON.parse(out.stdout) as T;
};
