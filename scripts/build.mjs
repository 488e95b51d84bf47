// Builds dist/ (the Action bundle and the CLI) and schema/ (JSON Schemas generated from the zod schemas).
// `node scripts/build.mjs` — deterministic: the same sources give byte-identical output (CI checks this).
import { build } from 'esbuild';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

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
};

rmSync('dist', { recursive: true, force: true });
mkdirSync('dist', { recursive: true });
await build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.js', banner: { js: banner } });
await build({ ...common, entryPoints: ['src/bin.ts'], outfile: 'dist/cli.js', banner: { js: banner } });
// The rated SARIF writer's worker thread (src/io/rated-sarif.ts starts it from beside either bundle).
await build({ ...common, entryPoints: ['src/io/rated-sarif-worker.ts'], outfile: 'dist/rated-sarif-worker.js', banner: { js: banner } });
writeFileSync('dist/package.json', '{\n  "type": "module"\n}\n');

// JSON Schemas from zod.
const tmp = mkdtempSync(join(tmpdir(), 'defect-gate-schema-'));
try {
  const out = join(tmp, 'schema.mjs');
  await build({ ...common, entryPoints: ['scripts/schema-entry.ts'], outfile: out });
  const { schemas } = await import(pathToFileURL(out).href);
  mkdirSync('schema', { recursive: true });
  for (const [name, schema] of Object.entries(schemas)) {
    writeFileSync(join('schema', name), `${JSON.stringify(schema, null, 2)}\n`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
