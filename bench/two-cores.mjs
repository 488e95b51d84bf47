// What two cores allow for the time to verdict (issue #21), measured: the least a verdict split over two threads can
// take, against the same work in one thread, with the code the CLI runs (bundled from src/ into
// bench/out/two-cores-lib.mjs).
//
// The model: the SARIF's results are split in two halves, each written as a SARIF file of its own BEFORE anything is
// timed (a real split must at least scan the bytes for where a result starts outside a string: not counted here, so
// these are lower bounds). A child then
//   one    ingests the whole file with `readInputs` (read, cut, duplicate-key check, parse, findings with fingerprints
//          and redaction: the CLI's ingest, streamed above 8 MiB as the CLI does) and runs the engine as the text
//          verdict does (rating, gate, the first 50 in report order);
//   two    starts a worker thread that ingests the second half while the main thread ingests the first, takes the
//          worker's findings (structured clone: what handing a finding per result back costs) and runs the same
//          engine on all of them;
//   split  each thread ingests and judges its own half; only counts cross (no finding handed over, the two halves'
//          first 50 and gate rules not merged): the least any two-thread verdict can take.
// All three must count the same findings and reach the same verdict, else no figure is printed. Wall time of the
// child, process start included, as the floor (read + JSON.parse of the whole file, bench/floor.mjs) is measured.
//
// `node bench/two-cores.mjs FILE [--reps=N]` prints the floor and the three; as a module,
// `twoCores(file, { reps, warm, floorMs })` (bench/run.mjs, at 100k and 1M results). Only for a SARIF file with one
// run (the bench's generated CodeQL SARIF); the halves are written beside it.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { bundleSrc } from './bundle-src.mjs';
import { warm as warmFile } from './warm.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'bench/out');
const LIB = join(OUT, 'two-cores-lib.mjs');
const SELF = fileURLToPath(import.meta.url);
/** The error a failed child printed (its `Error: …` line), else its last line. */
const why = (stderr) => {
  const lines = stderr.trim().split('\n');
  return lines.find((l) => /^\w*Error\b/.test(l)) ?? lines.pop();
};
const quietLog = { debug() {}, info() {}, warning() {}, error() {}, startGroup() {}, endGroup() {} };

/** The halves of `file` (written once, beside the bench's inputs; not timed), by a child with room for a 1M document. */
function halves(file) {
  const r = spawnSync(process.execPath, ['--max-old-space-size=12288', SELF, '--halves', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench/two-cores.mjs --halves failed: ${why(r.stderr)}`);
  return JSON.parse(r.stdout);
}

function writeHalves(file) {
  const paths = [0, 1].map((i) => join(dirname(file), `${basename(file)}.half${i}.sarif`));
  const stamp = `${statSync(file).size}:${statSync(file).mtimeMs}`;
  const stampFile = join(dirname(file), `${basename(file)}.halves`);
  if (paths.every(existsSync) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return paths;
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  if (doc.runs?.length !== 1) throw new Error(`${file}: the model needs a SARIF file with one run`);
  const results = doc.runs[0].results;
  const mid = Math.ceil(results.length / 2);
  for (const [i, part] of [results.slice(0, mid), results.slice(mid)].entries()) {
    doc.runs[0].results = part;
    writeFileSync(paths[i], JSON.stringify(doc));
  }
  writeFileSync(stampFile, stamp);
  return paths;
}

async function bundle() {
  await bundleSrc(
    [
      "export { readInputs } from './src/check.ts';",
      "export { loadGatingPolicy } from './src/io/policy-source.ts';",
      "export { runEngine } from './src/engine.ts';",
    ],
    LIB,
    { minify: true },
  );
}

/** The workspace of an input and of the default policy: its folder (the halves are written beside the file). */
const workspaceOf = (file) => dirname(resolve(file));

async function ingest(lib, file) {
  const read = await lib.readInputs({ files: [basename(file)], workspace: workspaceOf(file), onInputError: 'fail' }, quietLog);
  if (read.errors.length > 0 || read.files.length !== 1) throw new Error(`${file}: ${read.errors.map((e) => e.message).join('; ')}`);
  return read.files[0];
}

/** Starts a worker thread on `file`: it ingests it, and judges it too with `judge`. Resolves to its message. */
function worker(file, judgeToo) {
  const w = new Worker(SELF, { workerData: { file, judge: judgeToo } });
  return new Promise((res, rej) => {
    w.once('message', (m) => w.terminate().then(() => res(m), rej));
    w.once('error', rej);
  });
}

/** The worse of two verdict statuses (fail over warn over pass). */
const worse = (a, b) => ['fail', 'warn', 'pass'].find((s) => s === a || s === b) ?? a;

/**
 * The child: `one` (the whole file in this thread), `two` (the halves ingested in two threads, the worker's findings
 * handed over, judged here) or `split` (each half ingested and judged in its thread; only counts cross). Prints its
 * time after start (`ms`), the findings, the verdict's status and blocking count. TWO_CORES_DEBUG=1 prints phases.
 */
async function child(mode, files) {
  const t = performance.now();
  const debug = (what) =>
    process.env.TWO_CORES_DEBUG && process.stderr.write(`${mode}: ${what} at ${(performance.now() - t).toFixed(0)} ms\n`);
  const lib = await import(pathToFileURL(LIB).href);
  let verdict;
  const ws = workspaceOf(files[0]);
  if (mode === 'one') verdict = await judge(lib, await ingest(lib, files[0]), ws);
  else if (mode === 'two') {
    const other = worker(files[1], false);
    const mine = await ingest(lib, files[0]);
    debug('this half ingested');
    const theirs = await other;
    debug("the worker's findings received");
    verdict = await judge(lib, { ...mine, findings: mine.findings.concat(theirs.findings) }, ws);
  } else {
    // Only counts cross between the threads: the least any two-thread verdict can take, before merging the halves'
    // first 50 in report order and their gate rules (not done: a lower bound).
    const other = worker(files[1], true);
    const mine = await judge(lib, await ingest(lib, files[0]), ws);
    debug('this half judged');
    const theirs = await other;
    verdict = {
      findings: mine.findings + theirs.findings,
      status: worse(mine.status, theirs.status),
      blocking: mine.blocking + theirs.blocking,
    };
  }
  debug('judged');
  process.stdout.write(JSON.stringify({ inMs: performance.now() - t, ...verdict }));
}

/** The engine as the text verdict runs it (the first 50 in report order), on one ingested file. */
async function judge(lib, file, workspace) {
  const { policy } = await lib.loadGatingPolicy(undefined, workspace, undefined, undefined);
  const result = lib.runEngine({
    files: [file],
    policy,
    environment: 'default',
    onInputError: 'fail',
    now: new Date('2026-12-01T00:00:00Z'),
    pullRequest: false,
    runDate: {},
    // As check runs it: the findings rated in place (no copies), only the first 50 sorted.
    inPlace: true,
    sortTop: 50,
  });
  return { findings: result.findings.length, status: result.verdict.status, blocking: result.verdict.blocking.length };
}

/**
 * Wall times (median of `reps` children each) of one thread and two threads on `file`, and of the floor unless the
 * caller measured it (`floorMs`: bench/run.mjs passes its own, so the ratios share the verdict's floor).
 */
export async function twoCores(file, { reps = 3, warm = warmFile, floorMs } = {}) {
  await bundle();
  const parts = halves(file);
  const run = (mode, files) => {
    const runs = [];
    for (let i = 0; i < reps; i++) {
      for (const f of files) warm(f);
      const t = performance.now();
      const r = spawnSync(process.execPath, [SELF, '--child', mode, ...files], { encoding: 'utf8', maxBuffer: 1 << 20 });
      const ms = performance.now() - t;
      if (r.status !== 0) throw new Error(`bench/two-cores.mjs --child ${mode} failed: ${why(r.stderr)}`);
      runs.push({ ...JSON.parse(r.stdout), ms });
    }
    runs.sort((a, b) => a.ms - b.ms);
    return runs[Math.floor((runs.length - 1) / 2)];
  };
  const fl = floorMs === undefined ? [] : [floorMs];
  for (let i = 0; floorMs === undefined && i < reps; i++) {
    warm(file);
    const t = performance.now();
    const r = spawnSync(process.execPath, [join(ROOT, 'bench/floor.mjs'), file], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`bench/floor.mjs failed: ${r.stderr}`);
    fl.push(performance.now() - t);
  }
  fl.sort((a, b) => a - b);
  const one = run('one', [file]);
  const two = run('two', parts);
  const split = run('split', parts);
  for (const other of [two, split])
    if (one.findings !== other.findings || one.status !== other.status || one.blocking !== other.blocking)
      throw new Error(`one thread and two disagree: ${JSON.stringify(one)} vs ${JSON.stringify(other)}`);
  return { floorMs: fl[Math.floor((fl.length - 1) / 2)], one, two, split };
}

if (!isMainThread) {
  const lib = await import(pathToFileURL(LIB).href);
  const file = await ingest(lib, workerData.file);
  parentPort.postMessage(workerData.judge ? await judge(lib, file, workspaceOf(workerData.file)) : { findings: file.findings });
} else if (process.argv[2] === '--child') await child(process.argv[3], process.argv.slice(4));
else if (process.argv[2] === '--halves') process.stdout.write(JSON.stringify(writeHalves(process.argv[3])));
else if (process.argv[1] && resolve(process.argv[1]) === SELF) {
  const file = process.argv[2];
  const reps = Number(process.argv.find((a) => a.startsWith('--reps='))?.slice(7) ?? 3);
  const r = await twoCores(file, { reps });
  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  process.stdout.write(
    `floor ${s(r.floorMs)}; one thread ${s(r.one.ms)} (${(r.one.ms / r.floorMs).toFixed(2)}×); two threads ${s(r.two.ms)} ` +
      `(${(r.two.ms / r.floorMs).toFixed(2)}×); two threads, each judging its half, no finding handed over ${s(r.split.ms)} ` +
      `(${(r.split.ms / r.floorMs).toFixed(2)}×); ${r.one.findings} findings\n`,
  );
}
