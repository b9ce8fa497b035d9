import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { LOVAGE_BUNDLING, runtimeNodeOptions } from '../../lib/constructs/bundling.js';

describe('function bundling', () => {
  it('ships a minified bundle with a source map that Node does not load by default', () => {
    expect(LOVAGE_BUNDLING).toMatchObject({ minify: true, sourceMap: true });
    expect(runtimeNodeOptions(new Stack(new App(), 'Plain'))).toEqual({});
  });

  it('loads source maps at run time when the app is given -c sourceMaps=true', () => {
    for (const value of [true, 'true']) {
      const app = new App({ context: { sourceMaps: value } });
      expect(runtimeNodeOptions(new Stack(app, 'Mapped'))).toEqual({
        NODE_OPTIONS: '--enable-source-maps',
      });
    }
    const off = new App({ context: { sourceMaps: 'false' } });
    expect(runtimeNodeOptions(new Stack(off, 'Unmapped'))).toEqual({});
  });
});
