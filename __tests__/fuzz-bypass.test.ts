import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readInputs } from '../src/check';
import { runEngine, type RunResult } from '../src/engine';
import { formatIds } from '../src/ingest/index';
import { silentLogger } from '../src/logger';
import { defaultPolicy } from './helpers';
import { bypassMutate, documentedAbsence } from './support/bypass';
import { pick, prng, walk } from './support/mutate';

/**
 * Bypass fuzzing: files of the real corpus mutated toward each fail-closed class (README "Fail closed"), read the way
 * `check` reads them (from a workspace, gzip and forced formats included, whole or streamed) and judged by the default
 * policy's production gate. A mutated file must never get a better verdict than the original without an input error;
 * a mutation that keeps every finding (gzip, BOM, escaped or reordered keys) must give the same outcome or an error;
 * a duplicate key, a scan that says it did not complete, a SARIF log without runs, an XML entity declaration and a
 * UTF-16 file are always input errors.
 *
 * CI runs a fixed seed; `npm run fuzz` runs thousands of cases (FUZZ_CASES / FUZZ_SEED).
 */

const CASES = Number(process.env.FUZZ_CASES ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const CORPUS = walk('__fixtures__/corpus').sort();
const FORMATS = formatIds();
const RANK = { pass: 0, warn: 1, fail: 2 } as const;
const MUST_ERROR = /^(duplicateKey|incomplete|noRuns|utf16|xmlEntity)/;

const TMP = mkdtempSync(join(tmpdir(), 'dg-bypass-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

interface Outcome {
  rank: number;
  status: string;
  gated: number;
  blocking: number;
  inputErrors: string[];
  format?: string;
}

let n = 0;
/** Reads one file's bytes as `check` does, in a workspace of its own, and judges it with the production gate. */
async function judge(bytes: Buffer, name: string, format: string | undefined, stream: boolean): Promise<Outcome> {
  const ws = join(TMP, `ws${n++}`);
  mkdirSync(join(ws, 'reports'), { recursive: true });
  writeFileSync(join(ws, 'reports', name), bytes);
  const read = await readInputs(
    {
      files: ['reports'],
      workspace: ws,
      onInputError: 'warn',
      formatOverrides: format ? [{ glob: '**', format }] : [],
      streamThreshold: stream ? 0 : undefined,
    },
    silentLogger,
  );
  const result: RunResult = runEngine({
    files: read.files,
    policy: defaultPolicy(),
    environment: 'production',
    onInputError: 'warn',
    now: new Date('2026-12-01T12:00:00Z'),
  });
  rmSync(ws, { recursive: true, force: true });
  const errors = [...read.errors, ...result.errors].filter((e) => e.severity !== 'scanner');
  return {
    rank: RANK[result.verdict.status],
    status: result.verdict.status,
    gated: result.counts.gated,
    blocking: result.counts.blocking,
    inputErrors: errors.map((e) => `${e.file}: ${e.message}`),
    format: read.files[0]?.format,
  };
}

describe(`bypass fuzzing of the corpus (${CASES} cases, seed ${SEED})`, () => {
  it('has corpus files that fail the production gate', async () => {
    expect(CORPUS.length).toBeGreaterThan(100);
    let failing = 0;
    for (const p of CORPUS.slice(0, 40)) if ((await judge(readFileSync(p), 'in.json', undefined, false)).status === 'fail') failing++;
    expect(failing).toBeGreaterThan(5);
  });

  it('no mutation gets a better verdict (or, keeping the findings, another outcome) without an input error', async () => {
    const r = prng(SEED);
    const baselines = new Map<string, { text: string; outcome: Outcome }>();
    const failures: string[] = [];
    const tally = { cases: 0, errors: 0, same: 0, worse: 0, documented: 0 };
    for (let i = 0; i < CASES && failures.length < 20; i++) {
      const path = pick(r, CORPUS);
      const name = path.replace(/^.*\//, '');
      let base = baselines.get(path);
      if (!base) {
        const text = readFileSync(path, 'utf8');
        base = { text, outcome: await judge(Buffer.from(text, 'utf8'), name, undefined, false) };
        baselines.set(path, base);
      }
      // Files the original already cannot read say nothing about bypasses.
      if (base.outcome.inputErrors.length) continue;
      const m = bypassMutate(base.text, r, FORMATS, base.outcome.format);
      const stream = r() < 0.3;
      const label = `#${i} ${path} ${m.op}${stream ? ' (streamed)' : ''}`;
      let out: Outcome;
      try {
        out = await judge(m.bytes, name, m.format, stream);
      } catch (err) {
        failures.push(`${label}: threw ${err instanceof Error ? err.message : String(err)}`);
        continue;
      }
      tally.cases++;
      const errored = out.inputErrors.length > 0;
      if (errored) tally.errors++;
      else if (out.rank === base.outcome.rank) tally.same++;
      else if (out.rank > base.outcome.rank) tally.worse++;
      if (errored) continue;
      const was = `${base.outcome.status} (${base.outcome.gated} gated, ${base.outcome.blocking} blocking)`;
      const now = `${out.status} (${out.gated} gated, ${out.blocking} blocking)`;
      if (MUST_ERROR.test(m.op)) failures.push(`${label}: no input error (${was} → ${now})`);
      // A container the format leaves out (or writes null) when it has nothing: a clean report, not a bypass (see
      // DOCUMENTED_ABSENCES in support/bypass.ts for each entry's reason).
      else if (out.rank < base.outcome.rank && documentedAbsence(base.outcome.format, m.op)) tally.documented++;
      else if (out.rank < base.outcome.rank) failures.push(`${label}: bypass: ${was} → ${now} without an input error`);
      else if (
        m.preserving &&
        (out.rank !== base.outcome.rank || out.gated !== base.outcome.gated || out.blocking !== base.outcome.blocking)
      ) {
        failures.push(`${label}: the same findings gave another outcome: ${was} → ${now}`);
      }
    }
    expect(failures).toEqual([]);
    // The oracle judged cases (not only skipped ones), and the mutations reached the error paths.
    expect(tally.cases).toBeGreaterThan(CASES / 3);
    expect(tally.errors).toBeGreaterThan(0);
  }, 600_000);
});
