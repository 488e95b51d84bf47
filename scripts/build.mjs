// Builds dist/ (the Action bundle and the CLI) and schema/ (JSON Schemas generated from the zod schemas).
// `node scripts/build.mjs` — deterministic: the same sources give byte-identical output (CI checks this).
// `node scripts/build.mjs --out-dir <dir>` — only the bundles, into <dir> (schema/ untouched); the tests' jest global
// setup builds the current sources this way, so the end-to-end suites never run a stale committed dist/.
// `--out-dir <dir> --no-minify` — the same bundles unminified, to read a `node --cpu-prof` profile of them.
import { build } from 'esbuild';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

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

/**
 * zod re-exports its ~40 translations of error messages as a namespace (`z.locales`, `core.locales`): 260 KB of the
 * bundles that every run parsed, and none of it used (messages are English, set by zod's own schemas.js import of
 * locales/en.js, which stays). The bundles get an empty module in its place; the build fails if the sources ever use
 * `locales` or `z.config` (which is how a translation would be switched on).
 */
export const zodWithoutLocales = {
  name: 'zod-without-locales',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[/\\]node_modules[/\\]zod[/\\]v4[/\\](core|classic)[/\\]/.test(args.importer)
        ? { path: 'zod-locales', namespace: 'zod-without-locales' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-without-locales' }, () => {
      const uses = sourceFiles(join(ROOT, 'src')).filter((f) => /\blocales\b|\bz\.config\b/.test(readFileSync(f, 'utf8')));
      if (uses.length > 0)
        return { errors: [{ text: `zod's locales are left out of the bundles (scripts/build.mjs) but ${uses.join(', ')} use them` }] };
      return { contents: 'export {};\n', loader: 'js' };
    });
  },
};
/**
 * `@actions/core` imports its OIDC client (`core.getIDToken`) statically, and with it `@actions/http-client` and
 * undici (400 KB of the Action bundle, parsed by every run). defect-gate never asks for an ID token: the Action gets
 * a stand-in with the same `OidcClient.getIDToken(audience)` that imports the real module (a chunk) when called.
 */
export const lazyOidcClient = {
  name: 'lazy-oidc-client',
  setup(b) {
    b.onResolve({ filter: /^\.\/oidc-utils\.js$/ }, (args) =>
      /[/\\]node_modules[/\\]@actions[/\\]core[/\\]lib[/\\]core\.js$/.test(args.importer)
        ? { path: 'node_modules/@actions/core/lib/oidc-utils.js', namespace: 'lazy-oidc-client', pluginData: dirname(args.importer) }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-oidc-client' }, (args) => ({
      contents: `export class OidcClient {\n  static async getIDToken(audience) {\n    const real = await import('./oidc-utils.js');\n    return real.OidcClient.getIDToken(audience);\n  }\n}\n`,
      loader: 'js',
      resolveDir: args.pluginData,
    }));
  },
};

/**
 * Libraries that many runs never use, kept out of the chunks (issue #21): each is built into one CommonJS file beside
 * the bundles (`lib-<name>.cjs`) and required, synchronously (the sources call them synchronously), when one of its
 * exports is first used: a chunk that imports one no longer contains it, so a run that does not use it neither parses
 * nor evaluates it. The CVSS calculator (180 KB; a CVSS vector in the input), zod (190 KB; schemas are built on first
 * use: a user's policy, a ledger, a findings file), yaml (110 KB; a YAML policy or input), the XML parser
 * (fast-xml-parser and its dependencies, 65 KB; an XML report) and the CLI's GitHub client (@octokit/core with the
 * throttling plugin and bottleneck, 100 KB, and their evaluation; a run that calls GitHub). The sources import only
 * the names listed in `exports` (anything else fails the build: esbuild finds no such export in the stand-in).
 */
export const SIDECARS = {
  'ae-cvss-calculator': { file: 'lib-cvss.cjs', exports: ['default'] },
  zod: { file: 'lib-zod.cjs', exports: ['z'] },
  yaml: { file: 'lib-yaml.cjs', exports: ['LineCounter', 'isMap', 'isNode', 'isScalar', 'parse', 'parseDocument', 'visit'] },
  'fast-xml-parser': { file: 'lib-xml.cjs', exports: ['XMLParser', 'XMLValidator'] },
  // One file for both: the throttling plugin and Octokit share @octokit/request-error & co. (one copy of each).
  '@octokit/core': { file: 'lib-octokit.cjs', exports: ['Octokit'] },
  '@octokit/plugin-throttling': { file: 'lib-octokit.cjs', exports: ['throttling'] },
};

/**
 * The stand-in module for `pkg`: each export a proxy of the real one (a function proxy for functions and classes:
 * calls, `new` and static members such as yaml's `visit.BREAK`; an object proxy otherwise), reading it from the
 * sidecar file on first use.
 */
async function standIn(pkg) {
  const { file, exports } = SIDECARS[pkg];
  const mod = await import(pkg);
  const lines = [
    `let lib;\nconst real = (name) => { lib ??= require(${JSON.stringify(`./${file}`)}); return name === 'default' ? lib : lib[name]; };`,
    'const fn = (name) => new Proxy(function () {}, {',
    '  apply: (_, self, args) => Reflect.apply(real(name), self, args),',
    // `new.target` passed on: a class that extends the stand-in (Octokit.plugin) constructs instances of itself.
    '  construct: (_, args, newTarget) => Reflect.construct(real(name), args, newTarget),',
    '  get: (_, key) => Reflect.get(real(name), key),',
    '  has: (_, key) => Reflect.has(real(name), key),',
    '});',
    'const obj = (name) => new Proxy({}, { get: (_, key) => Reflect.get(real(name), key), has: (_, key) => Reflect.has(real(name), key) });',
  ];
  for (const name of exports) {
    const value = name === 'default' ? (mod['module.exports'] ?? mod.default) : mod[name];
    if (value === undefined) throw new Error(`${pkg} has no export ${name} (scripts/build.mjs SIDECARS)`);
    const proxy = `${typeof value === 'function' ? 'fn' : 'obj'}(${JSON.stringify(name)})`;
    lines.push(name === 'default' ? `export default ${proxy};` : `export const ${name} = ${proxy};`);
  }
  return `${lines.join('\n')}\n`;
}

/** The bundles import each sidecar library through its stand-in; the stand-ins require the sidecar file at run time. */
export const sidecarLibraries = {
  name: 'sidecar-libraries',
  setup(b) {
    const filter = new RegExp(
      `^(${Object.keys(SIDECARS)
        .map((p) => p.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&'))
        .join('|')})$`,
    );
    b.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'sidecar-libraries' }));
    b.onResolve({ filter: /^\.\/lib-[\w-]+\.cjs$/ }, (args) => ({ path: args.path, external: true }));
    b.onLoad({ filter: /.*/, namespace: 'sidecar-libraries' }, async (args) => ({
      contents: await standIn(args.path),
      loader: 'js',
      resolveDir: ROOT,
    }));
  },
};

/** Builds each sidecar library into `outDir` (one CommonJS file, zod without its translations); returns the metafiles. */
async function buildSidecars(outDir, minify) {
  const files = new Map();
  for (const [pkg, { file, exports }] of Object.entries(SIDECARS)) files.set(file, [...(files.get(file) ?? []), [pkg, exports]]);
  const results = [];
  for (const [file, pkgs] of files) {
    const names = pkgs.flatMap(([, exports]) => exports);
    if (new Set(names).size !== names.length) throw new Error(`${file}: two packages export the same name (scripts/build.mjs SIDECARS)`);
    const [[first, firstExports]] = pkgs;
    const contents = firstExports.includes('default')
      ? `module.exports = require(${JSON.stringify(first)});\n`
      : pkgs.map(([pkg, exports]) => `export { ${exports.join(', ')} } from ${JSON.stringify(pkg)};\n`).join('');
    if (firstExports.includes('default') && (pkgs.length > 1 || names.length > 1))
      throw new Error(`${file}: a default export must be the file's only export (scripts/build.mjs SIDECARS)`);
    results.push(
      await build({
        ...common,
        format: 'cjs',
        minify,
        metafile: true,
        stdin: { contents, resolveDir: ROOT, loader: 'js', sourcefile: `sidecar-${file}.js` },
        outfile: join(outDir, file),
        plugins: [zodWithoutLocales],
      }),
    );
  }
  return results;
}

/**
 * The built-in policy as the sources read it: src/policy/builtin.ts (YAML parse, zod schema, semantic checks) bundled
 * alone and run here, at build time. Returns its name and the validated value as JSON text. The build fails if the
 * value does not survive JSON unchanged (it is what the bundles ship).
 */
export async function prevalidatedBuiltinPolicy() {
  const tmp = mkdtempSync(join(tmpdir(), 'defect-gate-policy-'));
  try {
    const out = join(tmp, 'builtin.mjs');
    await build({ ...common, entryPoints: ['src/policy/builtin.ts'], outfile: out, banner: { js: banner }, plugins: [zodWithoutLocales] });
    const { DEFAULT_POLICY_NAME, builtinPolicyParsed } = await import(pathToFileURL(out).href);
    const value = builtinPolicyParsed();
    const json = JSON.stringify(value);
    if (!isDeepStrictEqual(JSON.parse(json), value))
      throw new Error('the built-in policy does not survive JSON unchanged: it cannot be shipped pre-validated');
    return { name: DEFAULT_POLICY_NAME, json };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The bundles get, in place of src/policy/builtin.ts, a module that returns a new copy of the value computed by
 * `prevalidatedBuiltinPolicy` (JSON.parse of a string: cheaper than an object literal of the same size): a run with the
 * built-in policy parses no YAML and builds no policy schema (issue #21). A user's policy is validated in full.
 */
export const prevalidatedBuiltinPolicyPlugin = (builtin) => ({
  name: 'prevalidated-builtin-policy',
  setup(b) {
    b.onLoad({ filter: /[/\\]src[/\\]policy[/\\]builtin\.ts$/ }, () => ({
      contents:
        `export const DEFAULT_POLICY_NAME = ${JSON.stringify(builtin.name)};\n` +
        `const VALUE = ${JSON.stringify(builtin.json)};\n` +
        'export function builtinPolicyParsed() {\n  return JSON.parse(VALUE);\n}\n',
      loader: 'js',
    }));
  },
});

const sourceFiles = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );

// The bundles are minified (the npm package and the Action checkout stay small: issue #20) but keep their output names.
// No source maps: the bundles are built from the tagged sources, which is where a stack trace is read.
const bundleOptions = {
  ...common,
  minify: true,
  metafile: true,
  banner: { js: banner },
  plugins: [zodWithoutLocales, lazyOidcClient, sidecarLibraries],
};

// Code splitting (issue #21, small runs start fast): the CLI and the Action each load their entry file and what it
// imports statically; what a run may not need (the other commands, metrics and HTML, XML parsers, the GitHub client,
// the CVSS calculator) sits in chunk files that a dynamic import() loads at the point of use. The chunks lie flat
// beside the entries, named by bundle (cli-*.js, action-*.js), so that `new URL('./rated-sarif-worker.js',
// import.meta.url)` in any chunk still finds the worker, and package.json "files" can leave the Action's chunks out
// of the npm package. Chunk names carry a hash of their content: the same sources give the same names.
const splitOptions = (entry, name, prefix) => ({
  ...bundleOptions,
  entryPoints: { [name]: entry },
  splitting: true,
  chunkNames: `${prefix}-[name]-[hash]`,
  entryNames: '[name]',
});

/** The Action bundle, the CLI and the rated SARIF worker, with their chunks, written to `outDir` (emptied first). */
export async function buildBundles(outDir, { minify = true } = {}) {
  const out = resolve(ROOT, outDir);
  const plugins = [...bundleOptions.plugins, prevalidatedBuiltinPolicyPlugin(await prevalidatedBuiltinPolicy())];
  const bundle = { ...bundleOptions, minify, plugins };
  const split = (entry, name, prefix) => ({ ...splitOptions(entry, name, prefix), minify, plugins });
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const inputs = new Set();
  const add = (r) => Object.keys(r.metafile.inputs).forEach((i) => inputs.add(i));
  add(await build({ ...split('src/index.ts', 'index', 'action'), outdir: out }));
  add(await build({ ...split('src/bin.ts', 'cli', 'cli'), outdir: out }));
  // The rated SARIF writer's worker thread (src/io/rated-sarif.ts starts it from beside either bundle): one file.
  add(await build({ ...bundle, entryPoints: ['src/io/rated-sarif-worker.ts'], outfile: join(out, 'rated-sarif-worker.js') }));
  for (const r of await buildSidecars(out, minify)) add(r);
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
    // Inputs made by a plugin above are named "<namespace>:<path>"; their package is read from its real files.
    const m = /^(?:[\w-]+:)?(.*node_modules\/((?:@[^/]+\/)?[^/]+))\//.exec(input);
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
      console.error('usage: node scripts/build.mjs [--out-dir <dir> [--no-minify] | --schemas-only]');
      process.exit(2);
    }
    // --no-minify: readable bundles with the same splitting, for reading a --cpu-prof profile (never for dist/).
    await buildBundles(dir, { minify: !args.includes('--no-minify') });
  } else {
    await buildBundles('dist');
    await buildSchemas();
  }
}
