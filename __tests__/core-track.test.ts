import { describe, expect, it } from '@jest/globals';
import { earlier, gatedBeforeExceptions, recordSighting, slaFor, trackRun, withSnapshot } from '../src/ledger/track';
import type { LedgerBook, LedgerEntry, RunSnapshot } from '../src/ledger/schema';
import type { RatedFinding, TrackStatus } from '../src/model';
import { rateAll } from '../src/rate/rate';
import { BASE_POLICY, finding, ledgerEntry, policyFrom } from './helpers';

/**
 * What a ledger entry keeps of each sighting (src/ledger/track.ts `recordSighting`): the rating inputs `gate-scope:
 * ledger` reads, the publication date, and the window of exposure per environment over episodes. Exact outputs, each
 * field and each bound on both sides; written against Stryker's survivors in track.ts.
 */

const policy = policyFrom(BASE_POLICY);
const NOW = '2026-06-01T00:00:00.000Z';
const rated = (over: Parameters<typeof finding>[0] = {}): RatedFinding =>
  rateAll([finding({ fingerprint: 'fp', level: 'error', ...over })], policy)[0] as RatedFinding;

const entry = ledgerEntry;

const sighted = (e: LedgerEntry, f: RatedFinding, env?: string, status: TrackStatus = 'existing', now = NOW): LedgerEntry => {
  recordSighting(e, f, env, now, status);
  return e;
};

describe('recordSighting: the rating inputs of the latest sighting', () => {
  it('every input, cut to its bounds', () => {
    const f: RatedFinding = {
      ...rated(),
      level: 'warning',
      scannerSeverity: 'S'.repeat(60),
      securitySeverity: 7.5,
      cvss: { version: '3.1', score: 5.0 } as RatedFinding['cvss'],
      cve: Array.from({ length: 25 }, (_, i) => `CVE-2026-${i}`),
      tags: Array.from({ length: 21 }, (_, i) => `t${i}`),
      package: { ecosystem: 'npm', name: 'lodash', version: '4.17.20', fixedVersions: ['1', '2', '3', '4', '5', '6'] },
      exploit: { kev: false, epss: 0 },
      published: '2025-01-01T00:00:00.000Z',
    };
    const e = sighted(entry({ published: '2025-06-01T00:00:00.000Z' }), f);
    expect(e.seen).toStrictEqual({
      gated: true,
      level: 'warning',
      scannerSeverity: 'S'.repeat(50),
      score: 7.5,
      cve: f.cve.slice(0, 20),
      tags: f.tags.slice(0, 20),
      package: { name: 'lodash', ecosystem: 'npm', version: '4.17.20', fixedVersions: ['1', '2', '3', '4', '5'] },
      kev: false,
      epss: 0,
    });
    expect(e.published).toBe('2025-01-01T00:00:00.000Z');
    expect(e).not.toHaveProperty('exposures');
  });

  it('absent inputs stay absent; the CVSS score when there is no security-severity; no unreadable score', () => {
    const bare: RatedFinding = { ...rated(), level: undefined, cve: [], tags: [] } as unknown as RatedFinding;
    delete (bare as { level?: string }).level;
    expect(sighted(entry(), bare).seen).toStrictEqual({ gated: true });
    const cvss = { ...rated(), cvss: { version: '3.1', score: 5.0 } } as RatedFinding;
    expect(sighted(entry(), cvss).seen?.score).toBe(5);
    for (const score of [Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(sighted(entry(), { ...rated(), securitySeverity: score }).seen).not.toHaveProperty('score');
    }
    expect(sighted(entry(), { ...rated(), securitySeverity: 0 }).seen?.score).toBe(0);
    expect(sighted(entry(), { ...rated(), package: { name: 'a' } }).seen?.package).toStrictEqual({ name: 'a' });
    expect(sighted(entry(), { ...rated(), package: { name: 'a', fixedVersions: [] } }).seen?.package).toStrictEqual({ name: 'a' });
    expect(sighted(entry(), { ...rated(), exploit: { kev: true } }).seen).toMatchObject({ kev: true });
    expect(sighted(entry(), { ...rated(), exploit: { epss: 0.3 } }).seen).toMatchObject({ epss: 0.3 });
    expect(sighted(entry(), { ...rated(), exploit: { epss: 0.3 } }).seen).not.toHaveProperty('kev');
  });

  it('not gated: the reason, cut at 300 characters; gated: none, whatever the finding says', () => {
    const out: RatedFinding = { ...rated(), gated: false, notGatedReason: 'r'.repeat(320) };
    expect(sighted(entry(), out).seen).toStrictEqual({ gated: false, notGatedReason: 'r'.repeat(300), level: 'error' });
    const gated: RatedFinding = { ...rated(), gated: true, notGatedReason: 'stale' };
    expect(sighted(entry(), gated).seen).not.toHaveProperty('notGatedReason');
    const noReason: RatedFinding = { ...rated(), gated: false };
    expect(sighted(entry(), noReason).seen).toStrictEqual({ gated: false, level: 'error' });
  });

  it('published: the earlier date is kept; none given keeps the entry`s', () => {
    expect(sighted(entry({ published: '2025-01-01T00:00:00.000Z' }), { ...rated(), published: '2025-06-01T00:00:00.000Z' }).published).toBe(
      '2025-01-01T00:00:00.000Z',
    );
    expect(sighted(entry(), { ...rated(), published: '2025-06-01T00:00:00.000Z' }).published).toBe('2025-06-01T00:00:00.000Z');
    expect(sighted(entry({ published: '2025-01-01T00:00:00.000Z' }), rated()).published).toBe('2025-01-01T00:00:00.000Z');
    expect(sighted(entry(), rated())).not.toHaveProperty('published');
  });
});

describe('recordSighting: exposures, one first sighting per episode and environment', () => {
  const T0 = '2026-02-01T00:00:00.000Z';
  const T1 = '2026-03-01T00:00:00.000Z';
  const REOPENED = '2026-04-01T00:00:00.000Z';
  const exposures = (e: LedgerEntry) => e.exposures;

  it('a new finding: this sighting; other environments kept', () => {
    expect(exposures(sighted(entry(), rated(), 'production', 'new'))).toStrictEqual({ production: [NOW] });
    expect(exposures(sighted(entry({ exposures: { staging: [T0] } }), rated(), 'production', 'new'))).toStrictEqual({
      staging: [T0],
      production: [NOW],
    });
    // A new finding does not take an older `environments` sighting as its own.
    expect(exposures(sighted(entry({ environments: { production: T0 } }), rated(), 'production', 'new'))).toStrictEqual({
      production: [NOW],
    });
  });

  it('an existing finding already exposed in this episode: nothing changes', () => {
    const had = { production: [T0, T1] };
    const e = sighted(entry({ exposures: had }), rated(), 'production');
    expect(e.exposures).toBe(had);
    const sinceReopen = { production: [T0, REOPENED] };
    expect(sighted(entry({ exposures: sinceReopen, reopenedAt: REOPENED }), rated(), 'production').exposures).toBe(sinceReopen);
  });

  it('an existing finding whose last exposure is from before its reopening: this sighting starts the episode`s', () => {
    expect(exposures(sighted(entry({ exposures: { production: [T0] }, reopenedAt: REOPENED }), rated(), 'production'))).toStrictEqual({
      production: [T0, NOW],
    });
    const oneMsBefore = new Date(Date.parse(REOPENED) - 1).toISOString();
    expect(
      exposures(sighted(entry({ exposures: { production: [oneMsBefore] }, reopenedAt: REOPENED }), rated(), 'production')),
    ).toStrictEqual({ production: [oneMsBefore, NOW] });
  });

  it('an existing finding first seen in another environment: this one starts its list', () => {
    expect(exposures(sighted(entry({ exposures: { staging: [T0] } }), rated(), 'production'))).toStrictEqual({
      staging: [T0],
      production: [NOW],
    });
  });

  it('a ledger from before `exposures`: the `environments` sighting is the first, and counts for this episode when inside it', () => {
    expect(exposures(sighted(entry({ environments: { production: T0 } }), rated(), 'production'))).toStrictEqual({ production: [T0] });
    expect(
      exposures(sighted(entry({ environments: { production: REOPENED }, reopenedAt: REOPENED }), rated(), 'production')),
    ).toStrictEqual({
      production: [REOPENED],
    });
    expect(exposures(sighted(entry({ environments: { production: T0 }, reopenedAt: REOPENED }), rated(), 'production'))).toStrictEqual({
      production: [T0, NOW],
    });
    expect(exposures(sighted(entry({ environments: { production: T0 } }), rated(), 'production', 'reopened'))).toStrictEqual({
      production: [T0, NOW],
    });
    expect(exposures(sighted(entry({ environments: { staging: T0 } }), rated(), 'production', 'reopened'))).toStrictEqual({
      production: [NOW],
    });
  });

  it('a reopened finding adds this sighting after the earlier episodes; at most 50 are kept, the newest', () => {
    expect(exposures(sighted(entry({ exposures: { production: [T0, T1] } }), rated(), 'production', 'reopened'))).toStrictEqual({
      production: [T0, T1, NOW],
    });
    const fifty = Array.from({ length: 50 }, (_, i) => new Date(Date.parse(T0) + i * 1000).toISOString());
    const capped = exposures(sighted(entry({ exposures: { production: fifty } }), rated(), 'production', 'reopened'));
    expect(capped?.production).toHaveLength(50);
    expect(capped?.production?.[0]).toBe(fifty[1]);
    expect(capped?.production?.[49]).toBe(NOW);
  });

  it('no environment: no exposure recorded', () => {
    expect(sighted(entry(), rated(), undefined, 'new')).not.toHaveProperty('exposures');
    expect(sighted(entry(), rated(), '', 'new')).not.toHaveProperty('exposures');
  });
});

describe('trackRun: what each run writes into an entry', () => {
  const SLA = { days: { critical: 7, high: 30, medium: 90, low: 180 }, dueSoon: { percent: 25 }, restartOnReopen: false };
  const at = (iso: string) => new Date(iso);
  const run = (book: LedgerBook, findings: RatedFinding[], now: string, over: Partial<Parameters<typeof trackRun>[0]> = {}) =>
    trackRun({ findings, book, toolsRan: ['CodeQL'], sla: SLA, now: at(now), ...over });
  const first = (f: RatedFinding, over: Partial<Parameters<typeof trackRun>[0]> = {}) =>
    run({ entries: {}, runs: [] }, [f], '2026-05-01T00:00:00.000Z', over).next;

  it('location and ownership follow the latest sighting: absent ones are removed, except location, component and cwe', () => {
    const full: RatedFinding = {
      ...rated(),
      path: 'src/a.js',
      startLine: 3,
      location: 'https://x',
      component: 'web',
      criticality: 'high',
      owners: ['@web'],
      cwe: ['CWE-89'],
    };
    const book = first(full);
    expect(book.entries.fp).toMatchObject({
      path: 'src/a.js',
      startLine: 3,
      location: 'https://x',
      component: 'web',
      criticality: 'high',
      owners: ['@web'],
      cwe: ['CWE-89'],
    });
    const bare = { ...rated(), owners: [], cwe: [] } as RatedFinding;
    delete (bare as { path?: string }).path;
    delete (bare as { startLine?: number }).startLine;
    const e = run(book, [bare], NOW).next.entries.fp as LedgerEntry;
    expect(e).not.toHaveProperty('path');
    expect(e).not.toHaveProperty('startLine');
    expect(e).not.toHaveProperty('criticality');
    expect(e).not.toHaveProperty('owners');
    expect(e).toMatchObject({ location: 'https://x', component: 'web', cwe: ['CWE-89'] });
    expect(book.entries.fp?.path).toBe('src/a.js'); // the book read is not changed
  });

  it('environments: the first sighting per environment of the episode; a reopened finding starts again', () => {
    const book = first(rated(), { environment: 'staging' });
    expect(book.entries.fp?.environments).toStrictEqual({ staging: '2026-05-01T00:00:00.000Z' });
    const again = run(book, [rated()], '2026-05-02T00:00:00.000Z', { environment: 'staging' }).next;
    expect(again.entries.fp?.environments).toStrictEqual({ staging: '2026-05-01T00:00:00.000Z' });
    const prod = run(again, [rated()], '2026-05-03T00:00:00.000Z', { environment: 'production' }).next;
    expect(prod.entries.fp?.environments).toStrictEqual({ staging: '2026-05-01T00:00:00.000Z', production: '2026-05-03T00:00:00.000Z' });
    const none = run(prod, [rated()], '2026-05-04T00:00:00.000Z').next;
    expect(none.entries.fp?.environments).toStrictEqual(prod.entries.fp?.environments);
    const fixedBook = run(none, [], '2026-05-05T00:00:00.000Z').next;
    const reopened = run(fixedBook, [rated()], '2026-05-06T00:00:00.000Z', { environment: 'staging' }).next;
    expect(reopened.entries.fp?.environments).toStrictEqual({
      staging: '2026-05-06T00:00:00.000Z',
      production: '2026-05-03T00:00:00.000Z',
    });
    expect(first(rated()).entries.fp).not.toHaveProperty('environments');
  });

  it('the KEV due date is kept from the finding; exception history is copied, not shared with the book read', () => {
    const kev = first({ ...rated(), exploit: { kev: true, kevDueDate: '2026-05-20' } });
    expect(kev.entries.fp?.kevDueDate).toBe('2026-05-20');
    expect(first(rated()).entries.fp).not.toHaveProperty('kevDueDate');
    const excepted: RatedFinding = {
      ...rated(),
      gated: false,
      exception: { id: 'EX', type: 'accepted-risk', state: 'active', approvedBy: 'alice' },
    };
    const book = first(excepted);
    expect(book.entries.fp?.exceptions).toStrictEqual([
      { id: 'EX', type: 'accepted-risk', from: '2026-05-01T00:00:00.000Z', approvedBy: 'alice' },
    ]);
    const later = run(book, [rated()], '2026-05-02T00:00:00.000Z').next;
    expect(later.entries.fp?.exceptions).toStrictEqual([
      { id: 'EX', type: 'accepted-risk', from: '2026-05-01T00:00:00.000Z', approvedBy: 'alice', to: '2026-05-02T00:00:00.000Z' },
    ]);
    expect(book.entries.fp?.exceptions?.[0]).not.toHaveProperty('to');
  });

  it('exception history: an expiring one applies too; not applying (expired) opens nothing; the same one is not opened twice', () => {
    const with_ = (state: 'active' | 'expiring' | 'expired'): RatedFinding => ({
      ...rated(),
      exception: { id: 'EX', type: 'false-positive', state },
    });
    expect(first(with_('expiring')).entries.fp?.exceptions).toStrictEqual([
      { id: 'EX', type: 'false-positive', from: '2026-05-01T00:00:00.000Z' },
    ]);
    expect(first(with_('expired')).entries.fp).not.toHaveProperty('exceptions');
    const book = first(with_('active'));
    const same = run(book, [with_('active')], '2026-05-02T00:00:00.000Z').next;
    expect(same.entries.fp?.exceptions).toStrictEqual([{ id: 'EX', type: 'false-positive', from: '2026-05-01T00:00:00.000Z' }]);
    const other: RatedFinding = { ...rated(), exception: { id: 'EX-2', type: 'mitigated', state: 'active' } };
    expect(run(book, [other], '2026-05-03T00:00:00.000Z').next.entries.fp?.exceptions).toStrictEqual([
      { id: 'EX', type: 'false-positive', from: '2026-05-01T00:00:00.000Z', to: '2026-05-03T00:00:00.000Z' },
      { id: 'EX-2', type: 'mitigated', from: '2026-05-03T00:00:00.000Z' },
    ]);
  });

  it('exception history: a closed record keeps its end; the same exception applying again opens a second record', () => {
    const ex: RatedFinding = { ...rated(), gated: false, exception: { id: 'EX', type: 'accepted-risk', state: 'active' } };
    const d = (n: number) => `2026-05-0${n}T00:00:00.000Z`;
    let book = first(ex);
    book = run(book, [rated()], d(2)).next;
    book = run(book, [rated()], d(3)).next;
    expect(book.entries.fp?.exceptions).toStrictEqual([{ id: 'EX', type: 'accepted-risk', from: d(1), to: d(2) }]);
    book = run(book, [ex], d(4)).next;
    expect(book.entries.fp?.exceptions).toStrictEqual([
      { id: 'EX', type: 'accepted-risk', from: d(1), to: d(2) },
      { id: 'EX', type: 'accepted-risk', from: d(4) },
    ]);
  });

  it('fixed: listed with what they had (no empty fields), by severity then fingerprint', () => {
    const fs: RatedFinding[] = [
      { ...rated({ fingerprint: 'b' }), severity: 'high', path: 'p', startLine: 2, location: 'L' },
      { ...rated({ fingerprint: 'a' }), severity: 'high', startLine: 0 },
      { ...rated({ fingerprint: 'c' }), severity: 'critical' },
    ];
    const book = run({ entries: {}, runs: [] }, fs, '2026-05-01T00:00:00.000Z').next;
    const { fixed, next } = run(book, [], '2026-05-02T00:00:00.000Z');
    expect(fixed.map((f) => f.fingerprint)).toEqual(['c', 'a', 'b']);
    expect(fixed[2]).toStrictEqual({
      fingerprint: 'b',
      tool: { name: 'CodeQL' },
      ruleId: 'js/sql-injection',
      title: 'SQL injection',
      severity: 'high',
      path: 'p',
      startLine: 2,
      location: 'L',
      firstSeen: '2026-05-01T00:00:00.000Z',
      fixedAt: '2026-05-02T00:00:00.000Z',
    });
    expect(fixed[1]).not.toHaveProperty('startLine');
    expect(next.entries.b).toMatchObject({ state: 'fixed', fixedAt: '2026-05-02T00:00:00.000Z' });
    // A tool that did not run fixes nothing.
    expect(run(book, [], '2026-05-02T00:00:00.000Z', { toolsRan: ['Semgrep'] }).fixed).toEqual([]);
  });

  it('events are capped at 50, keeping the first', () => {
    let book = first(rated());
    const sev = ['high', 'low'];
    for (let i = 0; i < 60; i++)
      book = run(
        book,
        [{ ...rated(), severity: sev[i % 2] as string }],
        new Date(Date.parse('2026-05-02T00:00:00.000Z') + i * 1000).toISOString(),
      ).next;
    const events = book.entries.fp?.events ?? [];
    expect(events).toHaveLength(50);
    expect(events[0]).toMatchObject({ type: 'opened' });
    expect(events[49]).toMatchObject({ type: 'severity', severity: 'low' });
  });
});

describe('earlier, slaFor, withSnapshot', () => {
  it('earlier: the earlier readable time, as ISO; equal or unreadable keeps the first', () => {
    expect(earlier('2026-05-01T00:00:00.000Z', undefined)).toBe('2026-05-01T00:00:00.000Z');
    expect(earlier('2026-05-01T00:00:00.000Z', '')).toBe('2026-05-01T00:00:00.000Z');
    expect(earlier('2026-05-01T00:00:00.000Z', '2026-04-01T00:00:00Z')).toBe('2026-04-01T00:00:00.000Z');
    expect(earlier('2026-05-01T00:00:00.000Z', '2026-06-01T00:00:00Z')).toBe('2026-05-01T00:00:00.000Z');
    expect(earlier('2026-05-01T00:00:00.000Z', '2026-05-01T00:00:00Z')).toBe('2026-05-01T00:00:00.000Z');
    expect(earlier('2026-05-01T00:00:00.000Z', 'soon')).toBe('2026-05-01T00:00:00.000Z');
    expect(earlier('2026-05-01T00:00:00Z', '2026-05-01T00:00:00.000Z')).toBe('2026-05-01T00:00:00Z');
  });

  it('slaFor: criticality, KEV due date and an SLA extension that applies (active or expiring) reach the clock', () => {
    const sla = { days: { high: 30 }, byCriticality: { high: { high: 5 } }, dueSoon: { days: 1 }, restartOnReopen: false };
    const entry = { firstSeen: '2026-05-01T00:00:00.000Z' };
    const now = new Date('2026-05-02T00:00:00.000Z');
    expect(slaFor({ ...rated(), criticality: 'high' }, entry, sla, now)?.due).toBe('2026-05-06T00:00:00.000Z');
    expect(slaFor(rated(), { ...entry, kevDueDate: '2026-05-10' }, sla, now)?.due).toBe('2026-05-10T00:00:00.000Z');
    const ext = (state: 'active' | 'expiring' | 'expired', type = 'sla-extension'): RatedFinding =>
      ({ ...rated(), exception: { id: 'X', type, state, due: '2026-07-01' } }) as RatedFinding;
    expect(slaFor(ext('active'), entry, sla, now)).toMatchObject({
      due: '2026-07-01T23:59:59.999Z',
      reason: 'SLA extension X to 2026-07-01',
    });
    expect(slaFor(ext('expiring'), entry, sla, now)?.due).toBe('2026-07-01T23:59:59.999Z');
    expect(slaFor(ext('expired'), entry, sla, now)?.due).toBe('2026-05-31T00:00:00.000Z');
    expect(slaFor(ext('active', 'accepted-risk'), entry, sla, now)?.due).toBe('2026-05-31T00:00:00.000Z');
  });

  it('withSnapshot: in date order after runs of the same time; the newest 2000 kept', () => {
    const snap = (at: string, n = 0) => ({ at, n }) as unknown as RunSnapshot;
    const book: LedgerBook = { entries: {}, runs: [snap('2026-05-01T00:00:00.000Z', 1), snap('2026-05-03T00:00:00.000Z', 2)] };
    const same = withSnapshot(book, snap('2026-05-01T00:00:00.000Z', 3));
    expect(same.runs.map((r) => (r as unknown as { n: number }).n)).toEqual([1, 3, 2]);
    const many: LedgerBook = {
      entries: {},
      runs: Array.from({ length: 2000 }, (_, i) => snap(new Date(Date.parse('2020-01-01T00:00:00Z') + i * 1000).toISOString(), i)),
    };
    const next = withSnapshot(many, snap('2026-05-01T00:00:00.000Z', 9999));
    expect(next.runs).toHaveLength(2000);
    expect((next.runs[0] as unknown as { n: number }).n).toBe(1);
    expect((next.runs[1999] as unknown as { n: number }).n).toBe(9999);
    expect(withSnapshot({ entries: {}, runs: many.runs.slice(0, 1999) }, snap('2026-05-01T00:00:00.000Z')).runs).toHaveLength(2000);
  });
});

describe('trackRun: findings their input says are fixed (manual findings `status: fixed`)', () => {
  const SLA = { days: { high: 30 }, dueSoon: { percent: 25 }, restartOnReopen: false };
  const NOW_ = '2026-05-10T00:00:00.000Z';
  const run = (book: LedgerBook, findings: RatedFinding[]) =>
    trackRun({ findings, book, toolsRan: ['Pentest'], sla: SLA, now: new Date(NOW_) });
  const manual = (over: Partial<RatedFinding> = {}): RatedFinding => ({
    ...rated(),
    tool: { name: 'Pentest' },
    kind: 'pentest' as RatedFinding['kind'],
    gated: false,
    fixed: { on: '2026-05-05' },
    firstDetected: '2026-04-01T00:00:00.000Z',
    ...over,
  });

  it('a new one: opened at its first detection, fixed on its day, gated for metrics, not listed as fixed by this run', () => {
    const f = manual({ path: 'p', startLine: 4, location: 'L', component: 'web', criticality: 'low', owners: ['@o'], cwe: ['CWE-1'] });
    const r = run({ entries: {}, runs: [] }, [f]);
    expect(r.next.entries.fp).toStrictEqual({
      fingerprint: 'fp',
      tool: 'Pentest',
      ruleId: 'js/sql-injection',
      title: 'SQL injection',
      kind: 'pentest',
      firstSeen: '2026-04-01T00:00:00.000Z',
      lastSeen: NOW_,
      state: 'fixed',
      reopenedCount: 0,
      severity: f.severity,
      gated: true,
      events: [
        { at: '2026-04-01T00:00:00.000Z', type: 'opened', severity: f.severity },
        { at: '2026-05-05T00:00:00.000Z', type: 'fixed' },
      ],
      path: 'p',
      startLine: 4,
      location: 'L',
      component: 'web',
      criticality: 'low',
      owners: ['@o'],
      cwe: ['CWE-1'],
      fixedAt: '2026-05-05T00:00:00.000Z',
    });
    expect(r.fixed).toEqual([]);
    expect(r.findings[0]).toMatchObject({ status: 'new', firstSeen: '2026-04-01T00:00:00.000Z' });
    expect(r.findings[0]).not.toHaveProperty('sla');
  });

  it('the fix day is kept between the first sighting and now; unreadable or absent: now', () => {
    const fixedAt = (on: string | undefined) =>
      run({ entries: {}, runs: [] }, [manual({ fixed: on === undefined ? {} : { on } })]).next.entries.fp?.fixedAt;
    expect(fixedAt('2026-03-01')).toBe('2026-04-01T00:00:00.000Z');
    expect(fixedAt('2026-06-01')).toBe(NOW_);
    expect(fixedAt('someday')).toBe(NOW_);
    expect(fixedAt(undefined)).toBe(NOW_);
  });

  it('an open one closed by its file: fixed on its day and listed; one already fixed stays as it was', () => {
    const open = run({ entries: {}, runs: [] }, [manual({ fixed: undefined, path: 'p', startLine: 4, location: 'L' })]).next;
    expect(open.entries.fp?.state).toBe('open');
    const r = run(open, [manual({ title: 'Renamed', path: 'q' })]);
    expect(r.next.entries.fp).toMatchObject({
      state: 'fixed',
      fixedAt: '2026-05-05T00:00:00.000Z',
      title: 'Renamed',
      path: 'q',
      startLine: 10,
    });
    expect(r.fixed).toStrictEqual([
      {
        fingerprint: 'fp',
        tool: { name: 'Pentest' },
        ruleId: 'js/sql-injection',
        title: 'Renamed',
        severity: r.next.entries.fp?.severity,
        path: 'q',
        startLine: 10,
        location: 'L',
        firstSeen: '2026-04-01T00:00:00.000Z',
        fixedAt: '2026-05-05T00:00:00.000Z',
      },
    ]);
    expect(r.findings[0]?.status).toBe('existing');
    expect(open.entries.fp?.events).toHaveLength(1); // the book read is not changed
    const again = run(r.next, [manual({ title: 'Again', fixed: { on: '2026-05-09' } })]);
    expect(again.next.entries.fp).toMatchObject({ state: 'fixed', fixedAt: '2026-05-05T00:00:00.000Z', title: 'Again', lastSeen: NOW_ });
    expect(again.next.entries.fp?.events).toEqual(r.next.entries.fp?.events);
    expect(again.fixed).toEqual([]);
  });
});

describe('SLA clocks shared per run', () => {
  it('findings share a clock only when every input is the same (criticality, reopen, KEV date)', () => {
    const sla = { days: { high: 30 }, byCriticality: { high: { high: 5 } }, dueSoon: { percent: 25 }, restartOnReopen: true };
    const f = (fingerprint: string, over: Partial<RatedFinding> = {}): RatedFinding => ({
      ...rated({ fingerprint }),
      severity: 'high',
      ...over,
    });
    const book: LedgerBook = { entries: {}, runs: [] };
    const first = trackRun({
      findings: [f('a'), f('b', { criticality: 'high' }), f('c', { exploit: { kevDueDate: '2026-05-03' } })],
      book,
      toolsRan: ['CodeQL'],
      sla,
      now: new Date('2026-05-01T00:00:00.000Z'),
    });
    const [a, b, c] = first.findings;
    expect(a?.sla?.due).toBe('2026-05-31T00:00:00.000Z');
    expect(b?.sla?.due).toBe('2026-05-06T00:00:00.000Z');
    expect(c?.sla?.due).toBe('2026-05-03T00:00:00.000Z');
    const fixedBook = trackRun({
      findings: [f('b', { criticality: 'high' }), f('c')],
      book: first.next,
      toolsRan: ['CodeQL'],
      sla,
      now: new Date('2026-05-02T00:00:00.000Z'),
    }).next;
    const reopened = trackRun({
      findings: [f('a'), f('c')],
      book: fixedBook,
      toolsRan: ['CodeQL'],
      sla,
      now: new Date('2026-05-04T00:00:00.000Z'),
    });
    expect(reopened.findings.map((x) => x.sla?.due)).toEqual(['2026-06-03T00:00:00.000Z', '2026-05-03T00:00:00.000Z']);
  });
});

describe('SLA clocks shared per run: different values of one input never share', () => {
  it('two criticalities, two reopen times, two KEV dates', () => {
    const sla = {
      days: { high: 30 },
      byCriticality: { high: { high: 5 }, low: { high: 60 } },
      dueSoon: { percent: 25 },
      restartOnReopen: true,
    };
    const f = (fingerprint: string, over: Partial<RatedFinding> = {}): RatedFinding => ({
      ...rated({ fingerprint }),
      severity: 'high',
      ...over,
    });
    const track = (book: LedgerBook, findings: RatedFinding[], now: string) =>
      trackRun({ findings, book, toolsRan: ['CodeQL'], sla, now: new Date(now) });
    const kev = (d: string) => ({ exploit: { kevDueDate: d } });
    const day1 = track(
      { entries: {}, runs: [] },
      [
        f('a'),
        f('b'),
        f('h', { criticality: 'high' }),
        f('l', { criticality: 'low' }),
        f('k1', kev('2026-05-03')),
        f('k2', kev('2026-05-04')),
      ],
      '2026-05-01T00:00:00.000Z',
    );
    expect(day1.findings.map((x) => x.sla?.due)).toEqual([
      '2026-05-31T00:00:00.000Z',
      '2026-05-31T00:00:00.000Z',
      '2026-05-06T00:00:00.000Z',
      '2026-06-30T00:00:00.000Z',
      '2026-05-03T00:00:00.000Z',
      '2026-05-04T00:00:00.000Z',
    ]);
    const fixed = track(day1.next, [], '2026-05-02T00:00:00.000Z').next;
    const aBack = track(fixed, [f('a')], '2026-05-03T00:00:00.000Z').next;
    const both = track(aBack, [f('a'), f('b')], '2026-05-04T00:00:00.000Z');
    expect(both.findings.map((x) => x.sla?.due)).toEqual(['2026-06-02T00:00:00.000Z', '2026-06-03T00:00:00.000Z']);
  });
});

describe('gatedBeforeExceptions: gated, or out of the gate only by the exception that applies', () => {
  it('both sides of each condition', () => {
    const ex = (state: 'active' | 'expiring' | 'expired', type = 'accepted-risk', id = 'EX') =>
      ({ id, type, state }) as RatedFinding['exception'];
    const f = (over: Partial<RatedFinding>): RatedFinding => ({ ...rated(), gated: false, ...over });
    expect(gatedBeforeExceptions(f({ gated: true }))).toBe(true);
    expect(gatedBeforeExceptions(f({}))).toBe(false);
    expect(gatedBeforeExceptions(f({ exception: ex('active'), notGatedReason: 'exception EX (accepted-risk)' }))).toBe(true);
    expect(gatedBeforeExceptions(f({ exception: ex('expiring'), notGatedReason: 'exception EX (accepted-risk)' }))).toBe(true);
    expect(gatedBeforeExceptions(f({ exception: ex('expired'), notGatedReason: 'exception EX (accepted-risk)' }))).toBe(false);
    expect(gatedBeforeExceptions(f({ exception: ex('active', 'sla-extension'), notGatedReason: 'exception EX (sla-extension)' }))).toBe(
      false,
    );
    expect(gatedBeforeExceptions(f({ exception: ex('active'), notGatedReason: 'suppressed by the scanner' }))).toBe(false);
    expect(gatedBeforeExceptions(f({ exception: ex('active'), notGatedReason: 'see exception EX (' }))).toBe(false);
    expect(gatedBeforeExceptions(f({ exception: ex('active') }))).toBe(false);
    expect(
      gatedBeforeExceptions(f({ exception: ex('active', 'accepted-risk', 'EX-2'), notGatedReason: 'exception EX (accepted-risk)' })),
    ).toBe(false);
  });
});

describe('trackRun: survivors of the third round (track.ts)', () => {
  const SLA = { days: { high: 30 }, dueSoon: { percent: 25 }, restartOnReopen: false };
  const NOW_ = '2026-05-10T00:00:00.000Z';
  /** One CodeQL run of `rated()` at NOW_ over a book holding `read` as the entry `fp`. */
  const once = (read: LedgerEntry, over: Partial<Parameters<typeof trackRun>[0]> = {}) =>
    trackRun({
      findings: [rated()],
      book: { entries: { fp: read }, runs: [] },
      toolsRan: ['CodeQL'],
      sla: SLA,
      now: new Date(NOW_),
      ...over,
    }).next;

  it('a manual finding fixed while open keeps its events and gets no empty cwe or undefined members', () => {
    const open = entry({
      tool: 'Pentest',
      kind: 'pentest',
      events: [{ at: '2026-05-01T00:00:00.000Z', type: 'opened', severity: 'high' }],
    });
    const f: RatedFinding = {
      ...rated(),
      tool: { name: 'Pentest' },
      kind: 'pentest' as RatedFinding['kind'],
      fixed: { on: '2026-05-05' },
      cwe: [],
    };
    delete (f as { path?: string }).path;
    delete (f as { startLine?: number }).startLine;
    const next = trackRun({
      findings: [f],
      book: { entries: { fp: open }, runs: [] },
      toolsRan: ['Pentest'],
      sla: SLA,
      now: new Date(NOW_),
    }).next;
    const e = next.entries.fp as LedgerEntry;
    expect(e.events.map((ev) => ev.type)).toEqual(['opened', 'fixed']);
    for (const k of ['cwe', 'path', 'startLine', 'component', 'criticality', 'owners'])
      expect({ k, has: Object.hasOwn(e, k) }).toEqual({ k, has: false });
  });

  it('an entry with a ticket keeps it, as a copy (the book read is never changed)', () => {
    const ticket = { tracker: 'github', repo: 'acme/app', number: 7, hash: 'h', state: 'open' as const };
    const read = entry({ ticket });
    const next = once(read);
    expect(next.entries.fp?.ticket).toEqual(ticket);
    expect(next.entries.fp?.ticket).not.toBe(ticket);
  });

  it('an existing entry written before environments were recorded gets this environment', () => {
    const read = entry();
    delete (read as { environments?: unknown }).environments;
    const next = once(read, { environment: 'production' });
    expect(next.entries.fp?.environments).toEqual({ production: NOW_ });
  });

  it('a backdated run is a BackdatedRunError by name', () => {
    const book: LedgerBook = { entries: {}, runs: [{ at: NOW_ } as RunSnapshot] };
    let err: unknown;
    try {
      trackRun({ findings: [], book, toolsRan: [], sla: SLA, now: new Date('2026-05-01T00:00:00.000Z'), runDate: {} });
    } catch (e) {
      err = e;
    }
    expect((err as Error).name).toBe('BackdatedRunError');
  });

  it('a reopened entry with both an exposure list and the older environments field gets this episode once', () => {
    const t1 = '2026-01-01T00:00:00.000Z';
    const e = sighted(entry({ exposures: { production: [t1] }, environments: { production: t1 } }), rated(), 'production', 'reopened');
    expect(e.exposures).toEqual({ production: [t1, NOW] });
  });
});
