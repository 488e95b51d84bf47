import { describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCheck } from '../src/check';
import { FileLedgerStore } from '../src/ledger/file-store';
import type { LedgerStore } from '../src/ledger/store';
import type { LedgerBook } from '../src/ledger/schema';
import { silentLogger } from '../src/logger';

// `check --ledger` rates the ingested findings in place (issue #21) and keeps copies of them as read for the rare
// write that finds the ledger changed since it was read (another run wrote it in between): that run is merged again
// into the latest book from the copies. The ledger it writes must be the one a run started after the other writer
// would have written: byte for byte, on real scanner files of the corpus.

const CORPUS = '__fixtures__/corpus/defectdojo';
const T = (d: number) => new Date(Date.parse('2026-03-01T06:00:00.000Z') + d * 86_400_000);

function workspace(): string {
  const ws = mkdtempSync(join(tmpdir(), 'dg-race-'));
  copyFileSync(`${CORPUS}/sarif/codeQL-output.sarif`, join(ws, 'codeql.sarif'));
  copyFileSync(`${CORPUS}/semgrep/close_old_findings_report_line31.json`, join(ws, 'semgrep.json'));
  // Day 2 of CodeQL: its first 3 results fixed (a fix, and entries changed and shared in the merge).
  const sarif = JSON.parse(readFileSync(`${CORPUS}/sarif/codeQL-output.sarif`, 'utf8')) as { runs: { results: unknown[] }[] };
  for (const run of sarif.runs) run.results = run.results.slice(3);
  writeFileSync(join(ws, 'codeql-2.sarif'), JSON.stringify(sarif));
  mkdirSync(join(ws, '.github'));
  writeFileSync(join(ws, '.github', 'CODEOWNERS'), '* @acme/security\n');
  return ws;
}

const check = (ws: string, file: string, store: LedgerStore, now: Date) =>
  runCheck({ files: [file], onInputError: 'warn', workspace: ws }, now, silentLogger, {
    ledger: { store, scope: 'default', write: true, runDate: {} },
  });

/** A store whose update first lets another run write the ledger (as a concurrent writer would, between read and write). */
class RacedStore implements LedgerStore {
  readonly describe: string;
  constructor(
    private readonly inner: FileLedgerStore,
    private readonly other: () => Promise<unknown>,
  ) {
    this.describe = inner.describe;
  }
  read(scope: string): Promise<LedgerBook | undefined> {
    return this.inner.read(scope);
  }
  async update(scope: string, apply: (book: LedgerBook) => LedgerBook): Promise<void> {
    await this.other();
    await this.inner.update(scope, apply);
  }
}

describe('check --ledger when another run wrote the ledger in between', () => {
  it('writes the ledger a run started after the other writer would have written', async () => {
    const clock = T(2);
    // Sequential: CodeQL day 0, Semgrep day 1, CodeQL day 2 (reading the ledger with Semgrep's run).
    const seq = workspace();
    const seqFile = join(seq, 'ledger.json');
    const seqStore = () => new FileLedgerStore(seqFile, () => clock, 'ledger.json');
    await check(seq, 'codeql.sarif', seqStore(), T(0));
    await check(seq, 'semgrep.json', seqStore(), T(1));
    const sequential = await check(seq, 'codeql-2.sarif', seqStore(), T(2));

    // Raced: CodeQL day 2 reads the ledger before Semgrep's run is written, and writes after it.
    const race = workspace();
    const raceFile = join(race, 'ledger.json');
    const raceStore = () => new FileLedgerStore(raceFile, () => clock, 'ledger.json');
    await check(race, 'codeql.sarif', raceStore(), T(0));
    let otherRan = false;
    const raced = await check(
      race,
      'codeql-2.sarif',
      new RacedStore(raceStore(), async () => {
        await check(race, 'semgrep.json', raceStore(), T(1));
        otherRan = true;
      }),
      T(2),
    );

    expect(otherRan).toBe(true);
    expect(raced.written.ledger).toBe(true);
    expect(sequential.result.fixed.length).toBeGreaterThan(0);
    const written = JSON.parse(readFileSync(raceFile, 'utf8')) as { books: { default: LedgerBook } };
    expect(
      Object.values(written.books.default.entries).filter((e) => e.tool === 'Semgrep OSS' || /semgrep/i.test(e.tool)).length,
    ).toBeGreaterThan(0);
    expect(readFileSync(raceFile, 'utf8')).toBe(readFileSync(seqFile, 'utf8'));
  });
});
