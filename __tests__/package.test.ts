import { describe, expect, it, beforeAll, afterAll } from '@jest/globals';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { VERSION } from '../src/version';

// The npm package as a GitLab job or a laptop gets it: `npm pack` of the current sources (the bundles that the jest
// global setup built from src/, in place of dist/), installed from the tarball into an empty directory with
// --offline and an empty npm cache (so a single dependency to fetch fails the install), then run through `npx`.
// DEFECT_GATE_EXTRA_NODES (paths of node binaries, comma-separated; .ci/run sets Node 24) runs the installed CLI
// with each of them too, besides the Node running the tests.

const ROOT = resolve('.');
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  name: string;
  version: string;
  license: string;
  private?: boolean;
  files: string[];
  engines: { node: string };
  dependencies?: Record<string, string>;
  bin: Record<string, string>;
};
let tmp: string;
let tgz: string;
let app: string;
let installMs = 0;

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...env },
    timeout: 120_000,
  });
  if (r.error) throw r.error;
  return r;
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'dg-package-'));
  // Stage the package: the repository's files with dist/ from the fresh build (DEFECT_GATE_DIST, see jest global setup).
  const stage = join(tmp, 'stage');
  mkdirSync(stage);
  for (const f of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', '.gitignore'])
    if (existsSync(f)) copyFileSync(f, join(stage, f));
  for (const d of ['policies', 'schema']) cpSync(d, join(stage, d), { recursive: true });
  cpSync(process.env.DEFECT_GATE_DIST ?? 'dist', join(stage, 'dist'), { recursive: true });
  const packed = run('npm', ['pack', '--json', '--pack-destination', tmp], stage);
  expect(packed.stderr).not.toMatch(/npm (error|ERR)/);
  const info = (JSON.parse(packed.stdout) as { filename: string; size: number; unpackedSize: number; entryCount: number }[])[0];
  if (!info) throw new Error(`npm pack gave no tarball: ${packed.stderr}`);
  tgz = join(tmp, info.filename);
  process.stderr.write(`npm pack: ${info.size} B packed, ${info.unpackedSize} B unpacked, ${info.entryCount} files\n`);
  app = join(tmp, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), '{ "name": "some-ci-job", "private": true }\n');
  const t = performance.now();
  const inst = run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--cache', join(tmp, 'empty-cache'), tgz], app);
  installMs = performance.now() - t;
  if (inst.status !== 0) throw new Error(`offline install of the tarball failed:\n${inst.stdout}\n${inst.stderr}`);
  process.stderr.write(`offline install of the tarball: ${installMs.toFixed(0)} ms\n`);
  mkdirSync(join(app, 'reports'));
  for (const f of readdirSync(join(ROOT, 'examples')).filter((x) => x.endsWith('.sarif')))
    copyFileSync(join(ROOT, 'examples', f), join(app, 'reports', f));
}, 180_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('package.json', () => {
  it('is publishable, with a LICENSE that matches "license", no runtime dependencies, and files limited to what runs', () => {
    expect(pkg.private).toBeUndefined();
    expect(pkg.license).toBe('MIT');
    expect(readFileSync('LICENSE', 'utf8')).toMatch(/^MIT License\n/);
    expect(pkg.dependencies ?? {}).toEqual({}); // dist/ bundles them all
    expect(pkg.files).toEqual(expect.arrayContaining(['dist/', 'policies/', 'schema/', 'README.md', 'LICENSE', 'CHANGELOG.md']));
    expect(pkg.version).toBe(VERSION);
    expect(pkg.engines.node).toBe('>=20');
  });

  it('the bundles import nothing but Node built-ins and their own chunks (what makes an install without dependencies run)', () => {
    const dist = process.env.DEFECT_GATE_DIST ?? 'dist';
    const bundles = readdirSync(dist).filter((f) => f.endsWith('.js'));
    expect(bundles).toEqual(expect.arrayContaining(['cli.js', 'index.js', 'rated-sarif-worker.js']));
    for (const f of bundles) {
      const text = readFileSync(join(dist, f), 'utf8');
      const specifiers = [
        ...text.matchAll(
          /\bimport\s*(?:[\w*{}\s,$]+from\s*)?["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']|\b(?:__)?require\s*\(\s*["']([^"']+)["']/g,
        ),
      ].map((m) => (m[1] ?? m[2] ?? m[3]) as string);
      const builtin = new Set([
        'assert',
        'async_hooks',
        'buffer',
        'child_process',
        'crypto',
        'diagnostics_channel',
        'dns',
        'events',
        'fs',
        'fs/promises',
        'http',
        'http2',
        'https',
        'module',
        'net',
        'os',
        'path',
        'perf_hooks',
        'process',
        'querystring',
        'stream',
        'stream/web',
        'string_decoder',
        'tls',
        'url',
        'util',
        'util/types',
        'worker_threads',
        'zlib',
        'console',
        'timers',
        'readline',
        'sqlite',
      ]);
      // Minified code calls require through a renamed helper: the functions called with a "node:…" string are the
      // require helpers; everything they load must be a built-in.
      const helpers = new Set([...text.matchAll(/([\w$]+)\(\s*["']node:[^"']+["']\s*\)/g)].map((m) => m[1] as string));
      // esbuild's own helper: `var X=(e=>typeof require<"u"?require:…)`
      for (const m of text.matchAll(/([\w$]+)\s*=\s*\(?\(?\s*\w+\s*\)?\s*=>\s*typeof require\s*<\s*["']u["']/g))
        helpers.add(m[1] as string);
      helpers.delete('import');
      for (const m of text.matchAll(/([\w$]+)\(\s*["']([^"']+)["']\s*\)/g))
        if (helpers.has(m[1] as string)) specifiers.push(m[2] as string);
      const foreign = specifiers.filter((s) => !s.startsWith('node:') && !s.startsWith('./') && !builtin.has(s));
      expect({ file: f, foreign }).toEqual({ file: f, foreign: [] });
      // Chunks (scripts/build.mjs: code splitting) are imported from beside the importing file, and exist there.
      const missing = specifiers.filter((s) => s.startsWith('./') && !existsSync(join(dist, s)));
      expect({ file: f, missing }).toEqual({ file: f, missing: [] });
    }
  });
});

describe('the packed package, installed offline', () => {
  it('installs no dependency and stays under 1 MB packed', () => {
    const installed = readdirSync(join(app, 'node_modules')).filter((d) => !d.startsWith('.'));
    expect(installed).toEqual(['defect-gate']);
    const files = spawnSync('tar', ['-tzf', tgz], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    expect(files).toContain('package/dist/cli.js');
    expect(files).toContain('package/LICENSE');
    // the licences of the bundled libraries travel with the bundles (build.mjs writes them; legalComments: none)
    const notices = readFileSync(join(app, 'node_modules/defect-gate/dist/licenses.txt'), 'utf8');
    for (const bundled of ['@actions/core@', '@octokit/core@', 'yaml@', 'zod@', 'fast-xml-parser@', 'picomatch@'])
      expect(notices).toContain(bundled);
    expect(
      files.filter((f) => /__tests__|__fixtures__|\/src\/|\.map$|dist\/index\.js$|dist\/action-[^/]*\.js$|schema\/vendor/.test(f)),
    ).toEqual([]);
    expect(readFileSync(tgz).length).toBeLessThan(1_000_000);
  });

  it('npx defect-gate --version, check on the examples, policy validate', () => {
    const version = run('npx', ['--offline', 'defect-gate', '--version'], app);
    expect(version.stdout.trim()).toBe(VERSION);
    const check = run(
      'npx',
      ['--offline', 'defect-gate', 'check', '--format', 'json', '--junit', 'junit.xml', '--gitlab-codequality', 'cq.json', 'reports/'],
      app,
    );
    expect(check.status).toBe(1); // the examples hold critical findings
    const report = JSON.parse(check.stdout) as { verdict: { status: string } };
    expect(report.verdict.status).toBe('fail');
    expect(existsSync(join(app, 'junit.xml')) && existsSync(join(app, 'cq.json'))).toBe(true);
    const validate = run('npx', ['--offline', 'defect-gate', 'policy', 'validate'], app);
    expect(validate.status).toBe(0);
    const example = run(
      'npx',
      ['--offline', 'defect-gate', 'policy', 'validate', 'node_modules/defect-gate/policies/examples/regulated.yml'],
      app,
    );
    expect(example.stderr + example.stdout).not.toMatch(/error:/);
  });

  const extraNodes = (process.env.DEFECT_GATE_EXTRA_NODES ?? '').split(',').filter(Boolean);
  it.each(extraNodes.length ? extraNodes : ['(none: DEFECT_GATE_EXTRA_NODES unset)'])('runs under another Node: %s', (node) => {
    if (!existsSync(node)) return; // nothing configured (locally)
    const cli = join(app, 'node_modules/defect-gate/dist/cli.js');
    const v = run(node, ['--version'], app);
    const check = run(node, [cli, 'check', '--format', 'json', 'reports/'], app);
    expect({
      node: v.stdout.trim(),
      status: check.status,
      stderr: check.stderr.split('\n').filter((l) => /internal error|SyntaxError|TypeError/.test(l)),
    }).toEqual({ node: v.stdout.trim(), status: 1, stderr: [] });
    expect(run(node, [cli, 'policy', 'validate'], app).status).toBe(0);
  });
});
