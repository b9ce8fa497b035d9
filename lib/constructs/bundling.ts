import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';

/** CDK context key that turns on source-mapped stack traces at run time (`-c sourceMaps=true`). */
export const SOURCE_MAPS_CONTEXT = 'sourceMaps';

/**
 * How every Lovage function is bundled: one minified CommonJS file with the
 * AWS SDK inside, and a source map beside it (mappings only) for decoding
 * stack traces offline. Node reads the map only with `--enable-source-maps`
 * (see {@link runtimeNodeOptions}), which costs import time and every
 * `Error.stack`, so it is not on by default.
 */
export const LOVAGE_BUNDLING: nodejs.BundlingOptions = {
  externalModules: [],
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  target: 'node22',
  format: nodejs.OutputFormat.CJS,
};

/** `NODE_OPTIONS` for a function: `--enable-source-maps` only when the app asks for it. */
export function runtimeNodeOptions(scope: Construct): Record<string, string> {
  const asked = scope.node.tryGetContext(SOURCE_MAPS_CONTEXT);
  return asked === true || asked === 'true' ? { NODE_OPTIONS: '--enable-source-maps' } : {};
}
