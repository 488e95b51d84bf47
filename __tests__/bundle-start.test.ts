import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/cli';
import { distDir } from './support/dist';

// What makes small runs start fast (issue #21; scripts/build.mjs, src/cli/index.ts, src/action/octokit.ts, src/bin.ts),
// checked on the bundles the jest global setup built from the current sources: what an entry loads before its code
// runs, the build-time stand-ins (zod without its translations; the CVSS calculator, zod and yaml in sidecar files
// required on first use; the built-in policy validated at build time) giving the same results as the sources, and
// Node's compile cache of the CLI.

/** The files an entry loads before any of its code runs: itself and its static imports of chunks, transitively. */
function staticClosure(entry: string): string[] {
  const dir = distDir();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(join(dir, file), 'utf8');
    // Static imports only: `import{a as b}from"./x.js"` or `import"./x.js"`; `import("./x.js")` is loaded on demand.
    for (const m of text.matchAll(/\bimport\s*(?:[\w*{}\s,$]+from\s*)?["']\.\/([^"']+)["']/g)) visit(m[1] as string);
  };
  visit(entry);
  return [...seen];
}

const CORPUS = '__fixtures__/corpus/defectdojo';
let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'dg-bundle-start-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('what a run loads', () => {
  it('the CLI entry loads no command: each is a chunk imported when it runs', () => {
    const files = staticClosure('cli.js');
    const chunks = readdirSync(distDir()).filter((f) => /^cli-(check|report|policy|explain|exceptions)-/.test(f));
    expect(chunks.map((f) => f.replace(/-[^-]+\.js$/, '')).sort()).toEqual([
      'cli-check',
      'cli-exceptions',
      'cli-explain',
      'cli-policy',
      'cli-report',
    ]);
    expect(files.filter((f) => chunks.includes(f))).toEqual([]);
  });

  it('the Action loads neither @actions/github nor its HTTP stack (undici) before its first GitHub request', () => {
    const dir = distDir();
    const loaded = staticClosure('index.js');
    const withUndici = readdirSync(dir).filter((f) => f.endsWith('.js') && readFileSync(join(dir, f), 'utf8').includes('UND_ERR_'));
    expect(withUndici.length).toBeGreaterThan(0); // still in the package, as a chunk
    expect(loaded.filter((f) => withUndici.includes(f))).toEqual([]);
  });
});

describe('the sidecar libraries (lib-*.cjs)', () => {
  it('a check of a SARIF with the built-in policy, CLI or Action, loads none of them: it runs with them removed', () => {
    const dir = join(tmp, 'no-sidecars');
    cpSync(distDir(), dir, { recursive: true });
    const sidecars = readdirSync(dir).filter((f) => /^lib-.*\.cjs$/.test(f));
    expect(sidecars.sort()).toEqual(['lib-cvss.cjs', 'lib-octokit.cjs', 'lib-xml.cjs', 'lib-yaml.cjs', 'lib-zod.cjs']);
    for (const f of sidecars) rmSync(join(dir, f));
    const args = ['check', '--format', 'json', '--now', '2026-06-01T00:00:00Z', `${CORPUS}/sarif/njsscan.sarif`];
    const without = spawnSync(process.execPath, [join(dir, 'cli.js'), ...args], { encoding: 'utf8' });
    const whole = spawnSync(process.execPath, [join(distDir(), 'cli.js'), ...args], { encoding: 'utf8' });
    expect(without.stderr).toBe('');
    expect(without.status).toBe(whole.status);
    expect(without.stdout).toBe(whole.stdout);
    // The Action on the same file, as the runner runs it, without a token (nothing on the network).
    const ws = join(tmp, 'ws');
    cpSync(`${CORPUS}/sarif/njsscan.sarif`, join(ws, 'results/njsscan.sarif'));
    writeFileSync(join(tmp, 'event.json'), '{"ref":"refs/heads/main"}');
    for (const f of ['output.txt', 'summary.md']) writeFileSync(join(tmp, f), ''); // the runner's (empty) files
    const env = {
      PATH: process.env.PATH ?? '',
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: ws,
      GITHUB_EVENT_NAME: 'push',
      GITHUB_EVENT_PATH: join(tmp, 'event.json'),
      GITHUB_OUTPUT: join(tmp, 'output.txt'),
      GITHUB_STEP_SUMMARY: join(tmp, 'summary.md'),
      GITHUB_REPOSITORY: 'acme/app',
      GITHUB_SHA: 'a'.repeat(40),
      GITHUB_REF: 'refs/heads/main',
      GITHUB_API_URL: 'http://127.0.0.1:9',
      RUNNER_TEMP: tmp,
      INPUT_FILES: 'results/*.sarif',
    };
    const action = spawnSync(process.execPath, [join(dir, 'index.js')], { encoding: 'utf8', cwd: ws, env });
    expect({ status: action.status, stderr: action.stderr }).toEqual({ status: 0, stderr: '' });
    expect(action.stdout).toMatch(/defect-gate: warn \(default\): 2 gated finding\(s\), 0 blocking/);
    expect(readFileSync(join(tmp, 'output.txt'), 'utf8')).toMatch(/^verdict<<.*\nwarn\n/m);
    // A policy file of the user's is read with yaml and checked with zod: without them it cannot run.
    const policy = join(tmp, 'policy.yml');
    writeFileSync(policy, 'version: 1\nseverity:\n  levels: [high, low]\ngates:\n  default: []\n');
    const withPolicy = spawnSync(process.execPath, [join(dir, 'cli.js'), ...args, '--policy', policy], { encoding: 'utf8' });
    expect(withPolicy.status).toBe(2);
    expect(withPolicy.stderr).toMatch(/lib-(yaml|zod)\.cjs/);
  });
});

describe('the CLI’s GitHub client (lib-octokit.cjs)', () => {
  /** A GitHub stand-in: a secondary rate limit first (the throttling plugin retries it), then 404 for everything. */
  async function withServer<T>(run: (url: string, calls: string[]) => Promise<T>): Promise<T> {
    const calls: string[] = [];
    const server = createServer((req, res) => {
      calls.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
      const limited = calls.length === 1;
      res.writeHead(limited ? 403 : 404, { 'content-type': 'application/json', ...(limited ? { 'retry-after': '1' } : {}) });
      res.end(JSON.stringify({ message: limited ? 'You have exceeded a secondary rate limit' : 'Not Found' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      return await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls);
    } finally {
      await new Promise((r) => server.close(r));
    }
  }

  it('reads through the API with the token and retries a rate limit, as the sources do', async () => {
    const env = { GITHUB_TOKEN: 'test-token', DEFECT_GATE_RETRY_BASE_MS: '1' };
    const args = (url: string) => ['report', '--repo', 'acme/app', '--api-url', url, '--now', '2026-06-01T00:00:00Z'];
    const bundle = await withServer(async (url, calls) => {
      const r = spawn(process.execPath, [join(distDir(), 'cli.js'), ...args(url)], { env: { PATH: process.env.PATH, ...env } });
      let out = '';
      r.stdout.on('data', (d: Buffer) => (out += d.toString()));
      r.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const status = await new Promise<number | null>((done) => r.on('close', done));
      return { status, out, calls: [...calls] };
    });
    const source = await withServer(async (url, calls) => {
      let out = '';
      const status = await runCli(args(url), {
        stdout: (s) => (out += s),
        stderr: (s) => (out += s),
        cwd: process.cwd(),
        env,
        isTTY: false,
        now: () => new Date('2026-06-01T00:00:00Z'),
      });
      return { status, out, calls: [...calls] };
    });
    expect(bundle.calls.length).toBeGreaterThanOrEqual(2);
    expect(bundle.calls[0]).toMatch(/^GET \S+ token test-token$/);
    expect(bundle.out).toMatch(/secondary rate limit/);
    expect(bundle).toEqual({ ...source, out: source.out.split(/127\.0\.0\.1:\d+/).join(bundle.out.match(/127\.0\.0\.1:\d+/)?.[0] ?? '') });
  });
});

describe('the bundles give the sources’ results', () => {
  it('a check whose scores are computed from CVSS vectors (the calculator required on first use)', async () => {
    const file = `${CORPUS}/generic/generic_report3.json`;
    const args = ['check', '--format', 'json', '--now', '2026-06-01T00:00:00Z', file];
    const bundle = spawnSync(process.execPath, [join(distDir(), 'cli.js'), ...args], { encoding: 'utf8' });
    let stdout = '';
    const code = await runCli(args, {
      stdout: (s) => (stdout += s),
      stderr: () => {},
      cwd: process.cwd(),
      env: {},
      isTTY: false,
      now: () => new Date('2026-06-01T00:00:00Z'),
    });
    expect(bundle.status).toBe(code);
    expect(stdout).toMatch(/computed from CVSS:3\.1\//);
    expect(bundle.stdout).toBe(stdout);
  });

  it('XML reports (the XML parser required on first use), a bad one included', async () => {
    const bad = join(tmp, 'bad.xml');
    writeFileSync(bad, '<?xml version="1.0"?>\n<OWASPZAPReport><site></OWASPZAPReport>\n');
    const args = ['check', '--format', 'json', '--now', '2026-06-01T00:00:00Z', '--on-input-error', 'warn', `${CORPUS}/zap`, bad];
    const bundle = spawnSync(process.execPath, [join(distDir(), 'cli.js'), ...args], { encoding: 'utf8' });
    let stdout = '';
    const code = await runCli(args, {
      stdout: (s) => (stdout += s),
      stderr: () => {},
      cwd: process.cwd(),
      env: {},
      isTTY: false,
      now: () => new Date('2026-06-01T00:00:00Z'),
    });
    expect(bundle.status).toBe(code);
    expect(stdout).toMatch(/"format": "zap-xml"/);
    expect(stdout).toMatch(/bad\.xml/);
    expect(bundle.stdout).toBe(stdout);
  });

  it('policy errors: zod without its translations gives the same messages', async () => {
    const policy = join(tmp, 'bad-policy.yml');
    writeFileSync(
      policy,
      'version: 1\nseverity:\n  levels: [critical, high]\n  colour: red\ngates:\n  default:\n    - name: x\n      action: warnn\n      max: five\n      severity: [1]\n',
    );
    const args = ['policy', 'validate', policy];
    const bundle = spawnSync(process.execPath, [join(distDir(), 'cli.js'), ...args], { encoding: 'utf8' });
    let stdout = '';
    const code = await runCli(args, {
      stdout: (s) => (stdout += s),
      stderr: (s) => (stdout += s),
      cwd: process.cwd(),
      env: {},
      isTTY: false,
      now: () => new Date(),
    });
    expect(code).toBe(2);
    expect(stdout.split('\n').filter((l) => l.includes('error:')).length).toBeGreaterThanOrEqual(3);
    expect(bundle.status).toBe(code);
    expect(bundle.stdout + bundle.stderr).toBe(stdout);
  });
});

/** A Node that has module.enableCompileCache (≥ 22.1): this one, or one of DEFECT_GATE_EXTRA_NODES (.ci/run: Node 24). */
const cacheNode = [process.execPath, ...(process.env.DEFECT_GATE_EXTRA_NODES ?? '').split(',').filter(Boolean)].find((node) => {
  if (!existsSync(node)) return false;
  const v = spawnSync(node, ['-p', 'typeof require("node:module").enableCompileCache'], { encoding: 'utf8' });
  return v.stdout.trim() === 'function';
});

describe('Node’s compile cache (CLI)', () => {
  (cacheNode ? it : it.skip)(
    `is kept in the user's cache folder and reused${cacheNode ? '' : ' (skipped: no Node ≥ 22.1 here; DEFECT_GATE_EXTRA_NODES names one)'}`,
    () => {
      const node = cacheNode as string;
      const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: join(tmp, 'cache'), NODE_DEBUG_NATIVE: 'COMPILE_CACHE' };
      delete env.NODE_COMPILE_CACHE;
      delete env.NODE_DISABLE_COMPILE_CACHE;
      const args = [join(distDir(), 'cli.js'), 'check', `${CORPUS}/sarif/njsscan.sarif`];
      const first = spawnSync(node, args, { encoding: 'utf8', env });
      expect(first.status).toBe(0);
      const dir = join(tmp, 'cache', 'defect-gate', 'node-compile-cache');
      expect(readdirSync(dir).length).toBeGreaterThan(0);
      const second = spawnSync(node, args, { encoding: 'utf8', env });
      expect(second.stdout).toBe(first.stdout);
      expect(second.stderr).toMatch(/V8 code cache for ESM file:\S+cli-check-\S+\.js was accepted/);
    },
  );
});
