import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestText, type IngestedFile } from '../src/ingest/index';
import { runEngine } from '../src/engine';
import { buildReport } from '../src/report/json';
import { renderMarkdown } from '../src/report/markdown';
import { renderText } from '../src/report/text';
import { FileLedgerStore } from '../src/ledger/file-store';
import { emptyBook, LEDGER_VERSION, LedgerFormatError, type LedgerBook } from '../src/ledger/schema';
import { computeMetrics } from '../src/metrics/compute';
import { renderMetricsMarkdown } from '../src/metrics/markdown';
import { compilePolicy, type Policy } from '../src/policy/compile';
import { parsePolicy, PolicyLoadError } from '../src/policy/load';
import { UnknownEnvironmentError } from '../src/gate/gate';
import YAML from 'yaml';
import { defaultPolicy } from './helpers';
import { mutate, pick, prng } from './support/mutate';

/**
 * Mutation fuzzing of the other files a check reads besides scanner outputs: ledgers (JSON, written by defect-gate but
 * stored where anyone with push access can edit them) and policies (YAML, edited by people). Every case ends in that
 * file's own clear error (LedgerFormatError, PolicyLoadError, UnknownEnvironmentError) or in a run whose reports and
 * metrics can be made — never another exception.
 *
 * CI runs a fixed seed; `npm run fuzz -- CASES SEED` runs this file with the scanner-file fuzzer.
 */

const CASES = Math.max(50, Math.round(Number(process.env.FUZZ_CASES ?? 300) / 2));
const SEED = Number(process.env.FUZZ_SEED ?? 20261125);
const TMP = mkdtempSync(join(tmpdir(), 'dg-fuzz-files-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const T0 = new Date('2026-10-01T00:00:00Z');
const DAY = 86_400_000;
const at = (days: number) => new Date(T0.getTime() + days * DAY);
const ingest = (path: string): IngestedFile => ingestText(readFileSync(path, 'utf8'), { file: path, workspace: '/ws' });
const SCANS = ['__fixtures__/corpus/defectdojo/sarif/codeQL-output.sarif', '__fixtures__/corpus/defectdojo/sarif/cxf-3.4.6.sarif'].map(
  ingest,
);

/** A real ledger book: findings opened, some fixed, some reopened, with run snapshots. */
function realBook(policy: Policy): LedgerBook {
  let book: LedgerBook | undefined;
  const runs: IngestedFile[][] = [
    SCANS,
    [SCANS[0] as IngestedFile, { ...(SCANS[1] as IngestedFile), findings: (SCANS[1] as IngestedFile).findings.slice(5) }],
    SCANS,
  ];
  runs.forEach((files, i) => {
    const copies = files.map((f) => ({ ...f, findings: f.findings.map((x) => ({ ...x })) }));
    book = runEngine({
      files: copies,
      policy,
      environment: 'production',
      onInputError: 'warn',
      now: at(i * 10),
      ledger: book ?? emptyBook(),
      run: { event: 'push', sha: `${i}` },
    }).nextLedger;
  });
  return book as LedgerBook;
}

/** A check and everything made from it: reports, and the metrics of its ledger. */
function runAll(policy: Policy, environment: string, ledger: LedgerBook | undefined): void {
  const files = SCANS.map((f) => ({ ...f, findings: f.findings.map((x) => ({ ...x })) }));
  const result = runEngine({ files, policy, environment, onInputError: 'warn', now: at(40), ...(ledger ? { ledger } : {}) });
  JSON.stringify(buildReport(result, 'policy.yml'));
  renderMarkdown(result, { fullReport: 'report.json' });
  renderText(result, { color: false });
  const metrics = computeMetrics(result.nextLedger, {
    now: at(40),
    levels: policy.levels,
    sla: policy.sla,
    exceptions: policy.exceptions.entries,
  });
  renderMetricsMarkdown(metrics);
}

/**
 * Runs `CASES` mutations of `pick(r)` through `run`; returns the failures (anything but the file's own clear error,
 * dumped to $FUZZ_DUMP when set) and how many cases ran through.
 */
async function fuzz(
  kind: string,
  seed: number,
  pickText: (r: () => number) => string,
  run: (text: string) => unknown,
  clear: (err: unknown) => boolean,
): Promise<{ failures: string[]; ran: number }> {
  const r = prng(seed);
  const failures: string[] = [];
  let ran = 0;
  for (let i = 0; i < CASES && failures.length < 20; i++) {
    const m = mutate(pickText(r), r);
    try {
      await run(m.text);
      ran++;
    } catch (err) {
      if (clear(err)) continue;
      if (process.env.FUZZ_DUMP) writeFileSync(join(process.env.FUZZ_DUMP, `${kind}-${i}.txt`), m.text);
      failures.push(
        `#${i} ${m.op}: ${err instanceof Error ? (err.stack ?? err.message).split('\n').slice(0, 4).join(' | ') : String(err)}`,
      );
    }
  }
  return { failures, ran };
}

describe(`fuzzing ledgers and policies (${CASES} cases each, seed ${SEED})`, () => {
  const policy = defaultPolicy();

  it('a mutated ledger is read as a ledger or refused with a LedgerFormatError; a readable one runs', async () => {
    const book = realBook(policy);
    expect(Object.keys(book.entries).length).toBeGreaterThan(50);
    expect(Object.values(book.entries).some((e) => e.reopenedCount > 0)).toBe(true);
    const text = JSON.stringify({
      schema: 'defect-gate-ledger',
      version: LEDGER_VERSION,
      updatedAt: at(30).toISOString(),
      books: { default: book },
    });
    const path = join(TMP, 'ledger.json');
    const store = new FileLedgerStore(path, () => at(40));
    const { failures, ran } = await fuzz(
      'ledger',
      SEED,
      () => text,
      async (mutated) => {
        writeFileSync(path, mutated);
        runAll(policy, 'production', await store.read('default'));
      },
      (err) => err instanceof LedgerFormatError,
    );
    expect(failures).toEqual([]);
    expect(ran).toBeGreaterThan(0);
  }, 600_000);

  it('a mutated policy loads or is refused with a PolicyLoadError; a loaded one runs in (up to three of) its gate profiles', async () => {
    const texts = [
      'policies/default.yml',
      'policies/examples/regulated.yml',
      'policies/examples/small-team.yml',
      'policies/examples/kev-first.yml',
    ].map((p) => readFileSync(p, 'utf8'));
    // As JSON (YAML 1.2 reads JSON) so the structural mutations apply, and as YAML text for the textual ones.
    const docs = texts.map((t) => JSON.stringify(YAML.parse(t) as unknown));
    const { failures, ran } = await fuzz(
      'policy',
      SEED ^ 'policy'.length,
      (r) => pick(r, r() < 0.5 ? docs : texts),
      (mutated) => {
        const p = compilePolicy(parsePolicy(mutated, 'policy.yml'));
        for (const env of Object.keys(p.gates).slice(0, 3)) runAll(p, env, undefined);
      },
      (err) => err instanceof PolicyLoadError || err instanceof UnknownEnvironmentError,
    );
    expect(failures).toEqual([]);
    expect(ran).toBeGreaterThan(0);
  }, 600_000);
});
