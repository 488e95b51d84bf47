import { describe, expect, it } from '@jest/globals';
import { computeMetrics, episodes, type MetricsOptions } from '../src/metrics/compute';
import { renderMetricsMarkdown, mermaidPie, mermaidXy } from '../src/metrics/markdown';
import { renderMetricsHtml } from '../src/metrics/html';
import { aggregateOrg, renderOrgHtml, renderOrgMarkdown } from '../src/metrics/org';
import { buckets } from '../src/metrics/time';
import type { LedgerBook, LedgerEntry, RunSnapshot } from '../src/ledger/schema';
import type { SlaSettings } from '../src/policy/compile';
import { runEngine } from '../src/engine';
import { renderMarkdown } from '../src/report/markdown';
import { defaultPolicy, finding } from './helpers';

/**
 * Metrics on a hand-built ledger. Each finding is written as a plain record of day numbers (days after 2026-01-01);
 * the expected figures are computed from those records by straightforward loops, a second way independent of the
 * event replay in src/metrics/compute.ts.
 */

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const d = (n: number) => new Date(T0 + n * DAY).toISOString();
const LEVELS = ['critical', 'high', 'medium', 'low', 'info'];
const SLA: SlaSettings = { days: { critical: 7, high: 30, medium: 90, low: 180 }, dueSoon: { percent: 25 }, restartOnReopen: false };

interface Rec {
  fp: string;
  sev: string;
  comp?: string;
  cwe?: string[];
  tool: string;
  kind: string;
  /** Day first opened; fixed; reopened; fixed again. */
  open: number;
  fix?: number;
  reopen?: number;
  refix?: number;
  /** First production sighting (day) of the current episode. */
  prod?: number;
  /** Accepted risk from this day, approved by. */
  accepted?: { from: number; by: string; id: string };
  gated?: boolean;
}

const RECS: Rec[] = [
  // Fixed in time (critical: 7 days SLA).
  { fp: 'a', sev: 'critical', comp: 'payments', cwe: ['CWE-89'], tool: 'CodeQL', kind: 'sast', open: 10, fix: 14, prod: 11 },
  // Fixed late (critical, 20 days).
  { fp: 'b', sev: 'critical', comp: 'payments', cwe: ['CWE-89'], tool: 'CodeQL', kind: 'sast', open: 20, fix: 40, prod: 22 },
  // High fixed in 10 days; then reopened and still open.
  { fp: 'c', sev: 'high', comp: 'web', cwe: ['CWE-79'], tool: 'Semgrep', kind: 'sast', open: 5, fix: 15, reopen: 50, prod: 55 },
  // High open since day 2: age 118 at day 120, past SLA.
  { fp: 'd', sev: 'high', comp: 'web', cwe: ['CWE-79'], tool: 'Semgrep', kind: 'sast', open: 2 },
  // High open since day 100: age 20, within SLA.
  { fp: 'e', sev: 'high', comp: 'api', cwe: ['CWE-918'], tool: 'Trivy', kind: 'sca', open: 100, prod: 101 },
  // Medium fixed in 30 days (within 90).
  { fp: 'f', sev: 'medium', comp: 'api', tool: 'Trivy', kind: 'sca', open: 30, fix: 60 },
  // Medium open since day 45 (age 75 at day 120): within its 90-day SLA.
  { fp: 'g', sev: 'medium', comp: 'api', cwe: ['CWE-400'], tool: 'Trivy', kind: 'sca', open: 45 },
  // Low, accepted risk (not counted as open), opened day 60, accepted day 61.
  { fp: 'h', sev: 'low', comp: 'web', tool: 'Gitleaks', kind: 'secret', open: 60, accepted: { from: 61, by: 'security-team', id: 'EX-1' } },
  // Critical opened before the period (day -40), fixed inside it (day 3): counts for MTTR/SLA, not for opened.
  { fp: 'i', sev: 'critical', comp: 'auth', tool: 'CodeQL', kind: 'sast', open: -40, fix: 3 },
  // Opened and fixed twice in the period: reopened then fixed again.
  { fp: 'j', sev: 'medium', comp: 'auth', tool: 'CodeQL', kind: 'sast', open: 70, fix: 80, reopen: 85, refix: 95 },
  // Not gated (scanner-suppressed): never counted.
  { fp: 'k', sev: 'critical', comp: 'web', tool: 'CodeQL', kind: 'sast', open: 10, gated: false },
];

function entry(r: Rec): LedgerEntry {
  const events: LedgerEntry['events'] = [{ at: d(r.open), type: 'opened', severity: r.sev }];
  if (r.fix !== undefined) events.push({ at: d(r.fix), type: 'fixed' });
  if (r.reopen !== undefined) events.push({ at: d(r.reopen), type: 'reopened', severity: r.sev });
  if (r.refix !== undefined) events.push({ at: d(r.refix), type: 'fixed' });
  const open = r.fix === undefined || (r.reopen !== undefined && r.refix === undefined);
  const lastFix = r.refix ?? r.fix;
  return {
    fingerprint: r.fp,
    tool: r.tool,
    ruleId: `rule-${r.fp}`,
    title: `Finding ${r.fp}`,
    kind: r.kind,
    path: `src/${r.comp ?? 'x'}/${r.fp}.ts`,
    ...(r.comp ? { component: r.comp } : {}),
    ...(r.cwe ? { cwe: r.cwe } : {}),
    ...(r.prod !== undefined ? { environments: { production: d(r.prod) } } : {}),
    firstSeen: d(r.open),
    lastSeen: d(open ? 120 : (lastFix as number) - 1),
    state: open ? 'open' : 'fixed',
    ...(open ? {} : { fixedAt: d(lastFix as number) }),
    reopenedCount: r.reopen !== undefined ? 1 : 0,
    ...(r.reopen !== undefined ? { reopenedAt: d(r.reopen) } : {}),
    severity: r.sev,
    gated: r.gated ?? !r.accepted,
    events,
    ...(r.accepted
      ? { exceptions: [{ id: r.accepted.id, type: 'accepted-risk', from: d(r.accepted.from), approvedBy: r.accepted.by }] }
      : {}),
  };
}

function run(day: number, environment: string, tools: Record<string, string[]>): RunSnapshot {
  return {
    at: d(day),
    environment,
    tools: Object.keys(tools),
    toolKinds: tools,
    open: {},
    new: 0,
    fixed: 0,
    reopened: 0,
    slaBreached: 0,
    slaDueSoon: 0,
    verdict: 'pass',
  };
}

const BOOK: LedgerBook = {
  entries: Object.fromEntries(RECS.map((r) => [r.fp, entry(r)])),
  runs: [
    run(-40, 'default', { CodeQL: ['sast'] }),
    run(10, 'default', { CodeQL: ['sast'], Semgrep: ['sast'] }),
    run(30, 'production', { Trivy: ['sca'] }),
    run(60, 'default', { Gitleaks: ['secret'], CodeQL: ['sast'] }),
    run(119, 'production', { CodeQL: ['sast'], Trivy: ['sca'] }),
  ],
};

// Period: 2026-01-01 .. day 120 (2026-05-01), monthly buckets.
const NOW = new Date(T0 + 120 * DAY);
const OPTS: MetricsOptions = {
  now: NOW,
  since: new Date(T0),
  until: NOW,
  bucket: 'month',
  levels: LEVELS,
  sla: SLA,
  exceptions: [{ id: 'EX-1', type: 'accepted-risk', approvedBy: 'security-team', expires: '2026-05-20' }],
};

// ---- The second way: straight from the records.
const counted = RECS.filter((r) => r.gated !== false);
const isOpen = (r: Rec) => r.fix === undefined || (r.reopen !== undefined && r.refix === undefined);
const openRecs = counted.filter((r) => isOpen(r) && !r.accepted);
const fixes = counted
  .flatMap((r) => [
    ...(r.fix !== undefined ? [{ r, start: r.open, end: r.fix }] : []),
    ...(r.refix !== undefined ? [{ r, start: r.reopen as number, end: r.refix }] : []),
  ])
  .filter((f) => f.end >= 0 && f.end <= 120);
const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const med = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
// SLA measured from first seen (restart-on-reopen: false).
const withinSla = (f: (typeof fixes)[number]) => f.end - f.r.open <= (SLA.days[f.r.sev] as number);

describe('defect metrics on a hand-built ledger', () => {
  const m = computeMetrics(BOOK, OPTS);

  it('counts open findings by severity, component, CWE and tool (gated, not under an exception)', () => {
    expect(m.open.total).toBe(openRecs.length);
    for (const l of LEVELS) expect(m.open.bySeverity[l]).toBe(openRecs.filter((r) => r.sev === l).length);
    const byComp = new Map<string, number>();
    for (const r of openRecs) byComp.set(r.comp ?? '(no component)', (byComp.get(r.comp ?? '(no component)') ?? 0) + 1);
    expect(Object.fromEntries(m.open.byComponent.map((x) => [x.key, x.total]))).toEqual(Object.fromEntries(byComp));
    const byTool = new Map<string, number>();
    for (const r of openRecs) byTool.set(r.tool, (byTool.get(r.tool) ?? 0) + 1);
    expect(Object.fromEntries(m.open.byTool.map((x) => [x.key, x.total]))).toEqual(Object.fromEntries(byTool));
    expect(m.open.byCwe.find((x) => x.key === 'CWE-79')?.total).toBe(openRecs.filter((r) => r.cwe?.includes('CWE-79')).length);
    // Worst first: web has two highs.
    expect(m.open.byComponent[0]?.key).toBe('web');
  });

  it('counts opened, reopened and fixed per month', () => {
    const month = (day: number) => new Date(T0 + day * DAY).toISOString().slice(0, 7);
    const expected = new Map<string, { opened: number; fixed: number; reopened: number }>();
    for (const b of ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05']) expected.set(b, { opened: 0, fixed: 0, reopened: 0 });
    for (const r of counted) {
      if (r.open >= 0) expected.get(month(r.open))!.opened++;
      if (r.reopen !== undefined) expected.get(month(r.reopen))!.reopened++;
    }
    for (const f of fixes) expected.get(month(f.end))!.fixed++;
    expect(m.flow.buckets.map((b) => b.label)).toEqual([...expected.keys()]);
    expect(Object.fromEntries(m.flow.buckets.map((b) => [b.label, { opened: b.opened, fixed: b.fixed, reopened: b.reopened }]))).toEqual(
      Object.fromEntries(expected),
    );
    // Backlog at the end of the last bucket (= until) is the open count.
    expect(m.flow.buckets.at(-1)?.backlog).toBe(openRecs.length);
  });

  it('computes the backlog at the end of each month by replaying history', () => {
    const openAt = (r: Rec, day: number) =>
      (r.open <= day && (r.fix === undefined || r.fix > day)) ||
      (r.reopen !== undefined && r.reopen <= day && (r.refix === undefined || r.refix > day));
    const excepted = (r: Rec, day: number) => r.accepted !== undefined && r.accepted.from <= day;
    const ends = [31, 59, 90, 120].map((x) => x - 1e-9); // last instant of Jan, Feb, Mar, Apr
    const expected = ends.map((day) => counted.filter((r) => openAt(r, day) && !excepted(r, day)).length);
    expect(m.flow.buckets.slice(0, 4).map((b) => b.backlog)).toEqual(expected);
  });

  it('computes MTTR (mean and median) per severity from the fixes in the period', () => {
    const all = fixes.map((f) => f.end - f.start);
    expect(m.timeToResolve.overall.count).toBe(all.length);
    expect(m.timeToResolve.overall.meanDays).toBeCloseTo(avg(all), 9);
    expect(m.timeToResolve.overall.medianDays).toBeCloseTo(med(all), 9);
    for (const l of ['critical', 'medium']) {
      const xs = fixes.filter((f) => f.r.sev === l).map((f) => f.end - f.start);
      expect(m.timeToResolve.bySeverity[l]?.meanDays).toBeCloseTo(avg(xs), 9);
      expect(m.timeToResolve.bySeverity[l]?.medianDays).toBeCloseTo(med(xs), 9);
    }
  });

  it('computes SLA compliance (fixed within SLA / fixed) and lists open breaches with their age', () => {
    expect(m.sla.fixed).toBe(fixes.length);
    expect(m.sla.fixedWithinSla).toBe(fixes.filter(withinSla).length);
    expect(m.sla.compliance).toBeCloseTo(fixes.filter(withinSla).length / fixes.length, 9);
    const crit = fixes.filter((f) => f.r.sev === 'critical');
    expect(m.sla.bySeverity.critical).toEqual({
      fixed: crit.length,
      withinSla: crit.filter(withinSla).length,
      compliance: crit.filter(withinSla).length / crit.length,
    });
    const breached = openRecs.filter((r) => 120 - r.open > (SLA.days[r.sev] as number));
    expect(m.sla.breaches.map((b) => b.fingerprint).sort()).toEqual(breached.map((r) => r.fp).sort());
    const dRow = m.sla.breaches.find((b) => b.fingerprint === 'd');
    expect(dRow).toMatchObject({ ageDays: 118, daysOverdue: 88, severity: 'high' });
  });

  it('buckets the age of open critical and high findings', () => {
    const top = openRecs.filter((r) => r.sev === 'critical' || r.sev === 'high').map((r) => 120 - r.open);
    const expected = [
      top.filter((a) => a < 30).length,
      top.filter((a) => a >= 30 && a < 60).length,
      top.filter((a) => a >= 60 && a < 90).length,
      top.filter((a) => a >= 90).length,
    ];
    expect(m.age.levels).toEqual(['critical', 'high']);
    expect(m.age.buckets.map((b) => b.total)).toEqual(expected);
  });

  it('reports accepted risk by severity and approver, and exceptions expiring soon', () => {
    const acc = counted.filter((r) => r.accepted && isOpen(r));
    expect(m.acceptedRisk.total).toBe(acc.length);
    expect(m.acceptedRisk.bySeverity.low).toBe(1);
    expect(m.acceptedRisk.byApprover).toEqual([{ key: 'security-team', count: 1 }]);
    expect(m.acceptedRisk.expiring).toEqual([
      { id: 'EX-1', type: 'accepted-risk', approvedBy: 'security-team', expires: '2026-05-20', daysLeft: 20, findings: 1 },
    ]);
  });

  it('measures the window of exposure from the first production sighting to the fix or the end of the period', () => {
    const exposed = counted.filter((r) => r.prod !== undefined);
    const windows = exposed.map((r) => {
      const end = r.reopen !== undefined && r.prod! >= r.reopen ? (r.refix ?? 120) : (r.fix ?? 120);
      return end - r.prod!;
    });
    expect(m.exposure.overall.count).toBe(exposed.length);
    expect(m.exposure.overall.meanDays).toBeCloseTo(avg(windows), 9);
    expect(m.exposure.exposedNow).toBe(exposed.filter((r) => isOpen(r)).length);
    expect(m.exposure.longest[0]).toMatchObject({ fingerprint: 'c', days: 65 });
  });

  it('computes velocity per week and the reopen rate', () => {
    const weeks = 120 / 7;
    const opened = counted.filter((r) => r.open >= 0).length;
    expect(m.velocity.openedPerWeek).toBeCloseTo(opened / weeks, 9);
    expect(m.velocity.fixedPerWeek).toBeCloseTo(fixes.length / weeks, 9);
    expect(m.velocity.reopenRate).toBeCloseTo(counted.filter((r) => r.reopen !== undefined).length / fixes.length, 9);
  });

  it('maps verification coverage: activities of the tools that ran, per component', () => {
    expect(m.coverage.repository).toEqual({ sast: ['CodeQL', 'Semgrep'], sca: ['Trivy'], secret: ['Gitleaks'], iac: [], dast: [] });
    expect(m.coverage.missing).toEqual(['iac', 'dast']);
    const web = m.coverage.components.find((c) => c.component === 'web');
    expect(web?.activities.sast).toEqual(['CodeQL', 'Semgrep']);
    expect(web?.activities.secret).toEqual(['Gitleaks']);
    expect(m.runs).toMatchObject({ total: 5, inPeriod: 4, production: 2 });
  });

  it('sees the past: --until before a fix counts the finding as open then', () => {
    const past = computeMetrics(BOOK, { ...OPTS, until: new Date(T0 + 12 * DAY) });
    expect(past.open.total).toBe(
      counted.filter((r) => r.open <= 12 && (r.fix === undefined || r.fix > 12) && !(r.accepted && r.accepted.from <= 12)).length,
    );
    expect(past.open.byComponent.find((x) => x.key === 'payments')?.total).toBe(1);
  });

  it('replays trimmed event histories without losing the present state', () => {
    const e = entry(RECS[9] as Rec);
    expect(episodes(e).map((x) => [x.start, x.end, x.reopen])).toEqual([
      [T0 + 70 * DAY, T0 + 80 * DAY, false],
      [T0 + 85 * DAY, T0 + 95 * DAY, true],
    ]);
    const trimmed = { ...e, events: [e.events[0]!, e.events[3]!] }; // opened … fixed (middle events dropped)
    expect(episodes(trimmed).at(-1)?.end).toBe(T0 + 95 * DAY);
  });

  it('makes weekly buckets starting on Mondays', () => {
    const b = buckets(Date.parse('2026-01-07T12:00:00Z'), Date.parse('2026-01-20T00:00:00Z'), 'week');
    expect(b.map((x) => x.label)).toEqual(['2026-01-05', '2026-01-12', '2026-01-19']);
  });
});

describe('rendering metrics', () => {
  const evil: LedgerBook = {
    entries: {
      x: {
        ...entry({ fp: 'x', sev: 'high', comp: '<img src=x onerror=alert(1)>', tool: 'Evil"Tool', kind: 'sast', open: 1 }),
        title: '<script>alert(1)</script> @octocat #1 [link](javascript:x)',
        path: 'src/evil.ts',
        cwe: ['__proto__'],
      },
    },
    runs: [run(1, 'default', { 'Evil"Tool': ['sast'] })],
  };
  const m = computeMetrics(evil, OPTS);

  it('escapes ledger text in Markdown, HTML and SVG', () => {
    const mdText = renderMetricsMarkdown(m, { subject: 'acme/<b>app</b>' });
    expect(mdText).not.toContain('<img');
    expect(mdText).not.toContain('<script');
    expect(mdText).not.toContain('<b>app');
    const htmlText = renderMetricsHtml(m, { subject: 'acme/<b>app</b>' });
    expect(htmlText).not.toMatch(/<img|<script|<b>app/);
    expect(htmlText).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(htmlText).not.toMatch(/<[^>]*\s(src|href)=|@import|url\(|<script|<link/); // self-contained: no external asset, no script
    expect(htmlText).toContain('<svg');
    expect(Object.prototype.hasOwnProperty.call({}, 'x')).toBe(false);
    expect(m.open.byCwe[0]?.key).toBe('__proto__');
  });

  it('puts a plain table beside every Mermaid chart', () => {
    const text = renderMetricsMarkdown(computeMetrics(BOOK, OPTS));
    const blocks = text.split('```mermaid');
    expect(blocks.length).toBeGreaterThan(3);
    for (const after of blocks.slice(1)) {
      const rest = after.slice(after.indexOf('```', 1) + 3);
      // Either the table, or the next chart of the same pair (whose table follows it).
      expect(rest.trim() === '' || rest.trimStart().startsWith('|')).toBe(true);
    }
  });

  it('writes valid Mermaid: quoted labels without quotes inside, numeric series', () => {
    expect(
      mermaidPie('Open "x"', [
        ['a"b', 2],
        ['zero', 0],
      ]),
    ).toBe('```mermaid\npie showData title Open x\n    "a b" : 2\n```');
    const xy = mermaidXy('T', ['Jan 2026', 'Feb 2026'], 'n', [
      { type: 'bar', values: [1, 9] },
      { type: 'line', values: [2, 3] },
    ]);
    expect(xy).toContain('x-axis ["Jan 2026", "Feb 2026"]');
    expect(xy).toContain('y-axis "n" 0 --> 10');
    expect(xy).toContain('    bar [1, 9]\n    line [2, 3]');
  });

  it('aggregates an organization: hot spots, SLA compliance per repository, worst offenders', () => {
    const a = computeMetrics(BOOK, OPTS);
    const clean = computeMetrics({ entries: {}, runs: [] }, OPTS);
    const org = aggregateOrg(
      'acme',
      [{ repo: 'acme/a', metrics: a }, { repo: 'acme/b', metrics: clean }, { repo: 'acme/c' }, { repo: 'acme/d', error: 'HTTP 403: nope' }],
      NOW,
    );
    expect(org.repositories).toEqual({
      listed: 4,
      withLedger: 2,
      withoutLedger: ['acme/c'],
      errors: [{ repo: 'acme/d', error: 'HTTP 403: nope' }],
    });
    expect(org.open.total).toBe(a.open.total);
    expect(org.worstOffenders.map((r) => r.repo)).toEqual(['acme/a']);
    expect(org.perRepository.find((r) => r.repo === 'acme/a')?.slaCompliance).toBeCloseTo(a.sla.compliance as number, 9);
    expect(org.hotSpots.components[0]?.key).toBe('acme/a / web');
    expect(renderOrgMarkdown(org)).toContain('## Worst offenders');
    expect(renderOrgHtml(org)).toContain('<svg');
  });
});

describe('job summary metrics section', () => {
  it('appears when the run is tracked, computed from the ledger after the run', () => {
    const policy = defaultPolicy();
    const files = [{ file: 'x', findings: [finding({ fingerprint: 'n1', level: 'error' })], errors: [], tools: [{ name: 'CodeQL' }] }];
    const tracked = runEngine({ files, policy, environment: 'default', onInputError: 'fail', now: NOW, ledger: BOOK });
    const text = renderMarkdown(tracked);
    expect(text).toContain('### Metrics (');
    expect(text).toContain('```mermaid\npie showData title Open by severity');
    expect(text).toContain('| Open | ');
    const untracked = runEngine({ files, policy, environment: 'default', onInputError: 'fail', now: NOW });
    expect(renderMarkdown(untracked)).not.toContain('### Metrics');
  });

  it('stays within the size budget', () => {
    const policy = defaultPolicy();
    const files = [{ file: 'x', findings: [finding({ fingerprint: 'n1', level: 'error' })], errors: [], tools: [{ name: 'CodeQL' }] }];
    const r = runEngine({ files, policy, environment: 'default', onInputError: 'fail', now: NOW, ledger: BOOK });
    const text = renderMarkdown(r, { maxBytes: 20_000 });
    expect(Buffer.byteLength(text)).toBeLessThan(20_000);
  });
});
