import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactBook, DEFAULT_RETENTION_DAYS, retentionFromEnv } from '../src/ledger/compact';
import { DAY_MS } from '../src/ledger/sla';
import { emptyBook, type LedgerBook, type LedgerEntry, type LedgerFile } from '../src/ledger/schema';
import { FileLedgerStore, ledgerText } from '../src/ledger/file-store';
import { fileLedger } from '../src/cli/args';
import { runEngine, type EngineInput } from '../src/engine';
import { computeMetrics, type MetricsOptions } from '../src/metrics/compute';
import type { Finding } from '../src/model';
import { BASE_POLICY, finding, policyFrom } from './helpers';
import { prng } from './support/mutate';

/**
 * Ledger compaction (src/ledger/compact.ts, docs/ledger-and-sla.md "Retention"): a year of daily runs of a few hundred
 * findings with 1 % churn a day (fixes, new findings, fixed ones coming back, severity changes, an accepted risk,
 * components of two criticalities, production runs), through the engine as `check --ledger` runs it.
 */

const T0 = Date.parse('2026-01-01T06:00:00.000Z');
const day = (d: number) => new Date(T0 + d * DAY_MS);
const policy = policyFrom(
  BASE_POLICY.replace(
    'gates:',
    `components:
  - {name: payments, paths: ["services/payments/**"], criticality: high}
  - {name: web, paths: ["web/**"], criticality: low}
sla: {critical: 7, high: 30, medium: 90, low: 180}
exceptions:
  entries:
    - {id: EX-1, type: accepted-risk, match: {rule: "js/rule-3"}, reason: Legacy code, approved-by: security-team, expires: 2027-12-31}
gates:`,
  ).replace('  default:', '  production:'),
);
const LEVELS = ['error', 'warning', 'note'] as const;
const DIRS = ['services/payments', 'web', 'lib'];

/** Finding i of the pool (its level changes on some days: severity history). */
function poolFinding(i: number, d: number): Finding {
  const level = LEVELS[(i + (i % 7 === 0 && d > 100 ? 1 : 0)) % 3] as (typeof LEVELS)[number];
  return finding({
    fingerprint: `f${i}`,
    ruleId: `js/rule-${i % 11}`,
    title: `Rule ${i % 11}`,
    path: `${DIRS[i % 3]}/m${i % 40}/file${i}.js`,
    startLine: 1 + (i % 300),
    cwe: [`CWE-${79 + (i % 5)}`],
    level,
  });
}

interface Simulation {
  /** The book after each day, as the engine makes it (nothing compacted). */
  full: LedgerBook;
  /** The same days with the book compacted after each run, as the stores write it (default window). */
  compacted: LedgerBook;
  /** Bytes of the written ledger (compacted) after day 1 and after each day that is a multiple of 30 (and the last). */
  sizes: Map<number, number>;
  /** The same with a 30-day window. */
  sizes30: Map<number, number>;
}

/**
 * `n` findings open a day, 1 % fixed a day, as many appearing: a fifth of them coming back from the findings fixed in
 * the last `backWithinDays` days (so that a return is a reopen in both books), the rest new. Deterministic.
 */
function simulate(n: number, days: number, opts: { backWithinDays?: number } = {}): Simulation {
  const r = prng(42);
  const k = Math.max(1, Math.round(n / 100));
  const open = Array.from({ length: n }, (_, i) => i);
  const fixedOn = new Map<number, number>();
  let next = n;
  let full = emptyBook();
  let compacted = emptyBook();
  let compacted30 = emptyBook();
  const sizes = new Map<number, number>();
  const sizes30 = new Map<number, number>();
  for (let d = 0; d < days; d++) {
    if (d > 0) {
      const gone = Array.from({ length: k }, () => open.splice((r() * open.length) | 0, 1)[0] as number);
      const recent = [...fixedOn].filter(([, on]) => d - on < (opts.backWithinDays ?? 60)).map(([i]) => i);
      for (let j = 0; j < k; j++) {
        const back = j < Math.round(k / 5) && recent.length > 0 ? recent.splice((r() * recent.length) | 0, 1)[0] : undefined;
        if (back !== undefined) fixedOn.delete(back);
        open.push(back ?? next++);
      }
      for (const g of gone) fixedOn.set(g, d);
    }
    const now = day(d);
    const input = (ledger: LedgerBook): EngineInput => ({
      files: [{ file: 'codeql.sarif', findings: open.map((i) => poolFinding(i, d)), tools: [{ name: 'CodeQL' }], errors: [] }],
      policy,
      environment: 'production',
      onInputError: 'fail',
      now,
      ledger,
    });
    full = runEngine(input(full)).nextLedger;
    compacted = compactBook(runEngine(input(compacted)).nextLedger, now);
    compacted30 = compactBook(runEngine(input(compacted30)).nextLedger, now, { retentionDays: 30 });
    if (d === 0 || (d + 1) % 30 === 0 || d === days - 1) {
      const size = (book: LedgerBook) =>
        Buffer.byteLength(ledgerText({ schema: 'defect-gate-ledger', version: 1, updatedAt: now.toISOString(), books: { default: book } }));
      sizes.set(d + 1, size(compacted));
      sizes30.set(d + 1, size(compacted30));
    }
  }
  return { full, compacted, sizes, sizes30 };
}

const YEAR = simulate(400, 365);
const NOW = day(364);

function metricsOpts(over: Partial<MetricsOptions>): MetricsOptions {
  return {
    now: NOW,
    levels: policy.levels,
    sla: policy.sla,
    productionEnvironments: ['production'],
    exceptions: [{ id: 'EX-1', type: 'accepted-risk', approvedBy: 'security-team', expires: '2027-12-31' }],
    ...over,
  };
}

describe('metrics over the retention window are the same before and after compaction', () => {
  it('the year of history has what the metrics measure, and compaction forgot most of the fixed findings', () => {
    const entries = Object.values(YEAR.full.entries);
    expect(entries.filter((e) => e.state === 'open')).toHaveLength(400);
    expect(entries.filter((e) => e.reopenedCount > 0).length).toBeGreaterThan(100);
    expect(entries.filter((e) => e.events.some((ev) => ev.type === 'severity')).length).toBeGreaterThan(10);
    expect(entries.filter((e) => e.exceptions?.length).length).toBeGreaterThan(10);
    const fixedFull = entries.filter((e) => e.state === 'fixed').length;
    const fixedKept = Object.values(YEAR.compacted.entries).filter((e) => e.state === 'fixed').length;
    expect(fixedFull).toBeGreaterThan(1000);
    expect(fixedKept).toBeLessThan(fixedFull / 2);
  });

  const windows: [string, Partial<MetricsOptions>][] = [
    ['the last 90 days by month', { since: day(364 - DEFAULT_RETENTION_DAYS), bucket: 'month' }],
    ['the last 90 days by week', { since: day(364 - DEFAULT_RETENTION_DAYS), bucket: 'week' }],
    ['the last 30 days', { since: day(334) }],
    ['a past window inside the retention window', { since: day(290), until: day(330) }],
  ];
  for (const [name, over] of windows) {
    it(`${name}: figure by figure`, () => {
      const before = computeMetrics(YEAR.full, metricsOpts(over));
      // Compacted once (a year-old ledger written by an earlier version), and day by day (as the stores write it).
      expect(computeMetrics(compactBook(YEAR.full, NOW), metricsOpts(over))).toEqual(before);
      expect(computeMetrics(YEAR.compacted, metricsOpts(over))).toEqual(before);
      expect(before.flow.fixed).toBeGreaterThan(0);
      expect(before.flow.reopened).toBeGreaterThan(0);
      expect(before.exposure.overall.count).toBeGreaterThan(0);
      expect(before.sla.fixed).toBeGreaterThan(0);
    });
  }

  it('a window that starts before the retention window is not exact (documented): fixes before it are forgotten', () => {
    const over = { since: day(364 - 180) };
    expect(computeMetrics(YEAR.compacted, metricsOpts(over)).flow.fixed).toBeLessThan(
      computeMetrics(YEAR.full, metricsOpts(over)).flow.fixed,
    );
  });
});

describe('the ledger stays small', () => {
  it('after a simulated year it is at most 2× its size after day 1, and stops growing (400 findings, 30-day window)', () => {
    // At this scale the year's run snapshots (~95 KB) weigh as much as the findings: the window is scaled down with
    // it. bench/ledger.mjs measures 10,000 findings with the default window.
    const sizes = YEAR.sizes30;
    const first = sizes.get(1) as number;
    expect(sizes.get(365)).toBeLessThanOrEqual(2 * first);
    // Grows only by the run snapshots once the window is full (~260 bytes a day: 47 KB from day 180 to 360, 20 % of
    // day 1 at this scale).
    expect((sizes.get(360) as number) - (sizes.get(180) as number)).toBeLessThan(first / 4);
  });

  it('with the default window it stops growing too: the findings of the last 90 days, no more', () => {
    const sizes = YEAR.sizes;
    const first = sizes.get(1) as number;
    expect((sizes.get(360) as number) - (sizes.get(180) as number)).toBeLessThan(first / 4);
    expect(sizes.get(365)).toBeLessThan(3 * first);
  });
});

describe('compaction never loses what the gate reads', () => {
  const before = YEAR.full;
  const after = compactBook(before, NOW);

  it('every open finding is kept exactly as it was (first seen, SLA clock inputs, exceptions, sightings)', () => {
    const open = Object.entries(before.entries).filter(([, e]) => e.state === 'open');
    expect(open.length).toBe(400);
    for (const [fp, e] of open) expect(after.entries[fp]).toBe(e);
  });

  it('run snapshots and approvals are kept', () => {
    const withApprovals: LedgerBook = { ...before, approvals: { 'EX-1:abc': { approvers: [{ login: 'bob' }] } } };
    const c = compactBook(withApprovals, NOW);
    expect(c.runs).toBe(before.runs);
    expect(c.approvals).toBe(withApprovals.approvals);
  });

  it('open findings under an exception keep its history; fixed ones inside the window too', () => {
    const cutoff = NOW.getTime() - DEFAULT_RETENTION_DAYS * DAY_MS;
    const excepted = Object.entries(before.entries).filter(
      ([, e]) => e.exceptions?.length && (e.state === 'open' || Date.parse(e.fixedAt as string) >= cutoff),
    );
    expect(excepted.filter(([, e]) => e.state === 'open').length).toBeGreaterThan(10);
    expect(excepted.filter(([, e]) => e.state === 'fixed').length).toBeGreaterThan(3);
    for (const [fp, e] of excepted) expect(after.entries[fp]?.exceptions).toEqual(e.exceptions);
  });

  it('fixed findings inside the window keep what metrics and a reopen read; only open-only data goes', () => {
    const cutoff = NOW.getTime() - DEFAULT_RETENTION_DAYS * DAY_MS;
    const recent = Object.entries(before.entries).filter(([, e]) => e.state === 'fixed' && Date.parse(e.fixedAt as string) >= cutoff);
    expect(recent.length).toBeGreaterThan(50);
    for (const [fp, e] of recent) {
      const { seen: _s, startLine: _l, environments: _e, ...rest } = e;
      const kept = after.entries[fp] as LedgerEntry;
      expect(kept).toMatchObject(rest);
      expect(kept.seen).toBeUndefined();
    }
  });

  it('a finding fixed before the window is forgotten, unless it is the last of its component, tool and kind', () => {
    const cutoff = NOW.getTime() - DEFAULT_RETENTION_DAYS * DAY_MS;
    const old = Object.keys(before.entries).filter((fp) => {
      const e = before.entries[fp] as LedgerEntry;
      return e.state === 'fixed' && Date.parse(e.fixedAt as string) < cutoff;
    });
    expect(old.length).toBeGreaterThan(500);
    expect(old.filter((fp) => Object.hasOwn(after.entries, fp)).length).toBeLessThan(5);
    // A component seen only in forgotten findings still has its row in the coverage table.
    const lone: LedgerEntry = { ...(before.entries[old[0] as string] as LedgerEntry), fingerprint: 'lone', component: 'retired' };
    const c = compactBook({ ...before, entries: { ...before.entries, lone } }, NOW);
    expect(c.entries.lone?.component).toBe('retired');
  });

  it('compacting twice changes nothing, and a book with nothing to compact is returned as it is', () => {
    expect(compactBook(after, NOW)).toBe(after);
    const fresh = emptyBook();
    expect(compactBook(fresh, NOW)).toBe(fresh);
  });
});

describe('the file store compacts on write', () => {
  it('writes the compacted book; DEFECT_GATE_LEDGER_RETENTION_DAYS sets the window', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dg-compact-'));
    const path = join(dir, 'ledger.json');
    const file: LedgerFile = { schema: 'defect-gate-ledger', version: 1, updatedAt: NOW.toISOString(), books: { default: YEAR.full } };
    writeFileSync(path, JSON.stringify(file, null, 1)); // as earlier versions wrote it: read as it is
    const store = new FileLedgerStore(path, () => NOW, 'ledger.json');
    const read = await store.read('default');
    expect(Object.keys(read?.entries ?? {})).toHaveLength(Object.keys(YEAR.full.entries).length);
    await store.update('default', (b) => b);
    const written = JSON.parse(readFileSync(path, 'utf8')) as LedgerFile;
    expect(Object.keys(written.books.default?.entries ?? {}).sort()).toEqual(Object.keys(compactBook(YEAR.full, NOW).entries).sort());
    const longer = new FileLedgerStore(path, () => NOW, 'ledger.json', { retentionDays: retentionFromEnv('400') as number });
    writeFileSync(path, JSON.stringify(file));
    await longer.update('default', (b) => b);
    const kept = JSON.parse(readFileSync(path, 'utf8')) as LedgerFile;
    expect(Object.keys(kept.books.default?.entries ?? {})).toHaveLength(Object.keys(YEAR.full.entries).length);
  });

  it('a retention that is not a whole number of days is refused with the expected form', () => {
    expect(retentionFromEnv(undefined)).toBeUndefined();
    expect(retentionFromEnv('')).toBeUndefined();
    expect(retentionFromEnv('30')).toBe(30);
    const cli = fileLedger({ ledger: 'file:ledger.json' }, tmpdir(), NOW, true, { env: { DEFECT_GATE_LEDGER_RETENTION_DAYS: '90d' } });
    expect(cli).toBe('invalid DEFECT_GATE_LEDGER_RETENTION_DAYS "90d": expected a whole number of days, at least 1 (default 90)');
    for (const bad of ['0', '-5', '1.5', 'ninety', '90d']) {
      expect(() => retentionFromEnv(bad)).toThrow(
        `invalid DEFECT_GATE_LEDGER_RETENTION_DAYS "${bad}": expected a whole number of days, at least 1`,
      );
    }
  });
});
