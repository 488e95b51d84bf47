import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { ingestText, type IngestedFile } from '../src/ingest/index';
import { ingestSarifFile } from '../src/ingest/stream';
import { runEngine } from '../src/engine';
import { buildReport } from '../src/report/json';
import { renderMarkdown } from '../src/report/markdown';
import { renderText } from '../src/report/text';
import { buildRatedSarif } from '../src/report/sarif';
import { writeRatedSarif } from '../src/io/rated-sarif';
import { MAX_DOCUMENT_DEPTH, pruneDeep } from '../src/ingest/index';
import { defaultPolicy } from './helpers';

/**
 * Mutation fuzzing of the real corpus: every mutated file must end in findings or InputErrors — never an uncaught
 * exception, a hang or prototype pollution — through ingest, rating, gate and every report.
 *
 * CI runs a fixed-seed few hundred cases; `npm run fuzz` (bench/fuzz.mjs) runs thousands with FUZZ_CASES / FUZZ_SEED.
 */

const CASES = Number(process.env.FUZZ_CASES ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? 20261125);
/** A generous per-case bound: a case this slow is a hang (speed is measured in the benchmark, not here). */
const CASE_LIMIT_MS = Number(process.env.FUZZ_CASE_LIMIT_MS ?? 10_000);

/** mulberry32: tiny seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : /\.(json|sarif|xml)$/i.test(f) && statSync(p).size < 2_000_000 ? [p] : [];
  });
}

const CORPUS = walk('__fixtures__/corpus').sort();

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

const WEIRD_LEAVES: unknown[] = [
  null,
  true,
  0,
  -1,
  1e308,
  -1e-308,
  9223372036854775807,
  2 ** 63,
  Number.MAX_SAFE_INTEGER + 2,
  '',
  ' ',
  '9223372036854775808',
  '__proto__',
  '../../../../etc/passwd',
  'file:///etc/passwd',
  '<img src=x onerror=alert(1)> @everyone **bold** [x](javascript:alert(1)) \u001b[31m\u202e',
  'x'.repeat(5000),
  [],
  {},
  [[[]]],
  { __proto__: null },
];

/** Collects [parent, key] pairs of the tree (capped), for picking a node to mutate. */
function slots(doc: unknown, max = 5000): [Record<string, unknown> | unknown[], string | number][] {
  const out: [Record<string, unknown> | unknown[], string | number][] = [];
  const stack: unknown[] = [doc];
  while (stack.length && out.length < max) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        out.push([v, i]);
        stack.push(x);
      });
    } else if (typeof v === 'object' && v !== null) {
      for (const k of Object.keys(v)) {
        out.push([v as Record<string, unknown>, k]);
        stack.push((v as Record<string, unknown>)[k]);
      }
    }
  }
  return out;
}

function setOwn(o: Record<string, unknown> | unknown[], k: string | number, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

function nest(depth: number, leaf: string, r: Rand): string {
  const obj = r() < 0.5;
  return (obj ? '{"a":' : '[').repeat(depth) + leaf + (obj ? '}' : ']').repeat(depth);
}

/** One mutation of a corpus file's text. Returns the new text and a label for failures. */
export function mutate(text: string, r: Rand): { text: string; op: string } {
  const isJson = /^\s*[[{]/.test(text);
  const ops = isJson
    ? ['truncate', 'typeSwap', 'typeSwap', 'wrongLeaf', 'deepNest', 'hugeNumber', 'invalidUtf8', 'proto', 'duplicateKey', 'bytes', 'drop']
    : ['truncate', 'invalidUtf8', 'bytes', 'xmlEntity', 'deepNest'];
  const op = pick(r, ops);
  switch (op) {
    case 'truncate':
      return { op, text: text.slice(0, Math.floor(r() * text.length)) };
    case 'invalidUtf8': {
      const b = Buffer.from(text, 'utf8');
      const at = Math.floor(r() * b.length);
      const junk = Buffer.from(pick(r, [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x00]]));
      return { op, text: Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]).toString('utf8') };
    }
    case 'bytes': {
      const chars = [...text];
      for (let i = 0; i < 1 + r() * 8; i++) chars[Math.floor(r() * chars.length)] = pick(r, ['{', '}', '[', ']', '"', ',', ':', '\\', '<', '>', '&', '0', '\n', '\u0000']);
      return { op, text: chars.join('') };
    }
    case 'xmlEntity':
      return {
        op,
        text: text.replace(
          /<\?xml[^>]*\?>/,
          (m) => `${m}<!DOCTYPE lolz [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">]>`,
        ),
      };
    default:
      break;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { op: 'truncate', text: text.slice(0, Math.floor(r() * text.length)) };
  }
  const ss = slots(doc);
  const slot = ss.length ? pick(r, ss) : undefined;
  switch (op) {
    case 'deepNest': {
      const depth = pick(r, [100, 1000, 5000]);
      if (!slot) return { op, text: nest(depth, '1', r) };
      setOwn(slot[0], slot[1], '\u0000NEST\u0000');
      return { op: `${op}@${String(slot[1])}`, text: JSON.stringify(doc).replace('"\\u0000NEST\\u0000"', nest(depth, '1', r)) };
    }
    case 'hugeNumber': {
      const n = pick(r, ['9223372036854775808', '18446744073709551616', '1e400', '-1e400', '123456789012345678901234567890', '1.5e-400', '-0']);
      if (slot) setOwn(slot[0], slot[1], '\u0000NUM\u0000');
      return { op: `${op}@${String(slot?.[1])}`, text: JSON.stringify(doc).replace('"\\u0000NUM\\u0000"', n) };
    }
    case 'proto': {
      const objs = ss.map(([p, k]) => (p as Record<string, unknown>)[k as string]).filter((v) => typeof v === 'object' && v !== null && !Array.isArray(v));
      const target = (objs.length ? pick(r, objs) : doc) as Record<string, unknown>;
      if (typeof target !== 'object' || target === null) return { op, text };
      setOwn(target, '__proto__', { polluted: 'yes', toString: 'x', runs: [], version: '2.1.0' });
      setOwn(target, 'constructor', { prototype: { polluted: 'yes' } });
      return { op, text: JSON.stringify(doc) };
    }
    case 'duplicateKey': {
      const s = JSON.stringify(doc);
      const at = s.indexOf('{', Math.floor(r() * s.length));
      if (at < 0) return { op, text: s };
      const key = pick(r, ['runs', 'results', 'version', 'Results', 'matches', 'vulnerabilities', 'tool', 'locations']);
      const val = JSON.stringify(pick(r, WEIRD_LEAVES));
      return { op: `${op}:${key}`, text: `${s.slice(0, at + 1)}"${key}":${val},${s.slice(at + 1)}` };
    }
    case 'drop':
      if (slot) {
        if (Array.isArray(slot[0])) slot[0].splice(slot[1] as number, 1);
        else delete slot[0][slot[1] as string];
      }
      return { op, text: JSON.stringify(doc) };
    case 'typeSwap':
    case 'wrongLeaf':
    default: {
      const n = op === 'typeSwap' ? 1 + Math.floor(r() * 4) : 10;
      for (let i = 0; i < n && ss.length; i++) {
        const [p, k] = pick(r, ss);
        const cur = (p as Record<string | number, unknown>)[k];
        if (op === 'wrongLeaf' && typeof cur === 'object' && cur !== null) continue;
        setOwn(p, k, pick(r, WEIRD_LEAVES));
      }
      return { op, text: JSON.stringify(doc) };
    }
  }
}

const protoKeys = () => [Object.getOwnPropertyNames(Object.prototype), Object.getOwnPropertyNames(Array.prototype)].map((x) => x.sort().join(','));

/** Runs one input through ingest, rating, gate and every report; throws on anything but findings/InputErrors. */
function stage<T>(name: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    throw new Error(`${name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

const TMP = mkdtempSync(join(tmpdir(), 'dg-fuzz-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

/** Runs one input through ingest, rating, gate and every report; throws on anything but findings/InputErrors. */
export function runCase(text: string, file: string): IngestedFile {
  const ingested = stage('ingestText', () => ingestText(text, { file, workspace: '/home/runner/work/app/app' }));
  for (const e of ingested.errors) {
    if (typeof e.message !== 'string' || e.message === '' || e.file !== file || !['fatal', 'partial', 'scanner'].includes(e.severity)) {
      throw new Error(`not a clear InputError: ${JSON.stringify(e)}`);
    }
  }
  if (ingested.errors.some((e) => e.severity === 'fatal') && ingested.findings.length > 0) throw new Error('fatal error but findings kept');
  const policy = defaultPolicy();
  const now = new Date('2026-11-25T12:00:00Z');
  const result = stage('runEngine', () => runEngine({ files: [ingested], policy, environment: 'production', onInputError: 'warn', now }));
  const report = stage('buildReport', () => buildReport(result, 'default.yml'));
  stage('report JSON', () => JSON.parse(JSON.stringify(report)));
  stage('renderMarkdown', () => renderMarkdown(result, { fullReport: 'report.json' }));
  stage('renderText', () => renderText(result, { color: true }));
  const docs = new Map<string, unknown>(ingested.document !== undefined ? [[file, ingested.document]] : []);
  const built = stage('buildRatedSarif', () => JSON.stringify(buildRatedSarif(result, policy, docs)));
  if (ingested.format === 'sarif') {
    // The rated SARIF as the check writes it, from the file: the same log (cut at the depth documents are cut).
    const path = join(TMP, 'input.sarif');
    writeFileSync(path, text);
    const st = statSync(path);
    const out = join(TMP, 'rated.sarif');
    stage('writeRatedSarif', () => writeRatedSarif(out, result, policy, [{ file, path, size: st.size, mtimeMs: st.mtimeMs }], 0));
    // (Numbers are compared as JavaScript writes them: the copied text keeps 1e400, a parsed document has Infinity.)
    const written = pruneDeep(JSON.parse(readFileSync(out, 'utf8')) as unknown, MAX_DOCUMENT_DEPTH);
    if (!isDeepStrictEqual(JSON.parse(JSON.stringify(written)), JSON.parse(built))) throw new Error('writeRatedSarif wrote another log than buildRatedSarif');
  }
  if (/^\s*\{/.test(text.replace(/^\uFEFF/, ''))) {
    // Streamed as check streams large files (the file read whole where streaming cannot take it): the same outcome.
    const path = join(TMP, 'streamed.sarif');
    writeFileSync(path, text);
    const ctx = { file, workspace: '/home/runner/work/app/app' };
    const whole = () => ingestText(text, ctx, undefined, undefined, { keepDocument: false });
    const chunkSize = text.length % 3 === 0 ? 61 : 1 << 22; // tiny reads for a third of the cases
    const streamed = stage('ingestSarifFile', () => ingestSarifFile(path, ctx, undefined, { fallback: whole, chunkSize }));
    const { document: _document, ...read } = ingested;
    if (!isDeepStrictEqual(JSON.parse(JSON.stringify(streamed)), JSON.parse(JSON.stringify(read)))) {
      throw new Error(`streamed ingest differs from the file read whole (chunks of ${chunkSize} bytes)`);
    }
  }
  for (const f of result.findings) {
    for (const n of [f.startLine, f.endLine, f.startColumn, f.securitySeverity]) {
      if (n !== undefined && (typeof n !== 'number' || !Number.isFinite(n) || (Number.isInteger(n) && !Number.isSafeInteger(n)))) {
        throw new Error(`unsafe number kept: ${String(n)}`);
      }
    }
  }
  return ingested;
}

describe(`fuzzing the corpus (${CASES} cases, seed ${SEED})`, () => {
  it('has corpus files', () => {
    expect(CORPUS.length).toBeGreaterThan(100);
  });

  it('every mutated file ends in findings or InputErrors: no exception, hang or prototype pollution', () => {
    const r = prng(SEED);
    const texts = new Map<string, string>();
    const before = protoKeys();
    const failures: string[] = [];
    const outcomes = { findings: 0, errors: 0 };
    for (let i = 0; i < CASES; i++) {
      const path = pick(r, CORPUS);
      const original = texts.get(path) ?? readFileSync(path, 'utf8');
      texts.set(path, original);
      let label = `#${i} ${path}`;
      let text = '';
      try {
        const m = mutate(original, r);
        label += ` ${m.op}`;
        text = m.text;
        const t0 = performance.now();
        const out = runCase(m.text, 'fuzz.input');
        const ms = performance.now() - t0;
        if (ms > CASE_LIMIT_MS) failures.push(`${label}: took ${ms.toFixed(0)} ms`);
        if (out.findings.length) outcomes.findings++;
        if (out.errors.length) outcomes.errors++;
      } catch (err) {
        if (process.env.FUZZ_DUMP) writeFileSync(`${process.env.FUZZ_DUMP}/case-${i}.txt`, text);
        failures.push(`${label}: ${err instanceof Error ? (err.stack ?? err.message).split('\n').slice(0, Number(process.env.FUZZ_STACK ?? 4)).join(' | ') : String(err)}`);
      }
      const after = protoKeys();
      if (after[0] !== before[0] || after[1] !== before[1] || ({} as Record<string, unknown>).polluted !== undefined) {
        failures.push(`${label}: prototype polluted: ${after[0]} ${after[1]}`);
        break;
      }
      if (failures.length >= 20) break;
    }
    expect(failures).toEqual([]);
    expect(outcomes.findings + outcomes.errors).toBeGreaterThan(0);
  }, 600_000);
});
