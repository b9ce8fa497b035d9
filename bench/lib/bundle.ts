import { build, type Metafile } from 'esbuild';
import { LOVAGE_BUNDLING } from '../../lib/constructs/bundling.js';

/**
 * Bundles `entry` into `outfile` with the options the stack deploys its functions with
 * (LOVAGE_BUNDLING: minified CommonJS for Node 22, the AWS SDK inside, a source map beside).
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
  return { outfile, metafile: result.metafile };
}
