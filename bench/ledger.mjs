// The ledger is cheap (issue #21): `node bench/ledger.mjs [--quick] [--node=PATH]`, or `run()` from bench/run.mjs.
//
// Simulates daily runs of a CodeQL-shaped SARIF of N findings (10,000; --quick: 2,000) with 1 % churn a day (1 % of
// the open findings fixed, as many appearing: four fifths new, one fifth coming back after a fix), `--now` one day
// later each run, against `--ledger file:PATH`.
//
// - The first days run the CLI (dist/cli.js built from src/ into bench/out/ledger/dist, never the committed dist/):
//   30 days (--quick: 3; --cost, with or without --quick: 30).
// - The year runs in this process with the same code the CLI runs (readInputs, the policy loader, runEngine, the file
//   store: bundled from src/ into bench/out/ledger/sim.mjs), the findings ingested once: 365 CLI runs would take an
//   hour. It is checked to write the CLI's file: its ledger after the CLI's last day is compared byte for byte with
//   the CLI's (row "year simulation = CLI").
// - check --ledger on the 30-day ledger ÷ the same check without a ledger: medians of 5 runs each (--quick: 3),
//   (--cost: this figure alone, on the CLI's own 30-day ledger, without the year; --cost --quick: of 2,000 findings),
//   interleaved, CPU time (user + system, from bench/rss-hook.mjs: the machine is shared, its wall times drift) and
//   wall time; beside it, the least any file format must add (bench/ledger-floor.mjs).
// - Ledger size after day 1, at the end of each simulated month, after a year.
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generate, prng } from './gen.mjs';
import { ledgerFloor } from './ledger-floor.mjs';
import { bundleSrc } from './bundle-src.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'bench/out/ledger');
const DAY = 86_400_000;
const START = Date.parse('2026-01-01T06:00:00.000Z');
const MB = (b) => `${(b / 1048576).toFixed(1)} MB`;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const iso = (day) => new Date(START + (day - 1) * DAY).toISOString();

/** The bundles: the CLI, and the in-process simulation's entry (the same sources). */
async function buildAll(node) {
  const dist = join(OUT, 'dist');
  const r = spawnSync(node, [join(ROOT, 'scripts/build.mjs'), '--out-dir', dist], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`build failed: ${r.stderr}`);
  const sim = join(OUT, 'sim.mjs');
  await bundleSrc(
    [
      "export { readInputs } from './src/check.ts';",
      "export { loadGatingPolicy } from './src/io/policy-source.ts';",
      "export { runEngine, reapply } from './src/engine.ts';",
      "export { FileLedgerStore } from './src/ledger/file-store.ts';",
      "export { emptyBook, migrateLedger, LEDGER_VERSION } from './src/ledger/schema.ts';",
      "export { isWrittenLedger } from './src/ledger/shape.ts';",
      "export { ledgerText } from './src/ledger/file-store.ts';",
    ],
    sim,
  );
  return { cli: join(dist, 'cli.js'), sim };
}

/**
 * The churn: which results of the pool are open on each day. Day 1: results 0..n-1. Each later day 1 % of the open
 * ones are fixed and as many appear: a fifth of them earlier fixed ones coming back (while there are some), the rest
 * new ones from the pool. Deterministic.
 */
function churn(n, days) {
  const r = prng(0x1ed9e2);
  const k = Math.max(1, Math.round(n / 100));
  const open = Array.from({ length: n }, (_, i) => i);
  const fixed = [];
  let next = n;
  const byDay = [open.slice()];
  for (let d = 2; d <= days; d++) {
    const gone = [];
    for (let j = 0; j < k; j++) gone.push(...open.splice((r() * open.length) | 0, 1));
    const back = Math.min(fixed.length, Math.round(k / 5));
    for (let j = 0; j < back; j++) open.push(...fixed.splice((r() * fixed.length) | 0, 1));
    for (let j = back; j < k; j++) open.push(next++);
    fixed.push(...gone);
    byDay.push(open.slice());
  }
  return { byDay, poolSize: next };
}

/** Writes the day's SARIF: the pool log with that day's results, in that order. */
function writeDay(pool, indexes, file) {
  const run0 = pool.runs[0];
  const doc = { ...pool, runs: [{ ...run0, results: indexes.map((i) => run0.results[i]) }] };
  writeFileSync(file, JSON.stringify(doc));
}

/**
 * What the ledger would cost read as one JSON document (as every check did before the line layout, and still does for a
 * file not in it), before merging anything, in this process: read the 30-day ledger, JSON.parse it, the shape check
 * (src/ledger/shape.ts), and for a run that writes it, JSON.stringify and write + fsync. CPU ms, medians of `reps`.
 */
async function floorParts(sim, file, reps) {
  const m = await import(pathToFileURL(sim).href);
  const cpu = (f) => {
    const a = process.cpuUsage();
    const v = f();
    const b = process.cpuUsage(a);
    return [(b.user + b.system) / 1000, v];
  };
  const parts = { read: [], parse: [], shape: [], stringify: [], write: [] };
  const out = join(OUT, 'floor-write.json');
  for (let i = 0; i < reps; i++) {
    const [read, text] = cpu(() => readFileSync(file, 'utf8'));
    const [parse, doc] = cpu(() => JSON.parse(text));
    const [shape, ok] = cpu(() => m.isWrittenLedger(doc, m.LEDGER_VERSION));
    if (!ok) throw new Error('the 30-day ledger does not pass the shape check');
    const [stringify, again] = cpu(() => `${JSON.stringify(doc)}\n`);
    const [write] = cpu(() => {
      const fd = openSync(out, 'w');
      writeSync(fd, again);
      fsyncSync(fd);
      closeSync(fd);
    });
    for (const [k, v] of Object.entries({ read, parse, shape, stringify, write })) parts[k].push(v);
  }
  rmSync(out, { force: true });
  return Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, median(v)]));
}

/** One CLI child with the rss hook: wall ms, CPU ms, exit status. */
function cli(node, cliJs, args) {
  const rssFile = join(OUT, `rss-${process.pid}.txt`);
  rmSync(rssFile, { force: true });
  const t = performance.now();
  const r = spawnSync(node, ['--import', join(ROOT, 'bench/rss-hook.mjs'), cliJs, 'check', ...args], {
    cwd: OUT,
    env: { ...process.env, BENCH_RSS_OUT: rssFile },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const ms = performance.now() - t;
  const [, cpuMs] = existsSync(rssFile) ? readFileSync(rssFile, 'utf8').trim().split('\n').map(Number) : [];
  // 0 pass, 1 the gate failed (the default policy fails on the generated criticals): both are verdicts.
  if (r.status !== 0 && r.status !== 1) throw new Error(`check ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms, cpuMs };
}

const quietLog = { debug() {}, info() {}, warning() {}, error() {}, startGroup() {}, endGroup() {} };

/** The in-process simulation: the day's findings through the engine and the file store, as `check --ledger` does. */
async function simulator(sim, poolFile, ledgerFile) {
  const m = await import(pathToFileURL(sim).href);
  const settings = { files: [poolFile], workspace: OUT, onInputError: 'fail' };
  const read = await m.readInputs(settings, quietLog);
  if (read.errors.length || read.files.length !== 1) throw new Error('the pool SARIF could not be read');
  const file = read.files[0];
  const byIndex = new Map(file.findings.map((f) => [f.source.resultIndex, f]));
  const { policy } = await m.loadGatingPolicy(undefined, OUT, undefined, undefined);
  return async (indexes, now) => {
    const store = new m.FileLedgerStore(ledgerFile, () => now, 'ledger.json');
    const book = (await store.read('default')) ?? m.emptyBook();
    const input = {
      files: [{ ...file, findings: indexes.map((i) => byIndex.get(i)) }],
      policy,
      environment: 'default',
      onInputError: 'fail',
      now,
      ledger: book,
      pullRequest: false,
      runDate: {},
    };
    const result = m.runEngine(input);
    await store.update('default', (latest) => (latest === book ? result.nextLedger : m.reapply(latest, input)));
  };
}

/** check --ledger on the 30-day ledger ÷ check without a ledger (day 31's findings), interleaved; the floor's parts. */
async function cost({ node, cliJs, sim, pool, byDay, day30, reps, label, log }) {
  const daySarif = join(OUT, 'day.sarif');
  writeDay(pool, byDay[30], daySarif);
  const withL = [];
  const without = [];
  const measured = join(OUT, 'measured.json');
  for (let i = 0; i < reps; i++) {
    const pair = [
      () => {
        copyFileSync(day30, measured);
        withL.push(cli(node, cliJs, ['day.sarif', '--ledger', 'file:measured.json', '--now', iso(31)]));
      },
      () => without.push(cli(node, cliJs, ['day.sarif', '--now', iso(31)])),
    ];
    if (i % 2) pair.reverse();
    for (const f of pair) f();
  }
  const base = median(without.map((x) => x.cpuMs));
  const cpu = median(withL.map((x) => x.cpuMs)) / base;
  const fl = await floorParts(sim, day30, reps);
  // The least any file format must add (bench/ledger-floor.mjs): an ideal index, the sighting digests, the merge and an
  // append-only write, with the CLI's code, cold.
  const least = await ledgerFloor({ reps, node });
  const readFloor = fl.read + fl.parse + fl.shape;
  const writeFloor = fl.stringify + fl.write;
  log(
    `  the same file as one JSON document (what a check did before the line layout; CPU ms): read ${fl.read.toFixed(0)}, JSON.parse ${fl.parse.toFixed(0)}, shape check ${fl.shape.toFixed(0)}, ` +
      `JSON.stringify ${fl.stringify.toFixed(0)}, write + fsync ${fl.write.toFixed(0)}`,
  );
  const wall = median(withL.map((x) => x.ms)) / median(without.map((x) => x.ms));
  log(
    `  the least any format must add (bench/ledger-floor.mjs, CPU ms): ${Object.entries(least.parts)
      .map(([k, v]) => `${k} ${v.toFixed(0)}`)
      .join(', ')}; in all ${least.totalMs.toFixed(0)} (${least.same} findings seen again unchanged, ${least.changed} written)`,
  );
  log(
    `  check --ledger: CPU ${median(withL.map((x) => x.cpuMs)).toFixed(0)} ms, wall ${median(withL.map((x) => x.ms)).toFixed(0)} ms; ` +
      `without: CPU ${median(without.map((x) => x.cpuMs)).toFixed(0)} ms, wall ${median(without.map((x) => x.ms)).toFixed(0)} ms`,
  );

  return {
    figure: `check --ledger (${label}, 30 days of daily runs, 1 % churn) ÷ check without ledger, CPU time (median of ${reps})`,
    // What the same file would cost read as one JSON document (before the line layout), before any merge.
    value:
      `${cpu.toFixed(2)}× (wall ${wall.toFixed(2)}×; ledger ${MB(statSync(day30).size)}; read as one JSON document it would cost, before any ` +
      `merge: read + parse + shape check ${(readFloor / base).toFixed(2)}×, + stringify + write ${((readFloor + writeFloor) / base).toFixed(2)}×; ` +
      `the least any format must add — an ideal index, the sighting digests, the merge, an append-only write: ${(1 + least.totalMs / base).toFixed(2)}×)`,
    target: '≤ 1.2×',
    pass: cpu <= 1.2,
  };
}

export async function run({ log = (s) => process.stdout.write(`${s}\n`), node = process.execPath, quick = false, costOnly = false } = {}) {
  mkdirSync(OUT, { recursive: true });
  const n = quick ? 2000 : 10000;
  // --cost measures the CLI's own 30-day ledger: its figure says "30 days of daily runs" (it measured a 3-day ledger
  // with --quick until 2026-12-03).
  const cliDays = quick && !costOnly ? 3 : 30;
  const reps = quick ? 3 : 5;
  const label = `${n / 1000}k findings`;
  const { cli: cliJs, sim } = await buildAll(node);
  const { byDay, poolSize } = churn(n, 366);
  const poolFile = join(OUT, `pool-${poolSize}.sarif`);
  if (!existsSync(poolFile)) await generate(poolSize, poolFile);
  const pool = JSON.parse(readFileSync(poolFile, 'utf8'));
  if (byDay[0].length !== n) throw new Error('bad churn');
  log(`ledger bench: ${label}, pool of ${poolSize} results, ${cliDays} CLI days, a year in process`);

  // The CLI's first days.
  const cliLedger = join(OUT, 'cli-ledger.json');
  const daySarif = join(OUT, 'day.sarif');
  rmSync(cliLedger, { force: true });
  for (let d = 1; d <= cliDays; d++) {
    writeDay(pool, byDay[d - 1], daySarif);
    cli(node, cliJs, ['day.sarif', '--ledger', 'file:cli-ledger.json', '--now', iso(d)]);
  }

  if (costOnly) {
    // --cost: the cost of check --ledger on the CLI's 30-day ledger, without the year (a quick measure while working).
    const day30 = join(OUT, 'ledger-day30.json');
    copyFileSync(cliLedger, day30);
    return [await cost({ node, cliJs, sim, pool, byDay, day30, reps, label, log })];
  }

  // The year in process (same code), checked against the CLI's file on its last day.
  const simLedger = join(OUT, 'ledger.json');
  rmSync(simLedger, { force: true });
  const step = await simulator(sim, poolFile, simLedger);
  const sizes = [];
  let same;
  let day30;
  const t0 = performance.now();
  for (let d = 1; d <= 365; d++) {
    await step(byDay[d - 1], new Date(Date.parse(iso(d))));
    const size = statSync(simLedger).size;
    sizes.push(size);
    if (d === cliDays) same = readFileSync(simLedger).equals(readFileSync(cliLedger));
    if (d === 30) copyFileSync(simLedger, (day30 = join(OUT, 'ledger-day30.json')));
    if (d % 30 === 0) log(`  day ${d}: ${MB(size)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  const monthly = [];
  for (let d = 1; d <= 365; d++) {
    const a = new Date(Date.parse(iso(d)));
    const b = new Date(Date.parse(iso(d + 1)));
    if (a.getUTCMonth() !== b.getUTCMonth() || d === 365) monthly.push({ month: a.toISOString().slice(0, 7), size: sizes[d - 1] });
  }
  const first = sizes[0];
  const year = sizes[364];
  const worst = Math.max(...sizes);

  return [
    await cost({ node, cliJs, sim, pool, byDay, day30, reps, label, log }),
    {
      figure: `ledger after a simulated year of daily runs (${label}, 1 % churn) ÷ after day 1`,
      value: `${(year / first).toFixed(2)}× (${MB(year)} / ${MB(first)}; largest ${(worst / first).toFixed(2)}×)`,
      target: '≤ 2×',
      pass: year <= 2 * first && worst <= 2 * first,
    },
    {
      figure: 'ledger size at the end of each simulated month',
      value: monthly.map((m) => `${m.month.slice(5)}: ${(m.size / 1048576).toFixed(1)}`).join(', ') + ' MB',
      target: '≤ 2× day 1 every month',
      pass: monthly.every((m) => m.size <= 2 * first),
    },
    {
      figure: `year simulated in process writes the CLI's file (byte-identical after ${cliDays} CLI days)`,
      value: same ? 'identical' : 'differs',
      target: 'identical',
      pass: same === true,
    },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const node = args.find((a) => a.startsWith('--node='))?.slice('--node='.length) ?? process.execPath;
  const rows = await run({ node, quick: args.includes('--quick'), costOnly: args.includes('--cost') });
  process.stdout.write('\n| figure | value | target | pass |\n|---|---|---|---|\n');
  for (const r of rows)
    process.stdout.write(`| ${r.figure} | ${r.value} | ${r.target} | ${r.pass === undefined ? '—' : r.pass ? 'yes' : 'NO'} |\n`);
}
