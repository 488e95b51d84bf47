import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeSla, DAY_MS } from '../src/ledger/sla';
import { trackRun } from '../src/ledger/track';
import { emptyBook, migrateLedger, LedgerFormatError, type LedgerBook } from '../src/ledger/schema';
import { FileLedgerStore } from '../src/ledger/file-store';
import { BranchLedgerStore, shardEntries } from '../src/ledger/branch-store';
import { parseLedgerSpec } from '../src/ledger/store';
import { runEngine, reapply, type EngineInput } from '../src/engine';
import { ingestText } from '../src/ingest/index';
import { rateAll } from '../src/rate/rate';
import type { IngestedFile } from '../src/ingest/index';
import type { SlaSettings } from '../src/policy/compile';
import { BASE_POLICY, defaultPolicy, finding, policyFrom } from './helpers';
import { FakeGit } from './support/fake-git';

const SLA: SlaSettings = { days: { critical: 7, high: 30, medium: 90, low: 180 }, dueSoon: { percent: 25 }, restartOnReopen: false };
const T0 = new Date('2026-01-01T00:00:00Z');
const at = (days: number) => new Date(T0.getTime() + days * DAY_MS);

describe('SLA clock', () => {
  it('is due first seen + the days of the current severity', () => {
    const s = computeSla({ severity: 'high', firstSeen: T0.toISOString() }, SLA, at(10));
    expect(s).toEqual({
      days: 30,
      start: T0.toISOString(),
      due: at(30).toISOString(),
      state: 'within',
      daysLeft: 20,
      reason: 'first seen 2026-01-01 + 30 days (high)',
    });
  });

  it('is due soon within the due-soon share (25% of 30 days = 7.5 days), then breached', () => {
    expect(computeSla({ severity: 'high', firstSeen: T0.toISOString() }, SLA, at(22))?.state).toBe('within');
    expect(computeSla({ severity: 'high', firstSeen: T0.toISOString() }, SLA, at(23))?.state).toBe('due-soon');
    const late = computeSla({ severity: 'high', firstSeen: T0.toISOString() }, SLA, at(31.5));
    expect(late?.state).toBe('breached');
    expect(late?.daysLeft).toBe(-1); // 1.5 days overdue: 1 whole day (docs/metrics.md: ⌊(now − due) / 1 day⌋)
  });

  it('supports due-soon in days', () => {
    const sla = { ...SLA, dueSoon: { days: 3 } };
    expect(computeSla({ severity: 'critical', firstSeen: T0.toISOString() }, sla, at(3.9))?.state).toBe('within');
    expect(computeSla({ severity: 'critical', firstSeen: T0.toISOString() }, sla, at(4))?.state).toBe('due-soon');
  });

  it('has no clock for a level without SLA days', () => {
    expect(computeSla({ severity: 'info', firstSeen: T0.toISOString() }, SLA, at(1000))).toBeUndefined();
  });

  it('is capped by an earlier KEV due date', () => {
    const s = computeSla({ severity: 'medium', firstSeen: T0.toISOString(), kevDueDate: '2026-01-15' }, SLA, at(20));
    expect(s?.due).toBe('2026-01-15T00:00:00.000Z');
    expect(s?.state).toBe('breached');
    expect(s?.reason).toMatch(/^CISA KEV due date 2026-01-15/);
  });

  it('restarts on reopen only when the policy says so', () => {
    const input = { severity: 'critical', firstSeen: T0.toISOString(), reopenedAt: at(100).toISOString() };
    expect(computeSla(input, SLA, at(101))?.state).toBe('breached');
    expect(computeSla(input, { ...SLA, restartOnReopen: true }, at(101))?.state).toBe('within');
  });
});

describe('tracking a run against the ledger', () => {
  const p = defaultPolicy();
  const run = (findings: ReturnType<typeof finding>[], book: LedgerBook, now: Date, tools = ['CodeQL']) =>
    trackRun({ findings: rateAll(findings, p), book, toolsRan: tools, sla: p.sla, now });

  it('new → existing → fixed → reopened, with first seen kept and history recorded', () => {
    const a = finding({ fingerprint: 'a', level: 'error' });
    const r1 = run([a], emptyBook(), at(0));
    expect(r1.findings[0]?.status).toBe('new');
    expect(r1.findings[0]?.firstSeen).toBe(at(0).toISOString());
    const r2 = run([a], r1.next, at(5));
    expect(r2.findings[0]?.status).toBe('existing');
    expect(r2.findings[0]?.firstSeen).toBe(at(0).toISOString());
    expect(r2.findings[0]?.sla?.daysLeft).toBe(25);
    const r3 = run([], r2.next, at(6));
    expect(r3.fixed.map((f) => [f.fingerprint, f.fixedAt])).toEqual([['a', at(6).toISOString()]]);
    expect(r3.next.entries.a?.state).toBe('fixed');
    const r4 = run([a], r3.next, at(9));
    expect(r4.findings[0]?.status).toBe('reopened');
    expect(r4.next.entries.a?.reopenedCount).toBe(1);
    expect(r4.next.entries.a?.events.map((e) => e.type)).toEqual(['opened', 'fixed', 'reopened']);
  });

  it('a scanner that did not run fixes nothing', () => {
    const r1 = run([finding({ fingerprint: 'a' })], emptyBook(), at(0));
    const r2 = run([], r1.next, at(1), ['Semgrep']);
    expect(r2.fixed).toEqual([]);
    expect(r2.next.entries.a?.state).toBe('open');
  });

  it('a severity change recomputes the due date from first seen', () => {
    const r1 = run([finding({ fingerprint: 'a', level: 'warning' })], emptyBook(), at(0));
    expect(r1.findings[0]?.sla?.due).toBe(at(90).toISOString());
    const r2 = run([finding({ fingerprint: 'a', securitySeverity: 9.8 })], r1.next, at(10));
    expect(r2.findings[0]?.severity).toBe('critical');
    expect(r2.findings[0]?.sla).toMatchObject({ due: at(7).toISOString(), state: 'breached', daysLeft: -3 });
    expect(r2.next.entries.a?.events.map((e) => [e.type, e.severity])).toEqual([
      ['opened', 'medium'],
      ['severity', 'critical'],
    ]);
  });

  it('starts the clock at the scanner first-detection time when earlier', () => {
    const r = run([finding({ fingerprint: 'a', level: 'error', firstDetected: at(-40).toISOString() })], emptyBook(), at(0));
    expect(r.findings[0]?.status).toBe('new');
    expect(r.findings[0]?.firstSeen).toBe(at(-40).toISOString());
    expect(r.findings[0]?.sla?.state).toBe('breached');
  });
});

describe('identity across rescans (real corpus pairs)', () => {
  const read = (p: string) => readFileSync(`__fixtures__/corpus/defectdojo/${p}`, 'utf8');
  const engine = (file: IngestedFile, ledger: LedgerBook | undefined, now: Date) =>
    runEngine({ files: [file], policy: defaultPolicy(), environment: 'default', onInputError: 'warn', now, ...(ledger ? { ledger } : {}) });

  it('Semgrep: the finding moved from line 31 to line 24 keeps its identity', () => {
    const first = ingestText(read('semgrep/close_old_findings_report_line31.json'), { file: 'a.json' });
    const second = ingestText(read('semgrep/close_old_findings_report_second_run_line24.json'), { file: 'b.json' });
    expect(first.findings[0]?.startLine).toBe(31);
    expect(second.findings[0]?.startLine).toBe(24);
    const r1 = engine(first, emptyBook(), at(0));
    const r2 = engine(second, r1.nextLedger, at(1));
    expect(r2.findings.map((f) => f.status)).toEqual(second.findings.map(() => 'existing'));
    expect(r2.fixed).toEqual([]);
  });

  it('ZAP: alerts present in both scans are existing, the others new or fixed', () => {
    const first = ingestText(read('zap/zap-results-first-scan.xml'), { file: 'a.xml' });
    const second = ingestText(read('zap/zap-results-second-scan.xml'), { file: 'b.xml' });
    const r1 = engine(first, emptyBook(), at(0));
    const r2 = engine(second, r1.nextLedger, at(1));
    const before = new Set(first.findings.map((f) => f.fingerprint));
    const after = new Set(second.findings.map((f) => f.fingerprint));
    const kept = [...after].filter((f) => before.has(f));
    expect(kept.length).toBeGreaterThan(0);
    expect(r2.findings.filter((f) => f.status === 'existing').length).toBe(kept.length);
    expect(r2.findings.filter((f) => f.status === 'new').length).toBe(after.size - kept.length);
    expect(r2.fixed.length).toBe([...before].filter((f) => !after.has(f)).length);
  });

  it('two different findings on one line stay two', () => {
    const sarif = JSON.stringify({
      version: '2.1.0',
      runs: [
        {
          tool: { driver: { name: 'T' } },
          results: ['A', 'B'].map((ruleId) => ({
            ruleId,
            message: { text: 'm' },
            locations: [{ physicalLocation: { artifactLocation: { uri: 'a.js' }, region: { startLine: 3 } } }],
          })),
        },
      ],
    });
    const r = engine(ingestText(sarif, { file: 's.sarif', sourceLine: () => 'eval(x)' }), emptyBook(), at(0));
    expect(new Set(r.findings.map((f) => f.fingerprint)).size).toBe(2);
  });
});

describe('gates on tracking', () => {
  const p = policyFrom(
    BASE_POLICY.replace(
      'gates:\n  default:\n    - {name: No critical, severity: critical}\n',
      `sla: {critical: 7, high: 30, medium: 90, low: 180, due-soon: 5}
gates:
  pull-request:
    - {name: No new high, new: true, severity: ">= high"}
  production:
    - {name: No high past SLA, sla: breached, severity: ">= high"}
    - {name: No regressions, status: reopened}
    - {name: Due soon, sla: due-soon, action: warn}
`,
    ),
  );
  const file = (findings: ReturnType<typeof finding>[]): IngestedFile => ({ file: 'x', findings, errors: [], tools: [{ name: 'CodeQL' }] });
  const input = (findings: ReturnType<typeof finding>[], ledger: LedgerBook, now: Date, environment: string): EngineInput => ({
    files: [file(findings)],
    policy: p,
    environment,
    onInputError: 'fail',
    now,
    ledger,
    pullRequest: environment === 'pull-request',
  });

  it('"no new high in a PR" and "no high past SLA in production" are one line each', () => {
    const old = finding({ fingerprint: 'old', level: 'error' });
    const base = runEngine(input([old], emptyBook(), at(0), 'production'));
    expect(base.verdict.status).toBe('pass');
    const pr = runEngine(input([old, finding({ fingerprint: 'new', level: 'error' })], base.nextLedger, at(1), 'pull-request'));
    expect(pr.verdict.rules[0]).toMatchObject({ name: 'No new high', count: 1, findings: ['new'] });
    expect(pr.pullRequest).toEqual({ introduced: ['new'], fixed: [] });
    const prFix = runEngine(input([], base.nextLedger, at(1), 'pull-request'));
    expect(prFix.pullRequest).toEqual({ introduced: [], fixed: ['old'] });
    const late = runEngine(input([old], base.nextLedger, at(31), 'production'));
    expect(late.verdict.status).toBe('fail');
    expect(late.verdict.rules[0]).toMatchObject({ name: 'No high past SLA', count: 1 });
    expect(late.counts.slaBreached).toBe(1);
    const soon = runEngine(input([old], base.nextLedger, at(26), 'production'));
    expect(soon.verdict.status).toBe('warn');
    expect(soon.counts.slaDueSoon).toBe(1);
  });

  it('a reopened finding is a regression', () => {
    const f = finding({ fingerprint: 'r', level: 'note' });
    const r1 = runEngine(input([f], emptyBook(), at(0), 'production'));
    const r2 = runEngine(input([], r1.nextLedger, at(1), 'production'));
    const r3 = runEngine(input([f], r2.nextLedger, at(2), 'production'));
    expect(r3.verdict.rules[1]).toMatchObject({ name: 'No regressions', count: 1 });
    expect(r3.counts.reopened).toBe(1);
    expect(r3.nextLedger.runs.map((s) => [s.new, s.fixed, s.reopened])).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [1, 0, 1],
    ]);
  });
});

describe('file store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dg-ledger-'));

  it('round-trips books per scope, written atomically as versioned JSON', async () => {
    const path = join(dir, 'a/ledger.json');
    const store = new FileLedgerStore(path, () => T0);
    expect(await store.read('default')).toBeUndefined();
    const r1 = runEngine({
      files: [{ file: 'x', findings: [finding({ fingerprint: 'a' })], errors: [], tools: [{ name: 'CodeQL' }] }],
      policy: defaultPolicy(),
      environment: 'default',
      onInputError: 'fail',
      now: T0,
      ledger: emptyBook(),
    });
    await store.update('default', () => r1.nextLedger);
    await store.update('other', (b) => b);
    const raw = JSON.parse(readFileSync(path, 'utf8')) as { schema: string; version: number; books: Record<string, LedgerBook> };
    expect(raw.schema).toBe('defect-gate-ledger');
    expect(raw.version).toBe(1);
    expect(Object.keys(raw.books).sort()).toEqual(['default', 'other']);
    expect(Object.keys((await store.read('default'))?.entries ?? {})).toEqual(['a']);
    expect((await store.read('other'))?.entries).toEqual({});
  });

  it('migrates version 0 and refuses newer versions', () => {
    const v0 = {
      version: 0,
      scope: 'ci',
      entries: [
        {
          fingerprint: 'x',
          tool: 'T',
          ruleId: 'R',
          firstSeen: '2025-01-01T00:00:00.000Z',
          lastSeen: '2025-02-01T00:00:00.000Z',
          severity: 'high',
        },
      ],
      runs: [],
    };
    const migrated = migrateLedger(v0, 'old.json');
    expect(migrated.books.ci?.entries.x).toMatchObject({ state: 'open', reopenedCount: 0, severity: 'high' });
    expect(() => migrateLedger({ schema: 'defect-gate-ledger', version: 9, books: {} }, 'new.json')).toThrow(
      /version 9 was written by a newer defect-gate/,
    );
  });

  it('reports a damaged ledger with its position', async () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, '{"schema": "defect-gate-ledger",\n "version": 1,,');
    await expect(new FileLedgerStore(path, () => T0).read('default')).rejects.toThrow(LedgerFormatError);
    await expect(new FileLedgerStore(path, () => T0).read('default')).rejects.toThrow(/bad\.json:2:15: not valid JSON/);
    writeFileSync(
      path,
      JSON.stringify({
        schema: 'defect-gate-ledger',
        version: 1,
        updatedAt: 'x',
        books: { default: { entries: { a: { fingerprint: 'a' } }, runs: [] } },
      }),
    );
    await expect(new FileLedgerStore(path, () => T0).read('default')).rejects.toThrow(
      /invalid ledger at \$\.books\.default\.entries\.a\.tool/,
    );
  });

  it('reports a time that is not one (hand-edited or damaged) at its path, instead of crashing a clock', async () => {
    const path = join(dir, 'times.json');
    const store = new FileLedgerStore(path, () => T0);
    const entry = (firstSeen: string, at = '2026-01-01T00:00:00.000Z') => ({
      fingerprint: 'a',
      tool: 'T',
      ruleId: 'R',
      title: 't',
      kind: 'sast',
      firstSeen,
      lastSeen: '2026-01-02T00:00:00.000Z',
      state: 'open',
      reopenedCount: 0,
      severity: 'high',
      gated: true,
      events: [{ at, type: 'opened' }],
    });
    const file = (e: unknown) =>
      JSON.stringify({ schema: 'defect-gate-ledger', version: 1, updatedAt: 'x', books: { default: { entries: { a: e }, runs: [] } } });
    writeFileSync(path, file(entry('2026-01-01T00:00:00.000Z')));
    expect((await store.read('default'))?.entries.a?.firstSeen).toBe('2026-01-01T00:00:00.000Z');
    for (const [bad, where] of [
      [entry('garbage'), 'firstSeen'],
      [entry('42'), 'firstSeen'],
      [entry('2026-01-01T00:00:00.000Z', 'soon'), 'events[0].at'],
    ] as const) {
      writeFileSync(path, file(bad));
      await expect(store.read('default')).rejects.toThrow(
        `invalid ledger at $.books.default.entries.a.${where}: expected an ISO 8601 time`,
      );
    }
  });

  it('rejects bad ledger specs and scopes', () => {
    expect(parseLedgerSpec('file:x.json')).toEqual({ kind: 'file', path: 'x.json' });
    expect(parseLedgerSpec('branch:defect-gate-data')).toEqual({ kind: 'branch', branch: 'defect-gate-data' });
    expect(() => parseLedgerSpec('branch:../x')).toThrow(/invalid ledger branch/);
  });
});

describe('branch store (Git data API)', () => {
  const repo = { owner: 'acme', repo: 'app' };
  const policy = defaultPolicy();
  const engineInput = (fps: string[], tool: string, now: Date): EngineInput => ({
    files: [
      { file: 'x', findings: fps.map((fp) => finding({ fingerprint: fp, tool: { name: tool } })), errors: [], tools: [{ name: tool }] },
    ],
    policy,
    environment: 'default',
    onInputError: 'fail',
    now,
  });

  it('creates the branch, shards entries below the limit, and reads back what it wrote', async () => {
    const git = new FakeGit();
    const store = new BranchLedgerStore(git.request, repo, 'defect-gate-data', () => T0);
    expect(await store.read('default')).toBeUndefined();
    const fps = Array.from({ length: 3000 }, (_, i) => `fp${i.toString(16).padStart(6, '0')}`);
    await store.update('default', (b) => reapply(b, engineInput(fps, 'CodeQL', T0)));
    const files = git.filesAt('defect-gate-data');
    const shards = [...files.keys()].filter((p) => p.startsWith('default/entries/'));
    expect(shards.length).toBeGreaterThan(1);
    for (const [, content] of files) expect(Buffer.byteLength(content)).toBeLessThan(1024 * 1024);
    const book = await store.read('default');
    expect(Object.keys(book?.entries ?? {}).sort()).toEqual([...fps].sort());
    expect(book?.runs).toHaveLength(1);
  });

  it('shards by hash prefix and keeps each shard below the limit', () => {
    const entries = Object.fromEntries(
      Array.from({ length: 500 }, (_, i) => [
        `f${i}`,
        {
          fingerprint: `f${i}`,
          tool: 'T',
          ruleId: 'R',
          title: 'x'.repeat(200),
          kind: 'sast',
          firstSeen: 'a',
          lastSeen: 'a',
          state: 'open' as const,
          reopenedCount: 0,
          severity: 'high',
          gated: true,
          events: [],
        },
      ]),
    );
    const files = shardEntries(entries, 20_000);
    expect(files.size).toBeGreaterThan(4);
    for (const text of files.values()) expect(Buffer.byteLength(text)).toBeLessThanOrEqual(20_000);
    const back = Object.assign({}, ...[...files.values()].map((t) => JSON.parse(t) as object)) as Record<string, unknown>;
    expect(Object.keys(back).length).toBe(500);
  });

  it('two writers at once lose nothing: the loser re-reads, merges and retries', async () => {
    const git = new FakeGit();
    const a = new BranchLedgerStore(git.request, repo, 'defect-gate-data', () => T0);
    const b = new BranchLedgerStore(git.request, repo, 'defect-gate-data', () => T0);
    await a.update('default', (book) => reapply(book, engineInput(['base'], 'CodeQL', at(0))));
    // Writer B moves the branch while writer A is between reading and updating the ref.
    let interleaved = false;
    git.beforeRequest = async (route) => {
      if (!interleaved && route === 'PATCH /repos/{owner}/{repo}/git/refs/{ref}') {
        interleaved = true;
        git.beforeRequest = undefined;
        await b.update('default', (book) => reapply(book, engineInput(['from-b'], 'Semgrep', at(1))));
      }
    };
    await a.update('default', (book) => reapply(book, engineInput(['base', 'from-a'], 'CodeQL', at(1))));
    expect(interleaved).toBe(true);
    const book = await a.read('default');
    expect(Object.keys(book?.entries ?? {}).sort()).toEqual(['base', 'from-a', 'from-b']);
    expect(book?.runs).toHaveLength(3);
    expect(git.calls.filter((c) => c.startsWith('PATCH')).length).toBe(3); // a (lost the race), b, a (retry); the first write created the ref
  });

  it('concurrent scopes keep separate books on one branch', async () => {
    const git = new FakeGit();
    const s = new BranchLedgerStore(git.request, repo, 'defect-gate-data', () => T0);
    await Promise.all([
      s.update('sast', (book) => reapply(book, engineInput(['x'], 'CodeQL', T0))),
      s.update('sca', (book) => reapply(book, engineInput(['y'], 'Trivy', T0))),
    ]);
    expect(Object.keys((await s.read('sast'))?.entries ?? {})).toEqual(['x']);
    expect(Object.keys((await s.read('sca'))?.entries ?? {})).toEqual(['y']);
  });

  it('gives up after a bounded number of lost races', async () => {
    const git = new FakeGit();
    const s = new BranchLedgerStore(git.request, repo, 'defect-gate-data', () => T0);
    await s.update('default', (b) => b);
    const other = new BranchLedgerStore(git.request, repo, 'defect-gate-data', () => T0);
    let n = 0;
    git.beforeRequest = async (route) => {
      if (route.startsWith('PATCH')) {
        git.beforeRequest = undefined;
        await other.update('default', (b) => reapply(b, engineInput([`o${n++}`], 'CodeQL', T0)));
        git.beforeRequest = hook;
      }
    };
    const hook = git.beforeRequest;
    await expect(s.update('default', (b) => reapply(b, engineInput(['mine'], 'CodeQL', T0)))).rejects.toThrow(/gave up after 6 attempts/);
  });
});
