/** Paths and small file helpers shared by the emulator scripts. */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: scripts/lib/../.. (independent of the caller's working directory). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Machine-local state of the scripts (git-ignored): virtualenv, logs, what was started. */
export const LOVAGE_DIR = join(PROJECT_ROOT, '.lovage');

/** The CDK cloud assembly directory. */
export const CDK_OUT = join(PROJECT_ROOT, 'cdk.out');

/** The stack the scripts deploy and reconcile: `LOVAGE_STACK_NAME`, default `Lovage`. */
export function stackName(env: NodeJS.ProcessEnv = process.env): string {
  return env.LOVAGE_STACK_NAME?.trim() || 'Lovage';
}

/** Parses a JSON file, or returns `undefined` when it does not exist. */
export function readJson<T>(path: string): T | undefined {
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** Writes JSON through a temporary file so that a crash never leaves half a file behind. */
export function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, path);
}

export function removeFile(path: string): void {
  rmSync(path, { force: true });
}

/** Seconds since `startMs`, one decimal: `12.3 s`. */
export function elapsed(startMs: number): string {
  return `${((Date.now() - startMs) / 1000).toFixed(1)} s`;
}

/** A logger that prefixes each line with the script's name, e.g. `local-up: ...`. */
export function logger(scope: string): (message: string) => void {
  return (message) => console.log(`${scope}: ${message}`);
}
