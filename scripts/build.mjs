// Builds dist/ (the Action bundle and the CLI) and schema/ (JSON Schemas generated from the zod schemas).
// `node scripts/build.mjs` — deterministic: the same sources give byte-identical output (CI checks this).
// `node scripts/build.mjs --out-dir <dir>` — only the bundles, into <dir> (schema/ untouched); the tests' jest global
// setup builds the current sources this way, so the end-to-end suites never run a stale committed dist/.
import { build } from 'esbuild';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const banner =
  "import { createRequire as __dgCreateRequire } from 'node:module';\nconst require = __dgCreateRequire(import.meta.url);";

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  loader: { '.yml': 'text' },
  legalComments: 'none',
  logLevel: 'warning',
  charset: 'utf8',
  absWorkingDir: ROOT,
};

/** The Action bundle, the CLI and the rated SARIF worker, written to `outDir` (emptied first). */
export async function buildBundles(outDir) {
  const out = resolve(ROOT, outDir);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await build({ ...common, entryPoints: ['src/index.ts'], outfile: join(out, 'index.js'), banner: { js: banner } });
  await build({ ...common, entryPoints: ['src/bin.ts'], outfile: join(out, 'cli.js'), banner: { js: banner } });
  // The rated SARIF writer's worker thread (src/io/rated-sarif.ts starts it from beside either bundle).
  await build({ ...common, entryPoints: ['src/io/rated-sarif-worker.ts'], outfile: join(out, 'rated-sarif-worker.js'), banner: { js: banner } });
  writeFileSync(join(out, 'package.json'), '{\n  "type": "module"\n}\n');
}

/** JSON Schemas from zod, written to schema/. */
export async function buildSchemas() {
  const tmp = mkdtempSync(join(tmpdir(), 'defect-gate-schema-'));
  try {
    const out = join(tmp, 'schema.mjs');
    await build({ ...common, entryPoints: ['scripts/schema-entry.ts'], outfile: out });
    const { schemas } = await import(pathToFileURL(out).href);
    mkdirSync(join(ROOT, 'schema'), { recursive: true });
    for (const [name, schema] of Object.entries(schemas)) {
      writeFileSync(join(ROOT, 'schema', name), `${JSON.stringify(schema, null, 2)}\n`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--out-dir');
  if (i >= 0) {
    const dir = args[i + 1];
    if (!dir) {
      console.error('usage: node scripts/build.mjs [--out-dir <dir>]');
      process.exit(2);
    }
    await buildBundles(dir);
  } else {
    await buildBundles('dist');
    await buildSchemas();
  }
}
