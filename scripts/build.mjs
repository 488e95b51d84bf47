// Builds dist/ (the Action bundle and the CLI) and schema/ (JSON Schemas generated from the zod schemas).
// `node scripts/build.mjs` — deterministic: the same sources give byte-identical output (CI checks this).
// `node scripts/build.mjs --out-dir <dir>` — only the bundles, into <dir> (schema/ untouched); the tests' jest global
// setup builds the current sources this way, so the end-to-end suites never run a stale committed dist/.
import { build } from 'esbuild';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const banner = "import { createRequire as __dgCreateRequire } from 'node:module';\nconst require = __dgCreateRequire(import.meta.url);";

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

// The bundles are minified (the npm package and the Action checkout stay small: issue #20) but keep their output names.
// No source maps: the bundles are built from the tagged sources, which is where a stack trace is read.
const bundle = { ...common, minify: true, metafile: true, banner: { js: banner } };

/** The Action bundle, the CLI and the rated SARIF worker, written to `outDir` (emptied first). */
export async function buildBundles(outDir) {
  const out = resolve(ROOT, outDir);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const inputs = new Set();
  const add = (r) => Object.keys(r.metafile.inputs).forEach((i) => inputs.add(i));
  add(await build({ ...bundle, entryPoints: ['src/index.ts'], outfile: join(out, 'index.js') }));
  add(await build({ ...bundle, entryPoints: ['src/bin.ts'], outfile: join(out, 'cli.js') }));
  // The rated SARIF writer's worker thread (src/io/rated-sarif.ts starts it from beside either bundle).
  add(await build({ ...bundle, entryPoints: ['src/io/rated-sarif-worker.ts'], outfile: join(out, 'rated-sarif-worker.js') }));
  writeFileSync(join(out, 'package.json'), '{\n  "type": "module"\n}\n');
  writeFileSync(join(out, 'licenses.txt'), thirdPartyNotices(inputs));
}

/**
 * The licence texts of the packages bundled into dist/ (their MIT/ISC/BSD notices must travel with the copies;
 * legalComments: 'none' drops them from the bundles themselves). Sorted by package name: deterministic.
 */
function thirdPartyNotices(inputs) {
  const pkgs = new Map();
  for (const input of inputs) {
    const m = /^(.*node_modules\/((?:@[^/]+\/)?[^/]+))\//.exec(input);
    if (!m) continue;
    const dir = join(ROOT, m[1]);
    const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    pkgs.set(`${meta.name}@${meta.version}`, { dir, meta });
  }
  const parts = [];
  for (const key of [...pkgs.keys()].sort()) {
    const { dir, meta } = pkgs.get(key);
    const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
    const text = file ? readFileSync(join(dir, file), 'utf8').trim() : `${meta.license ?? 'UNKNOWN'} (no licence file in the package)`;
    parts.push(`${key} (${meta.license ?? 'UNKNOWN'})\n\n${text}\n`);
  }
  return `Third-party software bundled in this directory\n\n${parts.join(`\n${'-'.repeat(78)}\n\n`)}`;
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
  if (args.includes('--schemas-only')) {
    await buildSchemas();
    process.exit(0);
  }
  if (i >= 0) {
    const dir = args[i + 1];
    if (!dir) {
      console.error('usage: node scripts/build.mjs [--out-dir <dir> | --schemas-only]');
      process.exit(2);
    }
    await buildBundles(dir);
  } else {
    await buildBundles('dist');
    await buildSchemas();
  }
}
