import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { LOVAGE_BUNDLING } from '../../lib/constructs/bundling.js';

/**
 * Bundles `entry` into `outfile` with the options the stack deploys its functions with
 * (LOVAGE_BUNDLING: minified CommonJS for Node 22, the AWS SDK inside, a source map beside).
 * A `package.json` saying `"type": "commonjs"` goes beside it: in a deployed asset no
 * package.json says otherwise and Node loads `index.js` as CommonJS, but under this
 * repository's (`"type": "module"`) Node would load the bundle through its ES module loader,
 * so an import time measured here would not be the one Lambda pays.
 *
 * @example
 * const { metafile } = await bundleLikeTheStack('lambdas/email/index.ts', '.lovage/bench/x/index.js');
 */
export async function bundleLikeTheStack(
  entry: string,
  outfile: string,
): Promise<{ outfile: string; metafile: Metafile }> {
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    metafile: true,
    logLevel: 'error',
    minify: LOVAGE_BUNDLING.minify,
    sourcemap: LOVAGE_BUNDLING.sourceMap,
    sourcesContent: LOVAGE_BUNDLING.sourcesContent,
    target: LOVAGE_BUNDLING.target,
    format: 'cjs',
  });
  writeFileSync(join(dirname(outfile), 'package.json'), '{ "type": "commonjs" }\n');
  return { outfile, metafile: result.metafile };
}
