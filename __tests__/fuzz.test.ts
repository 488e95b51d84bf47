import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { ingestText, type IngestedFile } from '../src/ingest/index';
import { ingestSarifFile } from '../src/io/file-bytes';
import { runEngine } from '../src/engine';
import { buildReport } from '../src/report/json';
import { renderMarkdown } from '../src/report/markdown';
import { renderText } from '../src/report/text';
import { buildRatedSarif } from '../src/report/sarif';
import { writeRatedSarif } from '../src/io/rated-sarif';
import { MAX_DOCUMENT_DEPTH, pruneDeep } from '../src/ingest/index';
import { defaultPolicy } from './helpers';
import { mutate, pick, prng, walk } from './support/mutate';

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

const CORPUS = walk('__fixtures__/corpus').sort();

const protoKeys = () =>
  [Object.getOwnPropertyNames(Object.prototype), Object.getOwnPropertyNames(Array.prototype)].map((x) => x.sort().join(','));

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
    if (!isDeepStrictEqual(JSON.parse(JSON.stringify(written)), JSON.parse(built)))
      throw new Error('writeRatedSarif wrote another log than buildRatedSarif');
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
        failures.push(
          `${label}: ${
            err instanceof Error
              ? (err.stack ?? err.message)
                  .split('\n')
                  .slice(0, Number(process.env.FUZZ_STACK ?? 4))
                  .join(' | ')
              : String(err)
          }`,
        );
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
