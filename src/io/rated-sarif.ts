import { isUtf8 } from 'node:buffer';
import { closeSync, existsSync, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { writeAtomically } from './atomic';
import type * as sarif from 'sarif';
import type { RatedFinding, SarifLevel } from '../model';
import { blocksAt, type RunResult } from '../engine';
import type { Policy } from '../policy/compile';
import { cutBytes, JsonSyntax, Reader } from '../ingest/stream';
import { fdBytes } from './file-bytes';
import { MAX_STRING } from '../ingest/json';
import { MAX_DOCUMENT_DEPTH, pruneDeep } from '../ingest/depth';
import { isSecretFinding } from '../redact/finding';
import { jsonMayHoldSecret, redactJson } from '../redact/json';
import {
  nativeRunsOf,
  RATED_SARIF_SCHEMA,
  ratingMembersJson,
  representativeScores,
  runProperties,
  sarifLevelFor,
  scoreText,
  toolWithScores,
  withRating,
  withRatingResult,
  type ResultRating,
  type SarifSlot,
} from '../report/sarif';
import { errorMessage } from '../errors';

/**
 * Writes the rated SARIF (see src/report/sarif.ts for what it holds) from the SARIF input files themselves, read again
 * with the streaming reader: every member of every run and result is copied as the scanner wrote it, except the
 * members a rating changes (a result's `level` and `properties`, a run's `tool` rules and `properties`), which are
 * parsed, changed and written back. Nothing of the inputs is held in memory beyond one value at a time, the copied
 * text keeps the scanner's numbers exactly (2^63 stays 2^63), and no JSON of the results is built: this is what lets
 * the check write the rated SARIF of a million results in about the time it takes to read them.
 *
 * The result is the log `buildRatedSarif` builds from the parsed documents (tested on the corpus): same runs, results
 * and ratings. Compact output copies the scanner's text as it is (including its whitespace); indented output (small
 * runs) is re-indented run by run.
 */

/** A SARIF input as ingest read it: where it is, and its size and modification time then. */
export interface SarifInputFile {
  /** The name used for the input in findings and reports. */
  file: string;
  /** Absolute path to read. */
  path: string;
  size: number;
  mtimeMs: number;
  /** Device and inode of the file read: the file read again must be that one (not another swapped in its place). */
  dev?: number;
  ino?: number;
}

/** Where JSON is written: text, and bytes copied from an input (valid UTF-8, see `copy`). */
interface Sink {
  text(s: string): void;
  bytes(b: Buffer): void;
}

/**
 * A byte sink over a file descriptor that can be rewound to a mark (a repeated `runs` replaces the earlier one).
 * Copied input bytes go to the file as they are: no decoding to strings and encoding back.
 */
class Out implements Sink {
  private buf = Buffer.allocUnsafe(1 << 20);
  private n = 0;
  private pos = 0;
  constructor(private readonly fd: number) {}
  text(s: string): void {
    if (s.length * 3 > this.buf.length - this.n) this.flush();
    if (s.length * 3 > this.buf.length) {
      this.pos += writeSync(this.fd, s, this.pos);
      return;
    }
    this.n += this.buf.write(s, this.n);
  }
  bytes(b: Buffer): void {
    if (b.length > this.buf.length - this.n) this.flush();
    if (b.length > this.buf.length) {
      this.pos += writeSync(this.fd, b, 0, b.length, this.pos);
      return;
    }
    this.n += b.copy(this.buf, this.n);
  }
  flush(): void {
    if (this.n === 0) return;
    this.pos += writeSync(this.fd, this.buf, 0, this.n, this.pos);
    this.n = 0;
  }
  mark(): number {
    this.flush();
    return this.pos;
  }
  rewind(mark: number): void {
    this.flush();
    this.pos = mark;
    ftruncateSync(this.fd, mark);
  }
}

/** A sink that gathers text (indented output re-indents each run). */
class TextSink implements Sink {
  readonly parts: string[] = [];
  text(s: string): void {
    this.parts.push(s);
  }
  bytes(b: Buffer): void {
    this.parts.push(b.toString('utf8'));
  }
}

/**
 * Copies input bytes: as they are when valid UTF-8, else decoded (invalid sequences become U+FFFD, as when the input
 * was read as text), so the output is always valid UTF-8.
 */
function copy(sink: Sink, b: Buffer): void {
  if (isUtf8(b)) sink.bytes(b);
  else sink.text(b.toString('utf8'));
}

/**
 * Copies a member's value (its bytes from the input) with secrets redacted: as it is when none may be there, else
 * parsed and redacted (`depth`: where the value is in the log, see `stringify`), or as it is when nothing changed.
 */
function copyRedacted(sink: Sink, b: Buffer, depth: number): void {
  const cut = cutLong(b);
  if (cut !== undefined) {
    // Strings longer than MAX_STRING cut, as ingest cut them (the log holds what the findings hold).
    const red = jsonMayHoldSecret(Buffer.from(cut, 'utf8')) ? redactJson(JSON.parse(cut) as unknown) : undefined;
    sink.text(red?.changed ? stringify(red.value, depth) : cut);
    return;
  }
  if (jsonMayHoldSecret(b)) {
    const v = JSON.parse(b.toString('utf8')) as unknown;
    const red = redactJson(v);
    if (red.changed) {
      sink.text(stringify(red.value, depth));
      return;
    }
  }
  copy(sink, b);
}

/**
 * Copies the reader's next value as `copyRedacted` does; a value holding a string too long to hold is written from its
 * parsed form with the long strings cut (never held whole), redacted.
 */
function copyValue(r: Reader, sink: Sink, depth: number): void {
  const read = r.skipShort();
  if ('value' in read) sink.text(stringify(redactJson(read.value).value, depth));
  else copyRedacted(sink, r.bytes(read.range[0], read.range[1]), depth);
}

/**
 * The text of a value's bytes with every string longer than MAX_STRING cut as ingest cuts them (`cutBytes`: only the
 * kept parts are decoded, never the whole value), or undefined when no string is that long (the bytes are copied).
 */
function cutLong(b: Buffer): string | undefined {
  return b.length > MAX_STRING + 64 ? cutBytes(b, 0, b.length) : undefined;
}

const indented = (s: string, indent: string) => (indent && s.includes('\n') ? s.replace(/\n/g, `\n${indent}`) : s);

/** `RunRatings.rank` of a result without a finding (written as it is). */
const NOT_RATED = 0xffff;
/** `RunRatings.flags` bits. */
const BLOCKING = 1;
const FAILURE = 2;
/** The fingerprint is 32 lowercase hex digits, held as their 16 bytes (most are). */
const HEX = 4;
/** The finding is a secret scanner's: its result is rewritten with the secret redacted (src/redact/json.ts). */
const SECRET = 8;

/**
 * The ratings of one run's results, by result index, as the writer needs them: plain columns (typed arrays and byte
 * buffers) that a worker thread receives without a copy, instead of a million objects.
 */
export interface RunRatings {
  /** Org rank of each result's finding; NOT_RATED where a result has none. */
  rank: Uint16Array;
  /**
   * BLOCKING when the finding blocks the gate; FAILURE when the result is a failure (its `level` is rewritten); HEX
   * when its fingerprint is 32 hex digits, held as their 16 bytes in `fingerprints` at 16 × the result index; SECRET
   * when the finding is a secret scanner's.
   */
  flags: Uint8Array;
  fingerprints: Uint8Array;
  /** The other fingerprints, by result index. */
  otherFingerprints: Map<number, string>;
  /** Why findings are out of the gate: 1 + an index into the plan's `reasons`, or 0 for findings in the gate. */
  notGated: Uint32Array;
  /** The highest representative score of each rule's rated results (code scanning reads it from the rule). */
  ruleScores: Map<string, number>;
}

/** Everything the rated SARIF writer needs besides the input files: plain data, so a worker thread can write it. */
export interface RatedSarifPlan {
  /** The SARIF inputs, in the order they were ingested. */
  inputs: SarifInputFile[];
  /** Per input (same order), per run: the ratings of its results. */
  runs: RunRatings[][];
  /** Per org rank: the level's name, the SARIF `level` of a failure, the `security-severity` text. */
  levels: string[];
  sarifLevels: SarifLevel[];
  scores: string[];
  /** Why findings are out of the gate (see RunRatings.notGated). */
  reasons: string[];
  /** The runs of native (non-SARIF) findings, as JSON text in the log's layout. */
  nativeRuns: string[];
  /** Indented output (small logs) instead of compact. */
  pretty: boolean;
}

function runRatings(n: number): RunRatings {
  return {
    rank: new Uint16Array(n).fill(NOT_RATED),
    flags: new Uint8Array(n),
    // Own buffers (never Node's shared pool): they are handed to the worker whole.
    fingerprints: new Uint8Array(new ArrayBuffer(n * 16)),
    otherFingerprints: new Map(),
    notGated: new Uint32Array(n),
    ruleScores: new Map(),
  };
}

/** A run's ratings while the plan is made: columns that grow as result indices come; `n` is the highest index + 1. */
interface Growing {
  cols: RunRatings;
  n: number;
}

/** The columns of `g` with room for result index `i` (grown by half, the ratings so far copied). */
function roomFor(g: Growing, i: number): RunRatings {
  const old = g.cols;
  if (i < old.rank.length) return old;
  const cols = runRatings(Math.max(i + 1, Math.ceil(old.rank.length * 1.5) + 16));
  cols.rank.set(old.rank);
  cols.flags.set(old.flags);
  cols.fingerprints.set(old.fingerprints);
  cols.notGated.set(old.notGated);
  cols.otherFingerprints = old.otherFingerprints;
  cols.ruleScores = old.ruleScores;
  return (g.cols = cols);
}

/** The columns of `g` cut to its results (views of the same buffers, which move to the worker whole). */
function trimmed(g: Growing): RunRatings {
  const c = g.cols;
  if (c.rank.length === g.n) return c;
  return {
    ...c,
    rank: c.rank.subarray(0, g.n),
    flags: c.flags.subarray(0, g.n),
    fingerprints: c.fingerprints.subarray(0, 16 * g.n),
    notGated: c.notGated.subarray(0, g.n),
  };
}

/** True when `s` is 32 lowercase hex digits (the fingerprints most scanners and ours have). */
function isHex32(s: string): boolean {
  if (s.length !== 32) return false;
  for (let k = 0; k < 32; k++) {
    const c = s.charCodeAt(k);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

/**
 * The plan of the rated SARIF of a check: the ratings of every SARIF result taken out of the findings (and of the
 * duplicates merged into them), the native findings' runs. One pass over the findings (`sarifSlots` and `nativeRuns`
 * would take three; this runs on the main thread before the worker can start), the same plan.
 */
export function ratedSarifPlan(r: RunResult, policy: Policy, inputs: readonly SarifInputFile[], space: 0 | 2): RatedSarifPlan {
  const scores = representativeScores(policy);
  if (policy.levels.length >= NOT_RATED) throw new Error(`a policy may have at most ${NOT_RATED - 1} severity levels`);
  const byFile = new Map<string, Growing[]>();
  // The first run of a file gets room for the file's findings (most files have one run): grown at most once.
  const findingsOf = new Map(r.inputs.map((x) => [x.file, x.findings]));
  const reasons = new Map<string, number>();
  const native = new Map<string, RatedFinding[]>();
  let lastFile: string | undefined;
  let lastRuns: Growing[] = [];
  // What ratingOf, ratedLevel and isSecretFinding give, without their objects per finding (a million results here).
  const secretRule = new Map<string, boolean>();
  let lastRule: string | undefined;
  let lastRuleRun: Growing | undefined;
  let lastRuleScore = -1;
  const visit = (s: SarifSlot, f: RatedFinding, index: number) => {
    if (s.file !== lastFile) {
      lastFile = s.file;
      let runs = byFile.get(s.file);
      if (!runs) byFile.set(s.file, (runs = []));
      lastRuns = runs;
    }
    const i = s.resultIndex;
    let g = lastRuns[s.runIndex];
    if (!g) {
      const room = lastRuns.some(Boolean) ? 16 : (findingsOf.get(s.file) ?? 0);
      g = lastRuns[s.runIndex] = { cols: runRatings(Math.max(i + 1, room)), n: 0 };
    }
    const run = roomFor(g, i);
    if (i >= g.n) g.n = i + 1;
    const fp = f.fingerprint;
    const hex = isHex32(fp);
    let secret = f.kind === 'secret';
    if (!secret) {
      let b = secretRule.get(f.ruleId);
      if (b === undefined) secretRule.set(f.ruleId, (b = isSecretFinding(f)));
      secret = b;
    }
    run.rank[i] = f.rank;
    run.flags[i] = (blocksAt(r, index) ? BLOCKING : 0) | (f.resultKind === 'fail' ? FAILURE : 0) | (hex ? HEX : 0) | (secret ? SECRET : 0);
    if (hex) fingerprintBytes(run).write(fp, i * 16, 16, 'hex');
    else run.otherFingerprints.set(i, fp);
    const notGated = !f.gated && f.notGatedReason ? f.notGatedReason : undefined;
    if (notGated) {
      let k = reasons.get(notGated);
      if (k === undefined) reasons.set(notGated, (k = reasons.size));
      run.notGated[i] = k + 1;
    }
    // Results of one rule mostly come together: the map is read only when the rule or its score changes.
    const score = scores[f.rank] as number;
    if (f.ruleId !== lastRule || g !== lastRuleRun || score > lastRuleScore) {
      lastRule = f.ruleId;
      lastRuleRun = g;
      lastRuleScore = Math.max(run.ruleScores.get(f.ruleId) ?? 0, score);
      run.ruleScores.set(f.ruleId, lastRuleScore);
    }
  };
  const findings = r.findings;
  for (let index = 0; index < findings.length; index++) {
    const f = findings[index] as RatedFinding;
    const s = f.source;
    if (s.format !== 'sarif') {
      const list = native.get(f.tool.name);
      if (list) list.push(f);
      else native.set(f.tool.name, [f]);
    } else if (s.runIndex !== undefined && s.resultIndex !== undefined) visit(s as SarifSlot, f, index);
  }
  // The results of the duplicates merged into a finding are rated as that finding.
  if (r.duplicates.length > 0) {
    const wanted = new Set(r.duplicates.map((d) => d.fingerprint));
    const fpIndex = new Map<string, number>();
    findings.forEach((f, i) => {
      if (wanted.has(f.fingerprint)) fpIndex.set(f.fingerprint, i);
    });
    for (const d of r.duplicates) {
      const i = fpIndex.get(d.fingerprint);
      const s = d.source;
      if (i !== undefined && s.format === 'sarif' && s.runIndex !== undefined && s.resultIndex !== undefined)
        visit(s as SarifSlot, findings[i] as RatedFinding, i);
    }
  }
  const pretty = space === 2;
  return {
    inputs: [...inputs],
    runs: inputs.map((input) => Array.from(byFile.get(input.file) ?? [], (g) => (g ? trimmed(g) : runRatings(0)))),
    levels: [...policy.levels],
    sarifLevels: policy.levels.map((_, rank) => sarifLevelFor(policy, rank)),
    scores: policy.levels.map((_, rank) => scoreText(scores, rank)),
    reasons: [...reasons.keys()],
    nativeRuns: nativeRunsOf(native, policy, scores, r.blocking).map((run) =>
      pretty ? `\n    ${indented(JSON.stringify(run, null, 2), '    ')}` : JSON.stringify(run),
    ),
    pretty,
  };
}

/** A run's fingerprints as a Buffer (a worker receives a plain Uint8Array). */
const fingerprintViews = new WeakMap<RunRatings, Buffer>();
function fingerprintBytes(r: RunRatings): Buffer {
  let b = fingerprintViews.get(r);
  if (!b) fingerprintViews.set(r, (b = Buffer.from(r.fingerprints.buffer, r.fingerprints.byteOffset, r.fingerprints.byteLength)));
  return b;
}

/** The buffers of a plan, handed over to a worker (the plan cannot be used here afterwards). */
function planBuffers(plan: RatedSarifPlan): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const runs of plan.runs) {
    for (const r of runs) for (const a of [r.rank, r.flags, r.fingerprints, r.notGated]) out.add(a.buffer as ArrayBuffer);
  }
  return [...out];
}

interface Ctx {
  plan: RatedSarifPlan;
  out: Out;
  runsWritten: number;
  /** Read size (bytes); tests make it tiny to cross chunk boundaries everywhere. */
  chunk: number;
}

/**
 * Writes the rated SARIF log to `outPath` (whole or not at all, see `writeAtomically`). Throws when an input cannot be read
 * again as it was (changed or removed since the check read it).
 *
 * @param inputs the SARIF inputs, in the order they were ingested
 * @param space  0 for compact JSON, 2 for indented JSON
 */
export function writeRatedSarif(
  outPath: string,
  r: RunResult,
  policy: Policy,
  inputs: readonly SarifInputFile[],
  space: 0 | 2,
  opts: { chunkSize?: number } = {},
): void {
  writeRatedSarifPlan(outPath, ratedSarifPlan(r, policy, inputs, space), opts);
}

/** Writes the rated SARIF log of a plan (see writeRatedSarif). */
export function writeRatedSarifPlan(outPath: string, plan: RatedSarifPlan, opts: { chunkSize?: number } = {}): void {
  writeAtomically(outPath, (fd) => {
    const out = new Out(fd);
    const ctx: Ctx = { plan, out, runsWritten: 0, chunk: Math.max(16, opts.chunkSize ?? 1 << 22) };
    out.text(
      plan.pretty
        ? `{\n  "$schema": ${JSON.stringify(RATED_SARIF_SCHEMA)},\n  "version": "2.1.0",\n  "runs": [`
        : `{"$schema":${JSON.stringify(RATED_SARIF_SCHEMA)},"version":"2.1.0","runs":[`,
    );
    plan.inputs.forEach((input, i) => writeFileRuns(input, plan.runs[i] ?? [], ctx));
    for (const run of plan.nativeRuns) {
      out.text(ctx.runsWritten++ > 0 ? ',' : '');
      out.text(run);
    }
    out.text(plan.pretty ? (ctx.runsWritten > 0 ? `\n  ]\n}\n` : `]\n}\n`) : `]}\n`);
    out.flush();
  });
}

/** The worker script beside the bundle (dist/rated-sarif-worker.js); absent when running from the sources. */
const WORKER_SCRIPT = new URL('./rated-sarif-worker.js', import.meta.url);

/** What the worker answers. */
export type WorkerAnswer = { ok: true } | { ok: false; message: string };

/** Where the rated SARIF was written: by a worker thread, or in the calling thread. */
export type WrittenBy = 'worker' | 'thread';

/**
 * Writes the rated SARIF of a plan in a worker thread, so that the main thread can write the JSON report meanwhile
 * (on two cores the two files take the time of the longer one). The plan's buffers move to the worker (none is copied
 * or kept here). Written in this thread instead, from a new plan, where there is no worker script (running from the
 * sources) or the worker cannot start. Rejects with the writer's error.
 *
 * @param script the worker script (tests name the built one)
 */
export function writeRatedSarifInWorker(outPath: string, makePlan: () => RatedSarifPlan, script: URL = WORKER_SCRIPT): Promise<WrittenBy> {
  const inThread = () =>
    new Promise<WrittenBy>((resolve) => {
      writeRatedSarifPlan(outPath, makePlan());
      resolve('thread');
    });
  if (script.protocol !== 'file:' || !existsSync(fileURLToPath(script))) return inThread();
  return new Promise<WrittenBy>((resolve, reject) => {
    let answered = false;
    let worker: Worker;
    try {
      const plan = makePlan();
      worker = new Worker(script, { workerData: { outPath, plan }, transferList: planBuffers(plan) });
    } catch {
      inThread().then(resolve, reject);
      return;
    }
    worker.once('message', (m: WorkerAnswer) => {
      answered = true;
      if (m.ok) resolve('worker');
      else reject(new Error(m.message));
    });
    // An uncaught error in the worker (it could not load or run): the log is written here instead.
    worker.once('error', () => {
      if (answered) return;
      answered = true;
      inThread().then(resolve, reject);
    });
    worker.once('exit', (code) => {
      if (answered) return;
      answered = true;
      reject(new Error(`the rated SARIF writer stopped without an answer (exit code ${code})`));
    });
  });
}

function changed(input: SarifInputFile, how: string): Error {
  return new Error(
    `${input.file} changed while defect-gate was running (${how}): its rated SARIF cannot be written; do not write to a scanner's output while the check runs`,
  );
}

/** Writes the rated runs of one SARIF input file. */
function writeFileRuns(input: SarifInputFile, runs: RunRatings[], ctx: Ctx): void {
  let fd: number;
  try {
    fd = openSync(input.path, 'r');
  } catch (err) {
    throw changed(input, `it cannot be read any more: ${errorMessage(err)}`);
  }
  try {
    const st = fstatSync(fd);
    if (input.dev !== undefined && input.ino !== undefined && (st.dev !== input.dev || st.ino !== input.ino)) {
      throw changed(input, 'another file is now in its place');
    }
    if (st.size !== input.size || st.mtimeMs !== input.mtimeMs) {
      throw changed(input, st.size !== input.size ? `${input.size} bytes when read, ${st.size} now` : 'modified since it was read');
    }
    const r = new Reader(fdBytes(fd), st.size, ctx.chunk);
    r.skipBom();
    if (r.peek() !== 0x7b) return; // not a log object: no runs (as buildRatedSarif)
    const start = { mark: ctx.out.mark(), runs: ctx.runsWritten };
    r.object((key) => {
      if (key !== 'runs') {
        r.skip();
        return;
      }
      // A repeated `runs` replaces the earlier one, as it did when the file was read.
      ctx.out.rewind(start.mark);
      ctx.runsWritten = start.runs;
      if (r.peek() !== 0x5b) {
        r.skip();
        return;
      }
      r.array((ri) => writeRun(r, input.file, runs[ri], ctx));
    });
  } catch (err) {
    if (err instanceof JsonSyntax) throw changed(input, `no longer valid JSON at byte ${err.at}`);
    throw err;
  } finally {
    closeSync(fd);
  }
}

/** Writes one run (the reader is at its value): members copied, except results, tool and properties. */
function writeRun(r: Reader, file: string, rated: RunRatings | undefined, ctx: Ctx): void {
  if (r.peek() !== 0x7b) {
    r.skip(); // not a run object: left out (as buildRatedSarif)
    return;
  }
  const sink: Sink = ctx.plan.pretty ? new TextSink() : ctx.out;
  sink.text(ctx.runsWritten++ > 0 ? ',{' : '{');
  let members = 0;
  let hasProperties = false;
  r.object((key) => {
    sink.text(`${members++ > 0 ? ',' : ''}${JSON.stringify(key)}:`);
    if (key === 'results' && r.peek() === 0x5b) {
      sink.text('[');
      r.array((i) => {
        if (i > 0) sink.text(',');
        if (rated && i < rated.rank.length && rated.rank[i] !== NOT_RATED && r.peek() === 0x7b) writeResult(r, rated, i, ctx, sink);
        else copyValue(r, sink, 4);
      });
      sink.text(']');
    } else if (key === 'tool') {
      sink.text(stringify(redactJson(toolWithScores(r.value(), rated?.ruleScores ?? new Map())).value, 3));
    } else if (key === 'properties') {
      hasProperties = true;
      sink.text(stringify(runProperties(redactJson(r.value()).value, file), 3));
    } else {
      copyValue(r, sink, 3);
    }
  });
  if (!hasProperties) sink.text(`${members > 0 ? ',' : ''}"properties":${stringify(runProperties(undefined, file), 3)}`);
  sink.text('}');
  if (sink instanceof TextSink) {
    // Small outputs only: the run is re-indented as a whole (depth-limited, as ingest keeps documents).
    const text = sink.parts.join('');
    const lead = text.startsWith(',') ? ',' : '';
    const run = pruneDeep(JSON.parse(text.slice(lead.length)) as unknown, MAX_DOCUMENT_DEPTH - 2);
    ctx.out.text(`${lead}\n    ${indented(JSON.stringify(run, null, 2), '    ')}`);
  }
}

const WS = new Uint8Array(256);
for (const c of [0x20, 0x09, 0x0a, 0x0d]) WS[c] = 1;

/**
 * Writes one rated result (the reader is at its `{`): its text as in the file, with the values of `level` and
 * `properties` replaced by the rated ones (added at the end when absent). The result is scanned once, for its outline
 * (`skip` with member bounds); only its `properties` value is parsed.
 */
function writeResult(r: Reader, rated: RunRatings, i: number, ctx: Ctx, sink: Sink): void {
  const { plan } = ctx;
  const rank = rated.rank[i] as number;
  const flags = rated.flags[i] as number;
  const level = flags & FAILURE ? plan.sarifLevels[rank] : undefined;
  const rating: ResultRating = {
    severity: plan.levels[rank] as string,
    fingerprint: flags & HEX ? fingerprintBytes(rated).toString('hex', i * 16, i * 16 + 16) : (rated.otherFingerprints.get(i) as string),
    blocking: (flags & BLOCKING) !== 0,
    notGated: rated.notGated[i] ? plan.reasons[(rated.notGated[i] as number) - 1] : undefined,
    score: plan.scores[rank] as string,
  };
  const bounds: number[] = [];
  const read = r.skipShort(bounds);
  if ('value' in read) {
    // A string too long to hold: the result as ingest read it (its long strings cut, never held whole), rated.
    const res = read.value as sarif.Result;
    redactJson(res, { secret: (flags & SECRET) !== 0 });
    sink.text(stringify(withRatingResult(res, rating, level), 4));
    return;
  }
  const [start, end] = read.range;
  const obj = r.bytes(start, end);
  const cut = cutLong(obj);
  if (cut !== undefined) {
    // A string longer than MAX_STRING (rare): rated through the parsed form of the cut text, as buildRatedSarif sees it.
    const res = JSON.parse(cut) as sarif.Result;
    redactJson(res, { secret: (flags & SECRET) !== 0 });
    sink.text(stringify(withRatingResult(res, rating, level), 4));
    return;
  }
  const utf8 = isUtf8(obj);
  if (!utf8 || flags & SECRET || jsonMayHoldSecret(obj)) {
    // Rare: rated through the parsed form, from the text as it was read (invalid sequences replaced), when it is not
    // UTF-8 or when a secret was redacted in it (a secret scanner's result, or a secret in any of its texts).
    const res = JSON.parse(obj.toString('utf8')) as sarif.Result;
    const redacted = redactJson(res, { secret: (flags & SECRET) !== 0 }).changed;
    if (redacted || !utf8) {
      sink.text(stringify(withRatingResult(res, rating, level), 4));
      return;
    }
    // Nothing to redact: copied as it is, below.
  }
  let from = 0;
  let hasProperties = false;
  let hasLevel = false;
  let members = 0;
  for (let k = 0; k + 1 < bounds.length; k++) {
    // A member: whitespace, "key", whitespace, ':', whitespace, value, whitespace (offsets into obj).
    let p = (bounds[k] as number) - start + 1;
    const q = (bounds[k + 1] as number) - start;
    while (p < q && WS[obj[p] as number] === 1) p++;
    if (p >= q || obj[p] !== 0x22) continue; // `{}`: no member
    members++;
    let j = p + 1;
    let escaped = false;
    while (j < q && obj[j] !== 0x22) {
      if (obj[j] === 0x5c) {
        escaped = true;
        j++;
      }
      j++;
    }
    if (j >= q) throw new JsonSyntax(start + p, 'unterminated property name'); // the file changed: checked when read
    const keyLength = j - p - 1;
    if (!escaped && keyLength !== 5 && keyLength !== 10) continue; // neither "level" nor "properties"
    const key = escaped ? (JSON.parse(obj.toString('utf8', p, j + 1)) as string) : obj.toString('latin1', p + 1, j);
    const isProperties = key === 'properties';
    if (!isProperties && !(key === 'level' && level)) continue;
    let vs = j + 1;
    while (vs < q && (WS[obj[vs] as number] === 1 || obj[vs] === 0x3a)) vs++;
    let ve = q;
    while (ve > vs && WS[obj[ve - 1] as number] === 1) ve--;
    sink.bytes(obj.subarray(from, vs));
    if (isProperties) {
      hasProperties = true;
      sink.text(ratedPropertiesText(obj, vs, ve, rating));
    } else {
      hasLevel = true;
      sink.text(JSON.stringify(level));
    }
    from = ve;
  }
  const close = (bounds[bounds.length - 1] as number) - start;
  sink.bytes(obj.subarray(from, close));
  let tail = '';
  if (!hasProperties) tail += `${members++ > 0 ? ',' : ''}"properties":{${ratingMembersJson(rating)}}`;
  if (level && !hasLevel) tail += `${members > 0 ? ',' : ''}"level":${JSON.stringify(level)}`;
  sink.text(`${tail}}`);
}

const OURS = [Buffer.from('"defect-gate/'), Buffer.from('"security-severity"')];

/**
 * A result's `properties` (its value is obj[vs, ve)) with the rating: the scanner's text with the rating members added
 * before its closing brace, unless it is not an object or already has members of those names (then parsed, as
 * `withRating` does).
 */
function ratedPropertiesText(obj: Buffer, vs: number, ve: number, rating: ResultRating): string {
  const own = obj.subarray(vs, ve);
  if (own[0] === 0x7b && own[own.length - 1] === 0x7d && !OURS.some((k) => own.includes(k))) {
    let last = own.length - 2;
    while (last > 0 && WS[own[last] as number] === 1) last--;
    const empty = last === 0;
    return `${own.toString('utf8', 0, own.length - 1)}${empty ? '' : ','}${ratingMembersJson(rating)}}`;
  }
  return stringify(withRating(JSON.parse(own.toString('utf8')) as unknown, rating), 5);
}

/**
 * JSON of a parsed member value at `depth` in the log (a run's members: 3, a result's: 5), cut where ingest cuts the
 * documents it keeps (MAX_DOCUMENT_DEPTH): JSON.stringify recurses.
 */
function stringify(v: unknown, depth: number): string {
  return JSON.stringify(typeof v === 'object' && v !== null ? pruneDeep(v, MAX_DOCUMENT_DEPTH - depth) : v) ?? 'null';
}
