/**
 * What a category function costs to load, beside a bare bundle of the same
 * AWS SDK clients: both bundled by esbuild with the options the stack
 * deploys (LOVAGE_BUNDLING: minified CommonJS, SDK inside, source map
 * beside), then each `require`d in fresh Node processes, alternating, and
 * the import time's median and range printed with the ratio per pair. Also
 * the sizes (bundle, map), the share of the bundle that is zod and which
 * categories' schemas it carries, and the same import with
 * `--enable-source-maps` ("source maps": the opt-in `-c sourceMaps=true`).
 * CPU time is the figure to read on a shared machine. Nothing asserted.
 *
 *   npx tsx bench/cold-start.ts [--category email] [--runs 15]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Metafile } from 'esbuild';
import { categories } from '../src/catalog/catalog.js';
import { bundleLikeTheStack } from './lib/bundle.js';
import { median, range, ratioLine } from './lib/stats.js';

const { values: options } = parseArgs({
  options: {
    category: { type: 'string', default: 'email' },
    runs: { type: 'string', default: '15' },
  },
});
const CATEGORY = options.category;
const RUNS = Number(options.runs);
const OUT = resolve('.lovage/bench/cold-start');

/** The class each SDK package's bare import constructs. */
const CLIENTS: Record<string, string> = {
  'client-dynamodb': 'DynamoDBClient',
  'client-sqs': 'SQSClient',
  'client-scheduler': 'SchedulerClient',
  'client-sesv2': 'SESv2Client',
  'client-eventbridge': 'EventBridgeClient',
  'client-s3': 'S3Client',
  'client-cloudwatch': 'CloudWatchClient',
  'client-lambda': 'LambdaClient',
};

const bundle = (name: string, entry: string) =>
  bundleLikeTheStack(entry, join(OUT, name, 'index.js'));

/** Bytes of the output that came from inputs whose path matches `pattern`. */
function bytesFrom(metafile: Metafile, pattern: RegExp): number {
  let total = 0;
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      if (pattern.test(input)) total += bytesInOutput;
    }
  }
  return total;
}

function sdkPackages(metafile: Metafile): string[] {
  const found = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /node_modules\/@aws-sdk\/(client-[a-z0-9-]+)\//.exec(input);
    if (match?.[1]) found.add(match[1]);
  }
  return [...found].sort();
}

/**
 * CPU and wall milliseconds to `require` the bundle in a fresh process
 * (module evaluation included). CPU time is the figure to read on a shared
 * machine: wall time there mostly measures the other processes.
 */
function importMs(file: string, nodeOptions: string): { cpu: number; wall: number } {
  const script = `const c=process.cpuUsage(),t=process.hrtime.bigint();require(${JSON.stringify(file)});const u=process.cpuUsage(c);process.stdout.write(JSON.stringify({cpu:(u.user+u.system)/1e3,wall:Number(process.hrtime.bigint()-t)/1e6}))`;
  const out = spawnSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: nodeOptions, AWS_REGION: 'us-east-1' },
  });
  if (out.status !== 0) throw new Error(`importing ${file} failed: ${out.stderr}`);
  return JSON.parse(out.stdout) as { cpu: number; wall: number };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

if (!(CATEGORY in categories)) {
  throw new Error(`--category takes one of ${Object.keys(categories).join(', ')}`);
}
mkdirSync(OUT, { recursive: true });
const lovage = await bundle(CATEGORY, resolve('lambdas', CATEGORY, 'index.ts'));
const packages = sdkPackages(lovage.metafile);
const bareEntry = join(OUT, 'bare-entry.ts');
writeFileSync(
  bareEntry,
  `${packages
    .filter((p) => CLIENTS[p])
    .map((p) => `import { ${CLIENTS[p]} } from '@aws-sdk/${p}';`)
    .join('\n')}
${packages
  .filter((p) => CLIENTS[p])
  .map((p) => `const ${p.replace(/-/g, '_')} = new ${CLIENTS[p]}({});`)
  .join('\n')}
export const handler = async () => [${packages
    .filter((p) => CLIENTS[p])
    .map((p) => p.replace(/-/g, '_'))
    .join(', ')}].length;
`,
);
const bare = await bundle('bare', bareEntry);

type Timing = { cpu: number; wall: number };
const results = { lovage: [] as Timing[], bare: [] as Timing[], mapped: [] as Timing[] };
for (let run = 0; run < RUNS; run++) {
  // Alternate which goes first, so drift in the machine's load hits both alike.
  const order = run % 2 === 0 ? (['lovage', 'bare'] as const) : (['bare', 'lovage'] as const);
  for (const side of order) {
    results[side].push(importMs(side === 'lovage' ? lovage.outfile : bare.outfile, ''));
  }
  results.mapped.push(importMs(lovage.outfile, '--enable-source-maps'));
}

const size = (file: string) => statSync(file).size;
/** Categories whose payload schemas (src/catalog/tasks/<category>.ts) are in the bundle. */
const schemas = Object.keys(categories).filter((c) =>
  Object.keys(lovage.metafile.inputs).includes(`src/catalog/tasks/${c}.ts`),
);
console.log(
  `bench/cold-start: '${CATEGORY}' worker vs a bare bundle of its SDK clients (${packages.join(', ')}); ${RUNS} fresh processes each, alternating; Node ${process.version}; load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}\n`,
);
const cell = (values: number[]) => {
  const [low, high] = range(values);
  return `${median(values).toFixed(1)} ms (${low.toFixed(0)}–${high.toFixed(0)})`.padStart(24);
};
console.log(
  `${''.padEnd(28)}${'lovage'.padStart(24)}${'bare'.padStart(24)}${'lovage / bare'.padStart(24)}`,
);
for (const measure of ['cpu', 'wall'] as const) {
  const of = (side: keyof typeof results) => results[side].map((t) => t[measure]);
  const ratios = (side: 'lovage' | 'mapped') =>
    of(side).map((l, i) => l / (of('bare')[i] ?? Number.NaN));
  console.log(
    `${`import ${measure}, as deployed`.padEnd(28)}${cell(of('lovage'))}${cell(of('bare'))}${ratioLine(ratios('lovage')).padStart(24)}`,
  );
  console.log(
    `${`import ${measure}, source maps`.padEnd(28)}${cell(of('mapped'))}${''.padStart(24)}${ratioLine(ratios('mapped')).padStart(24)}`,
  );
}
console.log(
  `${'bundle'.padEnd(28)}${kb(size(lovage.outfile)).padStart(24)}${kb(size(bare.outfile)).padStart(24)}${`${(size(lovage.outfile) / size(bare.outfile)).toFixed(2)} x`.padStart(24)}`,
);
console.log(
  `${'source map (not loaded)'.padEnd(28)}${kb(size(`${lovage.outfile}.map`)).padStart(24)}${kb(size(`${bare.outfile}.map`)).padStart(24)}`,
);
const zod = bytesFrom(lovage.metafile, /node_modules\/zod\//);
const powertools = bytesFrom(lovage.metafile, /node_modules\/@aws-lambda-powertools\//);
const own = bytesFrom(lovage.metafile, /^(src|lambdas)\//);
const total = size(lovage.outfile);
console.log(
  `\nin the lovage bundle: zod ${kb(zod)} (${((zod / total) * 100).toFixed(0)} %), Powertools ${kb(powertools)} (${((powertools / total) * 100).toFixed(0)} %), Lovage's own code ${kb(own)} (${((own / total) * 100).toFixed(0)} %)`,
);
console.log(
  `payload schemas in it: ${schemas.join(', ')} (of ${Object.keys(categories).length} categories)`,
);
