// Bundles modules of src/ (TypeScript) for the bench's in-process and child measurements: `lines` are the entry's
// export statements, with paths from the repository's root (e.g. "export { runEngine } from './src/engine.ts';").
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** @param {string[]} lines @param {string} outfile @param {{ minify?: boolean }} [o] */
export async function bundleSrc(lines, outfile, { minify = false } = {}) {
  const { build } = await import('esbuild');
  mkdirSync(dirname(outfile), { recursive: true });
  await build({
    stdin: { contents: lines.join('\n'), resolveDir: ROOT, loader: 'ts' },
    bundle: true,
    minify,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    loader: { '.yml': 'text' },
    outfile,
    logLevel: 'warning',
    banner: { js: "import { createRequire as __cr } from 'node:module';\nconst require = __cr(import.meta.url);" },
  });
}
