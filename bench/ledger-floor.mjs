// What no ledger can skip (issue #21's "the ledger is cheap"): the least a `check --ledger` must add to a check, in
// any file format, measured with the CLI's code (bundled from src/ into bench/out/ledger/floor-lib.mjs) on the ledger
// bench's files (bench/out/ledger: run `node bench/ledger.mjs --cost` first). A fresh child process, so that the code
// runs cold as in the CLI, that has made the run's rated findings as a check without a ledger does (not timed), then:
//   index    reads an ideal index of the 30-day ledger (one fixed line per entry: fingerprint, sighting digest, state,
//            first seen; 12,340 lines, 1.5 MB, made beforehand from the ledger and not timed) into a Map
//   digest   each finding's sighting digest (what tells a finding seen again unchanged from one that changed)
//   merge    each finding looked up, compared, its SLA clock made from the first-seen date (SlaClocks, shared per inputs)
//   write    an append-only write: the changed entries (new or changed sightings, as JSON) appended, the index written
//            again, both fsynced
// Printed as CPU milliseconds of the timed part (process.cpuUsage: user + system of the process); bench/ledger.mjs
// sets them against the check without a ledger (1 + part ÷ check). Of the present ledger's code only sightingDigest
// and SlaClocks are loaded: a new format's module loading, lock, integrity hash and checks are not counted.
//
// `node bench/ledger-floor.mjs [--reps=5]`; as a module, `await ledgerFloor({ reps, node })` → { parts, totalMs, … }.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleSrc } from './bundle-src.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'bench/out/ledger');
const LIB = join(OUT, 'floor-lib.mjs');
const NOW = '2026-02-01T06:00:00.000Z'; // day 31 of bench/ledger.mjs
const quietLog = { debug() {}, info() {}, warning() {}, error() {}, startGroup() {}, endGroup() {} };

function bundle() {
  return bundleSrc(
    [
      "export { readInputs } from './src/check.ts';",
      "export { loadGatingPolicy } from './src/io/policy-source.ts';",
      "export { runEngine } from './src/engine.ts';",
      "export { sightingDigest, SlaClocks } from './src/ledger/track.ts';",
    ],
    LIB,
  );
}

/** The ideal index of a ledger file: one line per entry, `fingerprint digest state firstSeen` at fixed widths. */
function makeIndex(ledgerFile, indexFile) {
  const doc = JSON.parse(readFileSync(ledgerFile, 'utf8'));
  const lines = [];
  for (const book of Object.values(doc.books))
    for (const e of Object.values(book.entries))
      lines.push(`${e.fingerprint.padEnd(64)} ${(e.sighting ?? '-').padEnd(28)} ${e.state === 'open' ? 'o' : 'f'} ${e.firstSeen}`);
  writeFileSync(indexFile, `${lines.join('\n')}\n`);
  return lines.length;
}

async function child() {
  const m = await import(pathToFileURL(LIB).href);
  const now = new Date(NOW);
  const read = await m.readInputs({ files: [join(OUT, 'day.sarif')], workspace: OUT, onInputError: 'fail' }, quietLog);
  const { policy } = await m.loadGatingPolicy(undefined, OUT, undefined, undefined);
  const result = m.runEngine({ files: read.files, policy, environment: 'default', onInputError: 'fail', now, pullRequest: false });
  const findings = result.findings;
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const parts = {};
  let t = cpu();
  const lap = (name) => {
    const c = cpu();
    parts[name] = c - t;
    t = c;
  };
  // index
  const text = readFileSync(join(OUT, 'floor-index.txt'), 'latin1');
  const index = new Map();
  for (let i = 0; i < text.length;) {
    const end = text.indexOf('\n', i);
    const line = text.slice(i, end);
    index.set(line.slice(0, 64).trimEnd(), line);
    i = end + 1;
  }
  lap('index');
  // digest
  const digests = findings.map((f) => m.sightingDigest(f, 'default'));
  lap('digest');
  // merge
  const clocks = new m.SlaClocks(result.sla, now);
  const changed = [];
  let same = 0;
  for (let i = 0; i < findings.length; i++) {
    const f = findings[i];
    const line = index.get(f.fingerprint);
    const firstSeen = line ? line.slice(96) : NOW;
    if (line && line.slice(65, 93).trimEnd() === digests[i] && line[94] === 'o') same++;
    else changed.push({ fingerprint: f.fingerprint, firstSeen, lastSeen: NOW, sighting: digests[i], severity: f.severity });
    if (f.gated) clocks.of(f, { firstSeen });
  }
  lap('merge');
  // write
  const log = openSync(join(OUT, 'floor-append.tmp'), 'a');
  writeSync(log, `${changed.map((e) => JSON.stringify(e)).join('\n')}\n`);
  fsyncSync(log);
  closeSync(log);
  const idx = openSync(join(OUT, 'floor-index.tmp'), 'w');
  writeSync(idx, text);
  fsyncSync(idx);
  closeSync(idx);
  lap('write');
  process.stdout.write(JSON.stringify({ parts, findings: findings.length, same, changed: changed.length }));
}

/** Medians of `reps` children: CPU ms per part and in all. */
export async function ledgerFloor({ reps = 5, node = process.execPath } = {}) {
  const ledgerFile = join(OUT, 'ledger-day30.json');
  if (!existsSync(ledgerFile) || !existsSync(join(OUT, 'day.sarif')))
    throw new Error('bench/out/ledger has no 30-day ledger: run `node bench/ledger.mjs --cost` first');
  await bundle();
  const entries = makeIndex(ledgerFile, join(OUT, 'floor-index.txt'));
  const runs = [];
  for (let i = 0; i < reps; i++) {
    rmSync(join(OUT, 'floor-append.tmp'), { force: true });
    const r = spawnSync(node, [fileURLToPath(import.meta.url), '--child'], { encoding: 'utf8' });
    if (r.status !== 0)
      throw new Error(
        `bench/ledger-floor.mjs --child failed: ${r.stderr
          .trim()
          .split('\n')
          .find((l) => /Error/.test(l))}`,
      );
    const run = JSON.parse(r.stdout);
    // The model must match the ledger it stands for: with 1 % churn a day, 99 % of day 31's findings are seen again
    // unchanged against the 30-day ledger; an index or digests that are not the CLI's match none.
    if (run.same + run.changed !== run.findings || run.same < 0.5 * run.findings)
      throw new Error(`bench/ledger-floor.mjs: ${run.same} of ${run.findings} findings matched the ledger unchanged (expected ≥ 50 %)`);
    runs.push(run);
  }
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  const parts = {};
  for (const k of Object.keys(runs[0].parts)) parts[k] = median(runs.map((x) => x.parts[k]));
  const totalMs = median(runs.map((x) => Object.values(x.parts).reduce((a, b) => a + b, 0)));
  return { parts, totalMs, entries, findings: runs[0].findings, same: runs[0].same, changed: runs[0].changed };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === '--child') await child();
  else {
    const reps = Number(process.argv.find((a) => a.startsWith('--reps='))?.slice(7) ?? 5);
    const f = await ledgerFloor({ reps });
    process.stdout.write(
      `${f.findings} findings against an index of ${f.entries} entries (${f.same} seen again unchanged, ${f.changed} written): ` +
        `${Object.entries(f.parts)
          .map(([k, v]) => `${k} ${v.toFixed(0)} ms`)
          .join(', ')}; in all ${f.totalMs.toFixed(0)} ms CPU (median of ${reps})\n`,
    );
  }
}
