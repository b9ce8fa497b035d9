#!/usr/bin/env node
/**
 * Node 22 for the project's own commands. Lambda runs nodejs22.x, and the toolchain needs
 * Node >= 22.12 (vitest 5, commander 15). When the node running this is older, the Node 22
 * build pinned below is installed from the npm registry (package `node-linux-<arch>`) into
 * `.lovage/node-<version>/` and used instead; a new enough node is used as it is.
 *
 *   node scripts/node22.mjs <command> [args...]
 *
 * runs the command with that node's directory, then node_modules/.bin, first on PATH, so that
 * `node` and every `#!/usr/bin/env node` tool (tsx, vitest, cdk) run on it, and so do the
 * emulator's Lambda functions (MiniStack spawns `node` from PATH). Plain JavaScript: it has to
 * start on the older node, before tsx is of any use.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { constants } from 'node:os';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Node 22 release installed when the running node is too old; bump it here only. */
export const NODE22_VERSION = '22.23.5';
/** The oldest node the project runs on: vitest 5 and commander 15 declare `>=22.12`. */
export const MIN_NODE = [22, 12];

/** npm package integrity of `node-linux-<arch>@NODE22_VERSION`, checked before unpacking. */
const INTEGRITY = {
  x64: 'sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==',
  arm64:
    'sha512-e1LOUGKVruPGuLVutn8+Cgm5pI1APm4Kvh+zbb/qe/ZpD9s+TQby5iUgZOWmPpbSKpj0Td8DP1N0NEnXasHizg==',
};

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const INSTALL_DIR = join(ROOT, '.lovage', `node-${NODE22_VERSION}`);

/** Whether a `process.versions.node` string is at least {@link MIN_NODE}. */
export function isNewEnough(version) {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
}

/**
 * The node to run on: this one when it is new enough, otherwise the project's Node 22 in
 * `.lovage/`, installed on first use (which `log` reports). Throws with what to do when there
 * is no build for this platform.
 */
export function ensureNode22(log = (message) => console.error(`node22: ${message}`)) {
  if (isNewEnough(process.versions.node)) {
    return { node: process.execPath, version: process.versions.node, project: false };
  }
  const node = join(INSTALL_DIR, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  if (!existsSync(node)) install(log);
  return { node, version: NODE22_VERSION, project: true };
}

/** `env` with the chosen node's directory and node_modules/.bin first on PATH. */
export function node22Env(env = process.env, node = ensureNode22().node) {
  const PATH = [dirname(node), join(ROOT, 'node_modules', '.bin'), env.PATH]
    .filter(Boolean)
    .join(delimiter);
  return { ...env, PATH, LOVAGE_NODE: node };
}

/** One line saying which node runs the project's commands, and why. */
export function describeNode({ node, version, project }) {
  if (!project) return `using Node ${version} (${node})`;
  return (
    `Node ${process.versions.node} is older than ${MIN_NODE.join('.')}: using Node ${version} ` +
    `from ${relative(process.cwd(), dirname(dirname(node))) || '.'}`
  );
}

/**
 * Runs `command` on Node 22 (see the file comment) and exits with its code. Signals sent to
 * this process are passed on, so the command can clean up.
 */
export function runOnNode22(command, args, { quiet = false } = {}) {
  let chosen;
  try {
    chosen = ensureNode22();
  } catch (error) {
    console.error(`node22: error: ${error.message}`);
    process.exit(1);
  }
  if (!quiet && process.env.LOVAGE_NODE !== chosen.node) {
    console.error(`node22: ${describeNode(chosen)}`);
  }
  const child = spawn(command, args, {
    env: node22Env(process.env, chosen.node),
    stdio: 'inherit',
    // npm's .bin shims are .cmd files on Windows.
    shell: process.platform === 'win32',
  });
  const forward = (signal) => child.kill(signal);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, forward);
  child.on('error', (error) => {
    console.error(`node22: could not run ${command}: ${error.message}`);
    process.exit(127);
  });
  child.on('exit', (code, signal) => {
    process.exit(code ?? 128 + (constants.signals[signal] ?? 0));
  });
}

function install(log) {
  const arch = process.arch;
  const integrity = INTEGRITY[arch];
  if (process.platform !== 'linux' || !integrity) {
    throw new Error(
      `this project needs Node >= ${MIN_NODE.join('.')} (Lambda runs nodejs22.x) and this is ` +
        `Node ${process.versions.node}. The scripts can install Node 22 themselves only on Linux ` +
        `x64 or arm64, not ${process.platform}-${arch}: install Node 22 (https://nodejs.org, ` +
        'or `nvm install 22`) and run the command again.',
    );
  }
  const pkg = `node-linux-${arch}@${NODE22_VERSION}`;
  log(
    `Node ${process.versions.node} is older than ${MIN_NODE.join('.')}: installing ${pkg} from ` +
      `the npm registry into ${relative(process.cwd(), INSTALL_DIR)} (about 50 MB, once)`,
  );
  const staging = `${INSTALL_DIR}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    must('npm', ['pack', pkg, '--pack-destination', staging, '--silent']);
    const tarball = readdirSync(staging).find((name) => name.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack ${pkg} wrote no tarball`);
    const path = join(staging, tarball);
    const actual = `sha512-${createHash('sha512').update(readFileSync(path)).digest('base64')}`;
    if (actual !== integrity) {
      throw new Error(`${pkg} does not match its pinned integrity (got ${actual})`);
    }
    must('tar', ['-xzf', path, '-C', staging, '--strip-components=1', 'package/bin/node']);
    rmSync(path);
    const version = must(join(staging, 'bin', 'node'), ['--version']).trim();
    if (version !== `v${NODE22_VERSION}`) throw new Error(`${pkg} reports ${version}`);
    try {
      renameSync(staging, INSTALL_DIR);
    } catch (error) {
      // Another command installed it at the same time: use theirs.
      if (!existsSync(join(INSTALL_DIR, 'bin', 'node'))) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function must(command, args) {
  const result = spawnSync(command, args, {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    shell: process.platform === 'win32',
  });
  if (result.status !== 0) {
    const output = `${result.stderr ?? ''}${result.error?.message ?? ''}`.trim();
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}): ${output}`);
  }
  return result.stdout;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [command, ...args] = process.argv.slice(2);
  if (!command) {
    console.error('usage: node scripts/node22.mjs <command> [args...]');
    process.exit(2);
  }
  runOnNode22(command, args);
}
