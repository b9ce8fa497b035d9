/** Debian packages the scripts and benches install for themselves (as root, with apt-get). */
import { accessSync, constants } from 'node:fs';
import { capture } from './proc.js';

/** Whether `path` is a file this process may execute. */
export function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Installs the Debian package `name` with apt-get (no recommended packages), updating the
 * package lists and trying once more when the first try fails. Resolves with why it could not,
 * or `undefined` once it is installed: not root, no apt-get, or apt-get's last error lines.
 */
export async function aptInstall(
  name: string,
  log: (message: string) => void = () => {},
): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not running as root';
  if (!executable('/usr/bin/apt-get')) return 'no apt-get';
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    capture('apt-get', ['install', '-y', '--no-install-recommends', name], { env });
  log(`installing Debian package ${name} with apt-get (once)`);
  let out = await install();
  if (out.code !== 0) {
    // A fresh machine's package lists may not know the package yet.
    log('apt-get install failed; updating the package lists and trying again');
    await capture('apt-get', ['update'], { env });
    out = await install();
  }
  if (out.code === 0) return undefined;
  const tail = out.stderr.trim().split('\n').slice(-3).join(' / ');
  return `apt-get install ${name} failed (exit ${out.code}): ${tail}`;
}
