import { createHash } from 'node:crypto';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/** One bundled file, kept in memory with its compressed forms. */
export interface Asset {
  /** `/assets/<name>-<hash>.<ext>`: the hash changes with the content, so it may be cached. */
  readonly path: string;
  readonly contentType: string;
  readonly raw: Buffer;
  readonly gzip: Buffer;
  readonly brotli: Buffer;
}

export interface Assets {
  readonly script: Asset;
  readonly style: Asset;
  readonly byPath: ReadonlyMap<string, Asset>;
}

/** The page's entry point; everything it imports (Preact, htm, uPlot, CSS) is bundled. */
const ENTRY = join(dirname(fileURLToPath(import.meta.url)), 'web', 'main.ts');

/**
 * Bundles the page with esbuild, in memory, when `lovage ui` starts: no build step to forget,
 * no CDN, nothing written to disk. Minified, ES2022, one script and one stylesheet, each
 * compressed once (brotli and gzip) so that every request is served from memory.
 */
export async function buildAssets(): Promise<Assets> {
  const { build } = await import('esbuild');
  const root = dirname(ENTRY);
  const out = await build({
    entryPoints: [ENTRY],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    write: false,
    outdir: join(root, 'out'),
    legalComments: 'none',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const assets = out.outputFiles.map((file): Asset => {
    const ext = file.path.endsWith('.css') ? 'css' : 'js';
    const raw = Buffer.from(file.contents);
    const hash = createHash('sha256').update(raw).digest('hex').slice(0, 12);
    const name = relative(join(root, 'out'), file.path).replace(/\.(css|js)$/, '');
    return {
      path: `/assets/${name}-${hash}.${ext}`,
      contentType: ext === 'css' ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8',
      raw,
      gzip: gzipSync(raw, { level: 9 }),
      brotli: brotliCompressSync(raw, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: 11,
          [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
        },
      }),
    };
  });
  const script = assets.find((a) => a.path.endsWith('.js'));
  const style = assets.find((a) => a.path.endsWith('.css'));
  if (!script || !style) throw new Error('the UI bundle has no script or no stylesheet');
  return { script, style, byPath: new Map(assets.map((a) => [a.path, a])) };
}

/** The body to send for `accept-encoding`: brotli, else gzip, else as it is. */
export function encodedBody(
  asset: Pick<Asset, 'raw' | 'gzip' | 'brotli'>,
  acceptEncoding: string | undefined,
): { body: Buffer; encoding?: 'br' | 'gzip' } {
  const accepted = (acceptEncoding ?? '').toLowerCase();
  if (/\bbr\b/.test(accepted)) return { body: asset.brotli, encoding: 'br' };
  if (/\bgzip\b/.test(accepted)) return { body: asset.gzip, encoding: 'gzip' };
  return { body: asset.raw };
}
