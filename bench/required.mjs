// What a verdict cannot skip (issue #21's "time to verdict"), measured as the floor is: a child process that reads the
// SARIF file whole and does only the steps every check must do before it can count a single finding, each step added to
// the ones before, with the code the CLI runs (bundled from src/ into bench/out/required-lib.mjs):
//   parse      read + JSON.parse (the floor's own work, in this child, with the steps' code loaded)
//   + cut      strings longer than MAX_STRING cut on the bytes before decoding (issue #14: one 300 MB message must not
//              cost 17 times its size)
//   + dup      the duplicate-key check (fail closed: JSON.parse keeps the last of two "results")
//   + hash     each result's fingerprint (sha256 of tool, rule, path and the SARIF partial fingerprint)
//   + redact   each result's message through the secret redaction (untrusted scanner text)
// No finding object, rating, gate, sort or report. A file read whole goes through these steps as here. `check`
// streams files above 8 MiB: its reader does the cut and the key check in one scan of the bytes (not two passes as
// here) and then parses each result on its own; the hash and the redaction are the same. The streamed model
// (`required(file, { streamed: true })`, STREAMED_STEPS) does that:
//   stream     the streaming reader of src/ingest/stream.ts over the file: the scan with the cut and the key check,
//              and JSON.parse of each result on its own (the skeleton's members parsed as check parses them)
//   + hash, + redact as above, per result as it is parsed.
//
// As a module: `await required(file, { reps, warm })` → [{ steps, ms, inMs }] (wall time of the child, and its time
// after start-up; `warm(file)` runs before each child: bench/warm.mjs reads the file through so no child reads the disk).
// `node bench/required.mjs FILE` prints them; `node bench/required.mjs --child FILE STEPS` is the child.
import { spawnSync } from 'node:child_process';
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleSrc } from './bundle-src.mjs';
import { warm as warmFile } from './warm.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LIB = join(ROOT, 'bench/out/required-lib.mjs');
export const STEPS = ['parse', 'cut', 'dup', 'hash', 'redact'];
/** Column titles of the steps, each added to the ones before. */
export const STEP_LABELS = ['read + JSON.parse', '+ cut long strings', '+ duplicate-key check', '+ fingerprint hash', '+ redaction'];
export const STREAMED_STEPS = ['stream', 'hash', 'redact'];
export const STREAMED_LABELS = ['streamed: scan (cut, duplicate keys) + JSON.parse of each result', '+ fingerprint hash', '+ redaction'];

let bundled = false;

/** Bundles the steps' code from src/ (once per bench run: src/ may have changed since the last). */
export function bundle() {
  return bundleSrc(
    [
      "export { cutBytes } from './src/ingest/stream.ts';",
      "export { findDuplicateKey } from './src/ingest/json.ts';",
      "export { hashParts } from './src/ingest/fingerprint.ts';",
      "export { redactText } from './src/redact/text.ts';",
      "export { Reader } from './src/ingest/stream.ts';",
      "export { fdBytes } from './src/io/file-bytes.ts';",
    ],
    LIB,
    { minify: true },
  );
}

/**
 * One child per cumulative step list: its wall time (process start included, as the floor's) and its own time. With
 * `streamed`, the steps of the streamed model (STREAMED_STEPS).
 */
export async function required(file, { reps = 1, warm = warmFile, streamed = false } = {}) {
  const list = streamed ? STREAMED_STEPS : STEPS;
  if (!bundled) {
    await bundle();
    bundled = true;
  }
  const out = [];
  for (let k = 1; k <= list.length; k++) {
    const steps = list.slice(0, k);
    const runs = [];
    for (let i = 0; i < reps; i++) {
      warm(file);
      const t = performance.now();
      const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', file, steps.join(',')], { encoding: 'utf8' });
      const ms = performance.now() - t;
      if (r.status !== 0) {
        const lines = r.stderr.trim().split('\n');
        const why = lines.find((l) => /^\w*Error\b/.test(l)) ?? lines.pop();
        throw new Error(`bench/required.mjs --child ${steps.join(',')} failed: ${why}`);
      }
      runs.push({ ms, inMs: JSON.parse(r.stdout).ms });
    }
    runs.sort((a, b) => a.ms - b.ms);
    out.push({ steps: steps.join(' + '), ...runs[Math.floor((runs.length - 1) / 2)] });
  }
  return out;
}

async function child(file, steps) {
  const on = new Set(steps.split(','));
  // The steps' code is loaded for every step list, "read + JSON.parse" too: its start-up is not counted as a step's.
  const lib = await import(pathToFileURL(LIB).href);
  const t = performance.now();
  // Counted and printed so that no step's result is unused (the work cannot be skipped as dead code).
  let changed = 0;
  const perResult = (r, tool) => {
    if (on.has('hash')) {
      const k = 'primaryLocationLineHash';
      const uri = r.locations?.[0]?.physicalLocation?.artifactLocation?.uri;
      if (lib.hashParts('sarif-pfp', tool, r.ruleId, uri, k, r.partialFingerprints?.[k]).length !== 32) changed++;
    }
    if (on.has('redact') && lib.redactText(r.message?.text ?? '') !== r.message?.text) changed++;
  };
  if (on.has('stream')) {
    // As check streams a SARIF file: members of the log and of each run parsed whole, each result on its own.
    const fd = openSync(file, 'r');
    const r = new lib.Reader(lib.fdBytes(fd), fstatSync(fd).size, 1 << 22);
    r.skipBom();
    // Each value with its JSON path, as check reads it: the path turns on the duplicate-key check.
    r.object((key) => {
      if (key !== 'runs') return void r.value(`$.${key}`);
      r.array((ri) => {
        let tool = '';
        const rp = `$.runs[${ri}]`;
        r.object((k) => {
          if (k !== 'results') {
            const v = r.value(`${rp}.${k}`);
            if (k === 'tool') tool = String(v?.driver?.name).toLowerCase();
            return;
          }
          r.array((i) => perResult(r.value(`${rp}.results[${i}]`), tool));
        }, rp);
      });
    }, '$');
    closeSync(fd);
  } else {
    const buf = readFileSync(file);
    const text = (on.has('cut') ? lib.cutBytes(buf, 0, buf.length) : undefined) ?? buf.toString('utf8');
    const doc = JSON.parse(text);
    if (on.has('dup') && lib.findDuplicateKey(text)) throw new Error('a duplicate key');
    for (const run of doc.runs) {
      const tool = String(run.tool?.driver?.name).toLowerCase();
      for (const r of run.results ?? []) perResult(r, tool);
    }
  }
  process.stdout.write(JSON.stringify({ ms: performance.now() - t, changed }));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === '--child') await child(process.argv[3], process.argv[4]);
  else {
    for (const streamed of [false, true])
      for (const r of await required(process.argv[2], { reps: Number(process.env.REPS ?? 3), streamed }))
        process.stdout.write(`${r.steps}: ${(r.ms / 1000).toFixed(2)} s (${(r.inMs / 1000).toFixed(2)} s after start-up)\n`);
  }
}
