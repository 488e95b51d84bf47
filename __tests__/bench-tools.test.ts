import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The bench's peak RSS figures are the measured process's own (bench/peak-rss.mjs). Linux keeps getrusage's ru_maxrss
 * across fork and exec, so with `process.resourceUsage().maxRSS` a `node -e 0` spawned by a 1.5 GB bench reported
 * 1.5 GB: the organization report's "1,752 MB" of the last full bench was its parent's. Linux only (VmHWM); elsewhere
 * the bench falls back to maxRSS, and this test is skipped.
 */

const HOOK = resolve('bench/rss-hook.mjs');
const dir = mkdtempSync(join(tmpdir(), 'dg-rss-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MB = 1024 * 1024;

function childPeak(code: string): number {
  const out = join(dir, `rss-${Math.random().toString(36).slice(2)}.txt`);
  const r = spawnSync(process.execPath, ['--import', HOOK, '-e', code], {
    env: { ...process.env, BENCH_RSS_OUT: out },
    encoding: 'utf8',
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const [rss, cpuMs] = readFileSync(out, 'utf8').trim().split('\n').map(Number);
  expect(cpuMs).toBeGreaterThan(0);
  return rss ?? NaN;
}

(process.platform === 'linux' ? it : it.skip)("a child's peak RSS is its own, not the larger RSS of the process that spawned it", () => {
  // This process holds 512 MB more, resident (filled), while it spawns the children.
  const held = Buffer.alloc(512 * MB, 1);
  const small = childPeak('0');
  const large = childPeak('const b = Buffer.alloc(320 * 1048576, 1); if (b[b.length - 1] !== 1) process.exit(2);');
  expect(held[held.length - 1]).toBe(1);
  expect(small).toBeGreaterThan(10 * MB);
  expect(small).toBeLessThan(200 * MB);
  // It still measures: a child that fills 320 MB reports at least that.
  expect(large).toBeGreaterThan(320 * MB);
  expect(large).toBeLessThan(512 * MB);
});

/**
 * bench/required.mjs, what no verdict can skip, runs the CLI's own code (bundled from src/): it must keep running as
 * src/ changes, and its steps must do their work — a duplicate key stops the duplicate-key step, not the ones before.
 */
describe('bench/required.mjs', () => {
  const run = (file: string) => spawnSync(process.execPath, ['bench/required.mjs', file], { encoding: 'utf8', timeout: 120_000 });

  it('times each step on a CodeQL-shaped SARIF, with the code in src/', async () => {
    const { generate } = (await import(pathToFileURL(resolve('bench/gen.mjs')).href)) as {
      generate: (n: number, out: string) => Promise<unknown>;
    };
    const file = join(dir, 'codeql-300.sarif');
    await generate(300, file);
    const r = run(file);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const rows = r.stdout.trim().split('\n');
    expect(rows.map((l) => l.split(':')[0])).toEqual([
      'parse',
      'parse + cut',
      'parse + cut + dup',
      'parse + cut + dup + hash',
      'parse + cut + dup + hash + redact',
      'stream',
      'stream + hash',
      'stream + hash + redact',
    ]);
    for (const l of rows) expect(l).toMatch(/^[a-z +]+: \d+\.\d\d s \(\d+\.\d\d s after start-up\)$/);
  });

  it('a duplicate key fails the duplicate-key step (the steps before it pass)', () => {
    const file = join(dir, 'dup.sarif');
    writeFileSync(
      file,
      '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"CodeQL"}},"results":[{"ruleId":"a","message":{"text":"m"}}],"results":[]}]}',
    );
    const r = run(file);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--child parse,cut,dup failed: Error: a duplicate key/);
  });

  it('the streamed model fails on a repeated key too: in the skeleton, and inside a result (the check is in its scan)', () => {
    // (The first test of this file bundled the model's code; `run` bundles it again when this one runs alone.)
    run(join(dir, 'dup.sarif'));
    const child = (json: string) => {
      const file = join(dir, 'dup-streamed.sarif');
      writeFileSync(file, json);
      return spawnSync(process.execPath, ['bench/required.mjs', '--child', file, 'stream,hash,redact'], { encoding: 'utf8' });
    };
    const ok = child(
      '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"CodeQL"}},"results":[{"ruleId":"a","message":{"text":"m"}}]}]}',
    );
    expect(ok.status).toBe(0);
    const skeleton = child('{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"CodeQL"}},"results":[],"results":[]}]}');
    expect(skeleton.status).not.toBe(0);
    expect(skeleton.stderr).toMatch(/path: '\$\.runs\[0\]\.results', key: 'results'/);
    const inResult = child(
      '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"CodeQL"}},"results":[{"ruleId":"a","message":{"text":"m","text":"n"}}]}]}',
    );
    expect(inResult.status).not.toBe(0);
    expect(inResult.stderr).toMatch(/path: '\$\.runs\[0\]\.results\[0\]\.message\.text',\s+key: 'text'/);
  });
});

/**
 * bench/two-cores.mjs, what a verdict on two threads can take at the least, runs the CLI's ingest and engine (bundled
 * from src/) on the whole file and on its halves: the three ways must count the same findings and reach the same
 * verdict, or it refuses to print a figure.
 */
describe('bench/two-cores.mjs', () => {
  it('times one thread, two threads, and two that hand no finding over, on a CodeQL-shaped SARIF', async () => {
    const { generate } = (await import(pathToFileURL(resolve('bench/gen.mjs')).href)) as {
      generate: (n: number, out: string) => Promise<unknown>;
    };
    const file = join(dir, 'codeql-400.sarif');
    await generate(400, file);
    const r = spawnSync(process.execPath, ['bench/two-cores.mjs', file, '--reps=1'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /^floor \d+\.\d\d s; one thread \d+\.\d\d s \(\d+\.\d\d×\); two threads \d+\.\d\d s \(\d+\.\d\d×\); two threads, each judging its half, no finding handed over \d+\.\d\d s \(\d+\.\d\d×\); 400 findings\n$/,
    );
    // The halves hold every result once.
    const results = (f: string) => (JSON.parse(readFileSync(f, 'utf8')) as { runs: { results: unknown[] }[] }).runs[0]?.results.length;
    expect([results(`${file}.half0.sarif`), results(`${file}.half1.sarif`)]).toEqual([200, 200]);
  });

  it('refuses a file the model does not fit (two runs)', () => {
    const file = join(dir, 'two-runs.sarif');
    const run = { tool: { driver: { name: 'CodeQL' } }, results: [] };
    writeFileSync(file, JSON.stringify({ version: '2.1.0', runs: [run, run] }));
    const r = spawnSync(process.execPath, ['bench/two-cores.mjs', file, '--reps=1'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/the model needs a SARIF file with one run/);
  });
});
