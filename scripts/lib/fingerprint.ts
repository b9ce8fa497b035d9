/**
 * Fingerprints that let local:deploy skip work that would change nothing: one of the inputs
 * to `cdk synth` (the folders cdk.json watches, the lockfile and the environment), one of its
 * output (the stack's template and asset manifest, whose asset hashes cover the bundled code).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { readJson } from './project.js';

/** Files at the project root that change what `cdk synth` produces. */
const ROOT_INPUTS = [
  'cdk.json',
  'cdk.context.json',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
];

/** Directories never walked, whatever cdk.json says. */
const NEVER_WALKED = new Set(['node_modules', 'cdk.out', '.lovage', '.git']);

/** Variables read by the scripts only, which cannot change the synthesized stack. */
const SCRIPT_ONLY_VARIABLES = new Set([
  'LOVAGE_KEEP_EMULATOR',
  'LOVAGE_DEBUG',
  'LOVAGE_EMULATOR',
  'LOVAGE_PYTHON',
]);

/**
 * The top-level folders a `cdk.json` `watch.include` list names: `["bin/**", "lib/**"]` gives
 * `["bin", "lib"]`. `undefined` when a pattern is not rooted in a folder (such as `**` alone),
 * because then there is no cheap, complete list of inputs.
 */
export function watchedFolders(include: readonly string[]): string[] | undefined {
  const folders = new Set<string>();
  for (const pattern of include) {
    const [first] = pattern.replace(/^\.\//, '').split('/');
    if (!first || /[*?[{]/.test(first)) return undefined;
    folders.add(first);
  }
  return [...folders].sort();
}

/**
 * The environment variables that can change the synthesized stack: `LOVAGE_*` (except those
 * only the scripts read), `CDK_*` and the region, sorted as `NAME=value` lines.
 */
export function synthEnvironment(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env)
    .filter(([name]) => {
      if (SCRIPT_ONLY_VARIABLES.has(name)) return false;
      return (
        name.startsWith('LOVAGE_') ||
        name.startsWith('CDK_') ||
        name === 'AWS_REGION' ||
        name === 'AWS_DEFAULT_REGION'
      );
    })
    .map(([name, value]) => `${name}=${value ?? ''}`)
    .sort();
}

/**
 * A hash of everything `cdk synth` reads in `root`, or `undefined` when cdk.json does not say
 * what that is (then local:deploy always synthesizes).
 */
export function inputsFingerprint(root: string, env: NodeJS.ProcessEnv): string | undefined {
  const cdkJson = readJson<{ watch?: { include?: string[] } }>(join(root, 'cdk.json'));
  const folders = cdkJson?.watch?.include && watchedFolders(cdkJson.watch.include);
  if (!folders) return undefined;
  const hash = createHash('sha256');
  const files = [
    ...ROOT_INPUTS.filter((name) => existsSync(join(root, name))),
    ...folders.flatMap((folder) => listFiles(root, join(root, folder))),
  ];
  for (const file of files) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(join(root, file)));
    hash.update('\0');
  }
  for (const line of synthEnvironment(env)) hash.update(`${line}\0`);
  return hash.digest('hex');
}

/**
 * A hash of the stack's synthesized template and asset manifest in `assemblyDir`, or
 * `undefined` when the template is not there.
 */
export function outputFingerprint(assemblyDir: string, templateFile: string): string | undefined {
  const template = join(assemblyDir, templateFile);
  if (!existsSync(template)) return undefined;
  const hash = createHash('sha256').update(readFileSync(template));
  const assets = template.replace(/\.template\.json$/, '.assets.json');
  if (existsSync(assets)) hash.update('\0').update(readFileSync(assets));
  return hash.digest('hex');
}

/** Files under `dir`, relative to `root` with `/` separators, in a stable order. */
function listFiles(root: string, dir: string): string[] {
  if (!existsSync(dir)) return [];
  if (!statSync(dir).isDirectory()) return [relative(root, dir).split(sep).join('/')];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (NEVER_WALKED.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(root, path));
    else if (entry.isFile()) out.push(relative(root, path).split(sep).join('/'));
  }
  return out;
}
