import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackdatedRunError, checkRunDate, CLOCK_SKEW_MS, withSnapshot } from '../src/ledger/track';
import { emptyBook, LedgerError, type LedgerBook, type LedgerFile, type RunSnapshot } from '../src/ledger/schema';
import { BranchLedgerStore } from '../src/ledger/branch-store';
import { reapply, runEngine, type EngineInput } from '../src/engine';
import { runCli } from '../src/cli';
import { parseNow } from '../src/cli/args';
import { defaultPolicy, finding } from './helpers';
import { FakeGit } from './support/fake-git';

/** Issue #14: a run dated before the ledger's last run is refused (both stores); `--now` takes only dates that exist. */

const snap = (at: string): RunSnapshot => ({
  at,
  environment: 'default',
  tools: ['T'],
  open: {},
  new: 0,
  fixed: 0,
  reopened: 0,
  slaBreached: 0,
  slaDueSoon: 0,
  verdict: 'pass',
});
const bookWithRuns = (...ats: string[]): LedgerBook => ({ entries: {}, runs: ats.map(snap) });
const MARCH = '2026-03-01T00:00:00.000Z';

describe("a run dated before the ledger's last run (pure merge)", () => {
  it('is refused with the dates and what to do; the same time or later is recorded', () => {
    const book = bookWithRuns('2026-01-01T00:00:00.000Z', MARCH);
    expect(() => checkRunDate(emptyBook(), new Date('2020-01-01'))).not.toThrow();
    expect(() => checkRunDate(book, new Date(MARCH))).not.toThrow();
    expect(() => checkRunDate(book, new Date('2026-03-01T00:00:00.001Z'))).not.toThrow();
    expect(() => checkRunDate(book, new Date('2026-02-28T23:59:59.999Z'))).toThrow(
      new BackdatedRunError(
        `run dated 2026-02-28T23:59:59.999Z is before the ledger's last run ${MARCH}; pass --allow-backdated to record it anyway`,
      ),
    );
    expect(() => checkRunDate(book, new Date('2026-02-01'))).toThrow(LedgerError);
    expect(() => checkRunDate(book, new Date('2026-02-01'), { allowBackdated: true })).not.toThrow();
  });

  it('compares with the latest run whatever the order of the snapshots', () => {
    expect(() => checkRunDate(bookWithRuns(MARCH, '2026-01-01T00:00:00.000Z'), new Date('2026-02-01'))).toThrow(
      /before the ledger's last run 2026-03-01T00:00:00.000Z/,
    );
  });

  it('a run dated by the clock is refused only when the ledger is ahead of the clock by more than the skew', () => {
    // Concurrent runs: one that started earlier may be written after one that started later.
    const book = bookWithRuns(MARCH);
    const runAt = new Date('2026-02-28T23:59:00Z');
    expect(() => checkRunDate(book, runAt, { clock: () => new Date('2026-03-01T00:00:01Z') })).not.toThrow();
    expect(() => checkRunDate(book, runAt, { clock: () => new Date(Date.parse(MARCH) - CLOCK_SKEW_MS) })).not.toThrow();
    expect(() => checkRunDate(book, runAt, { clock: () => new Date(Date.parse(MARCH) - CLOCK_SKEW_MS - 1) })).toThrow(
      /^ledger: run dated 2026-02-28T23:59:00.000Z is before the ledger's last run 2026-03-01T00:00:00.000Z, which is ahead of this machine's clock \(2026-02-28T23:54:59.999Z\); check the clocks/,
    );
  });

  it('a recorded backdated run is put in date order', () => {
    const book = withSnapshot(withSnapshot(bookWithRuns('2026-01-01T00:00:00.000Z', MARCH), snap('2026-02-01T00:00:00.000Z')), snap(MARCH));
    expect(book.runs.map((r) => r.at)).toEqual(['2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z', MARCH, MARCH]);
  });

  const input = (now: string, fps: string[], runDate?: EngineInput['runDate']): EngineInput => ({
    files: [{ file: 'x', findings: fps.map((fp) => finding({ fingerprint: fp })), errors: [], tools: [{ name: 'CodeQL' }] }],
    policy: defaultPolicy(),
    environment: 'default',
    onInputError: 'fail',
    now: new Date(now),
    ...(runDate ? { runDate } : {}),
  });

  it('the engine refuses it only for a run to be written (a read-only run may look back)', () => {
    const book = runEngine({ ...input(MARCH, ['a']), ledger: emptyBook() }).nextLedger;
    expect(() => runEngine({ ...input('2026-02-01', ['a'], {}), ledger: book })).toThrow(BackdatedRunError);
    expect(() => reapply(book, input('2026-02-01', [], {}))).toThrow(BackdatedRunError);
    expect(runEngine({ ...input('2026-02-01', ['a']), ledger: book }).findings[0]?.status).toBe('existing');
    // Allowed: recorded, in date order.
    expect(reapply(book, input('2026-02-01', ['a'], { allowBackdated: true })).runs.map((r) => r.at)).toEqual([
      '2026-02-01T00:00:00.000Z',
      MARCH,
    ]);
  });

  it('the branch store gets it too, against the latest book after a lost race', async () => {
    const git = new FakeGit();
    const repo = { owner: 'acme', repo: 'app' };
    const a = new BranchLedgerStore(git.request, repo, 'defect-gate-data', () => new Date());
    const b = new BranchLedgerStore(git.request, repo, 'defect-gate-data', () => new Date());
    await a.update('default', (book) => reapply(book, input('2026-01-01', ['base'], {})));
    await expect(a.update('default', (book) => reapply(book, input('2025-12-31', ['base'], {})))).rejects.toThrow(
      "run dated 2025-12-31T00:00:00.000Z is before the ledger's last run 2026-01-01T00:00:00.000Z; pass --allow-backdated",
    );
    // A writes a run of February; B, dated March, moves the branch first: A re-reads and is refused.
    let interleaved = false;
    git.beforeRequest = async (route) => {
      if (!interleaved && route === 'PATCH /repos/{owner}/{repo}/git/refs/{ref}') {
        interleaved = true;
        git.beforeRequest = undefined;
        await b.update('default', (book) => reapply(book, input(MARCH, ['base'], {})));
      }
    };
    await expect(a.update('default', (book) => reapply(book, input('2026-02-01', ['base'], {})))).rejects.toThrow(BackdatedRunError);
    expect(interleaved).toBe(true);
    expect((await a.read('default'))?.runs.map((r) => r.at)).toEqual(['2026-01-01T00:00:00.000Z', MARCH]);
  });
});

describe('CLI: --allow-backdated and --now', () => {
  let ws: string;
  beforeAll(() => {
    ws = mkdtempSync(join(tmpdir(), 'dg-dates-'));
    writeFileSync(
      join(ws, 'r.sarif'),
      JSON.stringify({
        version: '2.1.0',
        runs: [
          {
            tool: { driver: { name: 'T' } },
            results: [
              {
                ruleId: 'R',
                level: 'warning',
                message: { text: 'm' },
                locations: [{ physicalLocation: { artifactLocation: { uri: 'a.js' }, region: { startLine: 1 } } }],
              },
            ],
          },
        ],
      }),
    );
  });
  afterAll(() => rmSync(ws, { recursive: true, force: true }));

  async function cli(args: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, {
      stdout: (s) => (stdout += s),
      stderr: (s) => (stderr += s),
      cwd: ws,
      env: {},
      isTTY: false,
      now: () => new Date('2026-11-25T12:00:00Z'),
    });
    return { code, stdout, stderr };
  }
  const runsOf = (file: string) => (JSON.parse(readFileSync(join(ws, file), 'utf8')) as LedgerFile).books.default?.runs.map((r) => r.at);

  it('refuses to write a run dated before the last one (exit 2, ledger unchanged) unless --allow-backdated', async () => {
    expect((await cli(['check', 'r.sarif', '--ledger', 'file:l.json', '--now', '2026-03-01'])).code).toBe(0);
    const before = readFileSync(join(ws, 'l.json'), 'utf8');
    const refused = await cli(['check', 'r.sarif', '--ledger', 'file:l.json', '--now', '2026-02-01']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `defect-gate: ledger: run dated 2026-02-01T00:00:00.000Z is before the ledger's last run ${MARCH}; pass --allow-backdated to record it anyway\n`,
    );
    expect(refused.stdout).toBe('');
    expect(readFileSync(join(ws, 'l.json'), 'utf8')).toBe(before);
    // Read-only runs may look back (SLA what-ifs); the same date again is not backdated.
    expect((await cli(['check', 'r.sarif', '--ledger', 'file:l.json', '--ledger-read-only', '--now', '2026-02-01'])).code).toBe(0);
    expect((await cli(['check', 'r.sarif', '--ledger', 'file:l.json', '--now', '2026-03-01'])).code).toBe(0);
    const allowed = await cli(['check', 'r.sarif', '--ledger', 'file:l.json', '--now', '2026-02-01', '--allow-backdated']);
    expect(allowed.code).toBe(0);
    expect(runsOf('l.json')).toEqual(['2026-02-01T00:00:00.000Z', MARCH, MARCH]);
    // Without --now the run is dated by the clock (2026-11-25), after the last run.
    expect((await cli(['check', 'r.sarif', '--ledger', 'file:l.json'])).code).toBe(0);
    expect(runsOf('l.json')?.at(-1)).toBe('2026-11-25T12:00:00.000Z');
    expect((await cli(['check', 'r.sarif', '--allow-backdated'])).stderr).toContain('--allow-backdated needs --ledger file:PATH');
  });

  it("a clock behind the ledger's last run by more than the skew is refused too", async () => {
    expect((await cli(['check', 'r.sarif', '--ledger', 'file:future.json', '--now', '2026-12-31'])).code).toBe(0);
    const r = await cli(['check', 'r.sarif', '--ledger', 'file:future.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "run dated 2026-11-25T12:00:00.000Z is before the ledger's last run 2026-12-31T00:00:00.000Z, which is ahead of this machine's clock (2026-11-25T12:00:00.000Z)",
    );
  });

  const bad = [
    '2026-02-30',
    '2026-13-01',
    '2026-01-01T24:00:61',
    '2026-01-01T24:00:00Z',
    '2026-02-29',
    '2026-04-31',
    '2026-00-10',
    '2026-01-00',
    '2026-01-01T12:60Z',
    '2026-01-01T23:59:60Z',
    '2026-01-01T12:00+24:00',
    'tomorrow',
    '42',
    '2026-1-1',
    '',
  ];
  const good: [string, string][] = [
    ['2028-02-29', '2028-02-29T00:00:00.000Z'],
    ['2000-02-29', '2000-02-29T00:00:00.000Z'],
    ['2026-12-31', '2026-12-31T00:00:00.000Z'],
    ['2026-12-31T23:59:59Z', '2026-12-31T23:59:59.000Z'],
    ['2026-12-31T23:59:59.999Z', '2026-12-31T23:59:59.999Z'],
    ['2026-01-01T00:00:00+14:00', '2025-12-31T10:00:00.000Z'],
  ];

  it('--now takes dates and times that exist, the check of ledger and scanner times', () => {
    for (const v of bad)
      expect([v, parseNow(v, new Date(0))]).toEqual([
        v,
        expect.stringContaining(`invalid --now "${v}": expected an ISO 8601 date or time that exists`),
      ]);
    for (const [v, iso] of good) expect([v, (parseNow(v, new Date(0)) as Date).toISOString()]).toEqual([v, iso]);
  });

  it('an impossible --now is a usage error of every command that takes it', async () => {
    for (const args of [
      ['check', 'r.sarif'],
      ['exceptions'],
      ['report', '--ledger', 'file:l.json'],
      ['policy', 'validate'],
      ['explain', '--rule', '*', 'r.sarif'],
    ]) {
      for (const v of ['2026-02-30', '2026-13-01', '2026-01-01T24:00:61']) {
        const r = await cli([...args, '--now', v]);
        expect([args[0], v, r.code, r.stderr]).toEqual([args[0], v, 2, expect.stringContaining(`invalid --now "${v}"`)]);
      }
    }
    expect((await cli(['check', 'r.sarif', '--now', '2028-02-29'])).code).toBe(0);
  });
});
