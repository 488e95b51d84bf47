import { describe, expect, it } from '@jest/globals';
import { trackRun, type TrackResult } from '../src/ledger/track';
import { emptyBook, type LedgerBook } from '../src/ledger/schema';
import { rateAll } from '../src/rate/rate';
import { computeMetrics, episodes } from '../src/metrics/compute';
import { defaultPolicy, finding } from './helpers';

/**
 * A finding that comes back more than once: fixed, reopened, fixed again, seen again… Each return is a reopen (not an
 * "existing" finding of a fixed entry), and the metrics built on the history count every episode: reopen rate, time
 * to resolve per episode, SLA compliance per episode, window of exposure per production episode.
 */

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (d: number) => new Date(T0 + d * DAY);
const iso = (d: number) => at(d).toISOString();
const p = defaultPolicy(); // high: 30 days, restart-on-reopen: false
const A = finding({ fingerprint: 'a', level: 'error' }); // high
const B = finding({ fingerprint: 'b', level: 'error', ruleId: 'js/xss', title: 'XSS' });

/** Runs in order: [day, fingerprints seen, environment]. CodeQL runs every time (so an absent finding is fixed). */
function history(runs: [number, ReturnType<typeof finding>[], string?][], book: LedgerBook = emptyBook()): TrackResult[] {
  const out: TrackResult[] = [];
  for (const [day, fs, env] of runs) {
    const r = trackRun({
      findings: rateAll(fs, p),
      book,
      toolsRan: ['CodeQL'],
      sla: p.sla,
      now: at(day),
      ...(env ? { environment: env } : {}),
    });
    out.push(r);
    book = r.next;
  }
  return out;
}

// a: open 0–10, 20–30, 40–50, 60–(open). b: open 0 onwards, never fixed (a control).
const CYCLES: [number, ReturnType<typeof finding>[], string?][] = [
  [0, [A, B], 'production'],
  [10, [B], 'production'],
  [20, [A, B], 'production'],
  [25, [A, B], 'production'],
  [30, [B], 'production'],
  [40, [A, B], 'production'],
  [45, [A, B], 'production'],
  [50, [B], 'production'],
  [60, [A, B], 'production'],
  [65, [A, B], 'production'],
];

describe('a finding fixed and reopened several times', () => {
  const rs = history(CYCLES);
  const statusOfA = rs.map(
    (r) => r.findings.find((f) => f.fingerprint === 'a')?.status ?? (r.fixed.some((f) => f.fingerprint === 'a') ? 'fixed' : '-'),
  );
  const last = rs[rs.length - 1]!.next.entries.a!;

  it('is reopened every time it comes back, not only the first time', () => {
    expect(statusOfA).toEqual(['new', 'fixed', 'reopened', 'existing', 'fixed', 'reopened', 'existing', 'fixed', 'reopened', 'existing']);
    expect(rs.map((r) => r.next.entries.a?.state)).toEqual([
      'open',
      'fixed',
      'open',
      'open',
      'fixed',
      'open',
      'open',
      'fixed',
      'open',
      'open',
    ]);
    expect(rs.map((r) => r.next.entries.a?.reopenedCount)).toEqual([0, 0, 1, 1, 1, 2, 2, 2, 3, 3]);
  });

  it('keeps first seen, records each reopen and fix instant, and clears fixedAt while open', () => {
    expect(last.firstSeen).toBe(iso(0));
    expect(last.lastSeen).toBe(iso(65));
    expect(last.reopenedAt).toBe(iso(60));
    expect(last.fixedAt).toBeUndefined();
    expect(rs[7]!.next.entries.a?.fixedAt).toBe(iso(50));
    expect(rs[7]!.next.entries.a?.reopenedAt).toBe(iso(40));
    expect(last.events.map((e) => [e.type, e.at])).toEqual([
      ['opened', iso(0)],
      ['fixed', iso(10)],
      ['reopened', iso(20)],
      ['fixed', iso(30)],
      ['reopened', iso(40)],
      ['fixed', iso(50)],
      ['reopened', iso(60)],
    ]);
    expect(rs.map((r) => r.fixed.map((f) => [f.fingerprint, f.fixedAt]))).toEqual([
      [],
      [['a', iso(10)]],
      [],
      [],
      [['a', iso(30)]],
      [],
      [],
      [['a', iso(50)]],
      [],
      [],
    ]);
  });

  it('the control finding is existing throughout and never reopened', () => {
    expect(rs.slice(1).map((r) => r.findings.find((f) => f.fingerprint === 'b')?.status)).toEqual(Array(9).fill('existing'));
    expect(rs[9]!.next.entries.b?.reopenedCount).toBe(0);
  });

  it('the SLA clock stays on first seen by default, and restarts at each reopen with restart-on-reopen', () => {
    // Seen on day 65, first seen day 0, high = 30 days: breached since day 30.
    expect(rs[9]!.findings.find((f) => f.fingerprint === 'a')?.sla).toMatchObject({ due: iso(30), state: 'breached' });
    const restart = { ...p.sla, restartOnReopen: true };
    const r = trackRun({ findings: rateAll([A], p), book: rs[8]!.next, toolsRan: ['CodeQL'], sla: restart, now: at(65) });
    expect(r.findings[0]?.sla).toMatchObject({ start: iso(60), due: iso(90), state: 'within' });
  });

  it('the window of exposure restarts at each reopen: the production sighting of the current episode', () => {
    expect(rs.map((r) => r.next.entries.a?.environments?.production)).toEqual([
      iso(0),
      iso(0),
      iso(20),
      iso(20),
      iso(20),
      iso(40),
      iso(40),
      iso(40),
      iso(60),
      iso(60),
    ]);
  });

  it("records every episode's first production sighting (exposures), not only the current one", () => {
    expect(rs.map((r) => r.next.entries.a?.exposures?.production)).toEqual([
      [iso(0)],
      [iso(0)],
      [iso(0), iso(20)],
      [iso(0), iso(20)],
      [iso(0), iso(20)],
      [iso(0), iso(20), iso(40)],
      [iso(0), iso(20), iso(40)],
      [iso(0), iso(20), iso(40)],
      [iso(0), iso(20), iso(40), iso(60)],
      [iso(0), iso(20), iso(40), iso(60)],
    ]);
  });

  it('episodes replay every cycle', () => {
    expect(episodes(last)).toEqual([
      { start: T0, end: T0 + 10 * DAY, reopen: false },
      { start: T0 + 20 * DAY, end: T0 + 30 * DAY, reopen: true },
      { start: T0 + 40 * DAY, end: T0 + 50 * DAY, reopen: true },
      { start: T0 + 60 * DAY, reopen: true },
    ]);
  });

  describe('metrics on that history', () => {
    const book = rs[9]!.next;
    const opts = { now: at(70), since: at(0), until: at(70), bucket: 'month' as const, levels: p.levels, sla: p.sla };
    const m = computeMetrics(book, opts);

    it('counts two openings (a and b), three reopens and three fixes: reopen rate 1', () => {
      expect([m.flow.opened, m.flow.reopened, m.flow.fixed]).toEqual([2, 3, 3]);
      expect(m.velocity.reopenRate).toBe(1);
      expect(m.flow.buckets.map((b) => [b.label, b.opened, b.reopened, b.fixed])).toEqual([
        ['2026-01', 2, 1, 2],
        ['2026-02', 0, 1, 1],
        ['2026-03', 0, 1, 0],
      ]);
    });

    it('time to resolve per episode (10 days each), not from first seen to the last fix', () => {
      expect(m.timeToResolve.overall).toEqual({ count: 3, meanDays: 10, medianDays: 10, maxDays: 10 });
      expect(m.timeToResolve.bySeverity.high).toEqual({ count: 3, meanDays: 10, medianDays: 10, maxDays: 10 });
    });

    it('SLA compliance per episode, from first seen: fixed on day 10 and on the due instant (day 30) within, day 50 not', () => {
      expect(m.sla.bySeverity.high).toEqual({ fixed: 3, withinSla: 2, compliance: 2 / 3 });
      const restart = computeMetrics(book, { ...opts, sla: { ...p.sla, restartOnReopen: true } });
      expect(restart.sla.bySeverity.high).toEqual({ fixed: 3, withinSla: 3, compliance: 1 });
    });

    it('exposure counts every production episode: four windows of 10 days, the last still open (day 60 to until, day 70)', () => {
      const a = m.exposure.longest.filter((r) => r.fingerprint === 'a').sort((x, y) => x.episode - y.episode);
      expect(a.map((r) => [r.episode, r.exposedSince, r.fixedAt, r.days])).toEqual([
        [1, iso(0), iso(10), 10],
        [2, iso(20), iso(30), 10],
        [3, iso(40), iso(50), 10],
        [4, iso(60), undefined, 10],
      ]);
      expect(m.exposure.exposedNow).toBe(2);
      expect(m.open.total).toBe(2);
    });

    it('a past --until sees the past state: fixed at day 50, open again at day 60', () => {
      const fixedThen = computeMetrics(book, { ...opts, until: at(55), now: at(70) });
      expect(fixedThen.open.total).toBe(1);
      expect(fixedThen.flow.reopened).toBe(2);
      expect(fixedThen.flow.fixed).toBe(3);
      const openThen = computeMetrics(book, { ...opts, until: at(45), now: at(70) });
      expect(openThen.open.total).toBe(2);
      expect([openThen.flow.reopened, openThen.flow.fixed]).toEqual([2, 2]);
    });

    it('a history that ends fixed: exposure from the last episode sighting to its fix', () => {
      const ended = history([[70, [B], 'production']], book)[0]!.next;
      const e = computeMetrics(ended, { ...opts, until: at(80), now: at(80) });
      expect(e.exposure.longest.find((r) => r.fingerprint === 'a' && r.episode === 4)).toMatchObject({
        exposedSince: iso(60),
        fixedAt: iso(70),
        days: 10,
      });
      expect(e.exposure.longest.filter((r) => r.fingerprint === 'a')).toHaveLength(4);
      expect(e.exposure.exposedNow).toBe(1);
      expect([e.flow.opened, e.flow.reopened, e.flow.fixed]).toEqual([2, 3, 4]);
      expect(e.timeToResolve.overall).toMatchObject({ count: 4, meanDays: 10 });
    });
  });
});
