import { describe, expect, it } from '@jest/globals';
import { applyExceptions } from '../src/exceptions/apply';
import { computeSla, daysBetween, slaDays } from '../src/ledger/sla';
import { slaFor } from '../src/ledger/track';
import { rateAll } from '../src/rate/rate';
import type { SlaSettings } from '../src/policy/compile';
import type { RatedFinding } from '../src/model';
import { BASE_POLICY, finding, policyFrom } from './helpers';

/**
 * Time boundaries of the pure core, each tested on both sides: the last instant something still holds and the first
 * instant it no longer does (1 ms apart, in UTC). Letting an expired exception apply one more day, or an hour, or
 * calling a due date breached one instant early, fails here.
 */

const MS = 1;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const at = (iso: string, deltaMs = 0) => new Date(Date.parse(iso) + deltaMs);

const POLICY = policyFrom(
  BASE_POLICY.replace(
    'gates:\n  default:\n    - {name: No critical, severity: critical}\n',
    `sla: {critical: 7, high: 30, medium: 90, low: 180}
exceptions:
  expiring-days: 14
  entries:
    - id: EX-RISK
      type: accepted-risk
      match: {rule: "js/sql-injection"}
      reason: Replaced in Q1
      approved-by: security-team
      approved-on: 2026-10-02
      expires: 2026-12-31
    - id: EX-EXT
      type: sla-extension
      match: {rule: "py/*"}
      due: 2027-03-31
      reason: Vendor fix pending
      approved-by: carol
      approved-on: 2026-11-01
      expires: 2027-03-31
gates:
  default:
    - {name: No high+, severity: ">= high", max: 0}
`,
  ),
);

const rated = (over: Parameters<typeof finding>[0]) =>
  rateAll([finding({ fingerprint: 'fp', level: 'error', ...over })], POLICY)[0] as RatedFinding;

describe('exception expiry: expires 2026-12-31 applies through that whole UTC day, and not one instant more', () => {
  const sql = rated({ ruleId: 'js/sql-injection' });
  const apply = (now: Date) => {
    const r = applyExceptions([sql], POLICY.exceptions, now);
    return { f: r.findings[0] as RatedFinding, status: r.exceptions.find((e) => e.id === 'EX-RISK')! };
  };

  it('the last valid instant (2026-12-31T23:59:59.999Z): applies, expiring, 0 days left', () => {
    const { f, status } = apply(at('2027-01-01T00:00:00Z', -MS));
    expect(f.exception?.state).toBe('expiring');
    expect(f.gated).toBe(false);
    expect(status.state).toBe('expiring');
    expect(status.applied).toBe(1);
    expect(status.daysLeft).toBe(0);
  });

  it('the first expired instant (2027-01-01T00:00:00.000Z): does not apply, the finding is gated again', () => {
    const { f, status } = apply(at('2027-01-01T00:00:00Z'));
    expect(f.exception?.state).toBe('expired');
    expect(f.exception?.problem).toBe('expired on 2026-12-31');
    expect(f.gated).toBe(true);
    expect(f.notGatedReason).toBeUndefined();
    expect(status.state).toBe('expired');
    expect(status.applied).toBe(0);
    expect(status.daysLeft).toBe(0);
  });

  it('one hour and one day after: still expired (an extra hour or day of grace is a bug)', () => {
    for (const delta of [HOUR, DAY - MS, DAY]) {
      const { f, status } = apply(at('2027-01-01T00:00:00Z', delta));
      expect([f.gated, f.exception?.state, status.state]).toEqual([true, 'expired', 'expired']);
    }
    expect(apply(at('2027-01-02T00:00:00Z')).status.daysLeft).toBe(-1);
    // Days since expiry are whole days elapsed, rounded down (src/ledger/time.ts): 1 day − 1 ms after is 0.
    expect(apply(at('2027-01-02T00:00:00Z', -MS)).status.daysLeft).toBe(0);
  });

  it('the expiring window (14 days) starts exactly 14 days before the end, not an instant earlier', () => {
    const end = Date.parse('2027-01-01T00:00:00Z');
    const first = apply(new Date(end - 14 * DAY));
    expect(first.status.state).toBe('expiring');
    expect(first.status.daysLeft).toBe(14);
    const before = apply(new Date(end - 14 * DAY - MS));
    expect(before.status.state).toBe('active');
    expect(before.f.exception?.state).toBe('active');
    expect(before.f.gated).toBe(false);
  });

  it('an unmatched exception is stale until it expires, then expired', () => {
    const other = rated({ ruleId: 'js/xss' });
    expect(
      applyExceptions([other], POLICY.exceptions, at('2027-01-01T00:00:00Z', -MS)).exceptions.find((e) => e.id === 'EX-RISK')?.state,
    ).toBe('stale');
    expect(applyExceptions([other], POLICY.exceptions, at('2027-01-01T00:00:00Z')).exceptions.find((e) => e.id === 'EX-RISK')?.state).toBe(
      'expired',
    );
  });

  it('a --now with a UTC offset is the same instant: 2027-01-01T00:59:59.999+01:00 is still 2026-12-31 in UTC', () => {
    expect(apply(new Date('2027-01-01T00:59:59.999+01:00')).f.gated).toBe(false);
    expect(apply(new Date('2027-01-01T01:00:00.000+01:00')).f.gated).toBe(true);
    expect(apply(new Date('2026-12-31T18:59:59.999-05:00')).f.gated).toBe(false);
    expect(apply(new Date('2026-12-31T19:00:00.000-05:00')).f.gated).toBe(true);
  });
});

describe('SLA due instants', () => {
  const SLA: SlaSettings = { days: { critical: 7, high: 30, medium: 90, low: 180 }, dueSoon: { percent: 25 }, restartOnReopen: false };
  const FIRST = '2026-03-01T10:00:00.000Z';
  const DUE = Date.parse(FIRST) + 7 * DAY; // critical: 2026-03-08T10:00Z
  const sla = (now: number, over: Partial<Parameters<typeof computeSla>[0]> = {}, s: SlaSettings = SLA) =>
    computeSla({ severity: 'critical', firstSeen: FIRST, ...over }, s, new Date(now))!;

  it('due at first seen + days, to the millisecond; at the due instant within (due soon), one instant later breached', () => {
    expect(sla(DUE).due).toBe('2026-03-08T10:00:00.000Z');
    expect(sla(DUE).state).toBe('due-soon');
    expect(sla(DUE).daysLeft).toBe(0);
    expect(sla(DUE + MS).state).toBe('breached');
    // Less than a day overdue is 0 whole days overdue (docs/metrics.md: overdue = ⌊(now − due) / 1 day⌋).
    expect(sla(DUE + MS).daysLeft).toBe(0);
    expect(sla(DUE + HOUR).state).toBe('breached');
  });

  it('days left and days overdue are whole days rounded down on both sides of every day boundary', () => {
    expect(sla(DUE - DAY).daysLeft).toBe(1);
    expect(sla(DUE - DAY + MS).daysLeft).toBe(0);
    expect(sla(DUE - DAY - MS).daysLeft).toBe(1);
    expect(sla(DUE + DAY - MS).daysLeft).toBe(0);
    expect(sla(DUE + DAY).daysLeft).toBe(-1);
    expect(sla(DUE + DAY + MS).daysLeft).toBe(-1);
    expect(sla(DUE + 2 * DAY - MS).daysLeft).toBe(-1);
    expect(sla(DUE + 2 * DAY).daysLeft).toBe(-2);
    expect(Object.is(sla(DUE + MS).daysLeft, 0)).toBe(true); // not -0
    expect(daysBetween(new Date(0), new Date(2 * DAY - MS))).toBe(1);
    expect(daysBetween(new Date(0), new Date(2 * DAY))).toBe(2);
  });

  it('due-soon as a percentage: 25 % of 7 days = 42 hours before the due instant, not an instant earlier', () => {
    const soon = 0.25 * 7 * DAY;
    expect(sla(DUE - soon).state).toBe('due-soon');
    expect(sla(DUE - soon - MS).state).toBe('within');
  });

  it('due-soon in days: exactly N days before the due instant, on both sides', () => {
    const s: SlaSettings = { ...SLA, dueSoon: { days: 3 } };
    expect(sla(DUE - 3 * DAY, {}, s).state).toBe('due-soon');
    expect(sla(DUE - 3 * DAY - MS, {}, s).state).toBe('within');
    expect(sla(DUE, {}, s).state).toBe('due-soon');
    expect(sla(DUE + MS, {}, s).state).toBe('breached');
    const none: SlaSettings = { ...SLA, dueSoon: { days: 0 } };
    expect(sla(DUE, {}, none).state).toBe('due-soon');
    expect(sla(DUE - MS, {}, none).state).toBe('within');
  });

  it('restart-on-reopen: the clock starts at the reopen instant, to the millisecond', () => {
    const reopenedAt = '2026-04-01T00:00:00.000Z';
    const s = { ...SLA, restartOnReopen: true };
    const due = Date.parse(reopenedAt) + 7 * DAY;
    expect(sla(due, { reopenedAt }, s).state).toBe('due-soon');
    expect(sla(due + MS, { reopenedAt }, s).state).toBe('breached');
    expect(sla(due, { reopenedAt }, s).reason).toBe('reopened 2026-04-01 + 7 days (critical)');
    expect(sla(due, { reopenedAt }).reason).toBe('first seen 2026-03-01 + 7 days (critical)');
  });

  it('a KEV due date (a date) caps the due date at 00:00 UTC of that day: breached from the next instant', () => {
    const kev = { kevDueDate: '2026-03-05' };
    const kevDue = Date.parse('2026-03-05T00:00:00Z');
    expect(sla(kevDue, kev).due).toBe('2026-03-05T00:00:00.000Z');
    expect(sla(kevDue, kev).state).toBe('due-soon');
    expect(sla(kevDue + MS, kev).state).toBe('breached');
    expect(sla(kevDue, kev).reason).toBe('CISA KEV due date 2026-03-05 (earlier than first seen 2026-03-01 + 7 days (critical))');
  });

  it('a KEV due date only caps: equal to or later than the SLA due date changes nothing', () => {
    const same = sla(DUE, { kevDueDate: '2026-03-08T10:00:00.000Z' });
    expect(same.due).toBe('2026-03-08T10:00:00.000Z');
    expect(same.reason).toBe('first seen 2026-03-01 + 7 days (critical)');
    const oneMsEarlier = sla(DUE, { kevDueDate: '2026-03-08T09:59:59.999Z' });
    expect(oneMsEarlier.due).toBe('2026-03-08T09:59:59.999Z');
    expect(oneMsEarlier.state).toBe('breached');
    expect(sla(DUE, { kevDueDate: '2026-04-01' }).due).toBe('2026-03-08T10:00:00.000Z');
    expect(sla(DUE, { kevDueDate: 'soon' }).due).toBe('2026-03-08T10:00:00.000Z');
  });

  it('sla.by-criticality: the cell of the component criticality (none counts as medium), else sla days; the cell is named', () => {
    const s: SlaSettings = { ...SLA, byCriticality: { high: { critical: 2, high: 10 }, medium: { critical: 5 } } };
    expect(slaDays({ severity: 'critical', criticality: 'high' }, s)).toEqual({ days: 2, cell: 'critical, criticality high' });
    expect(slaDays({ severity: 'critical' }, s)).toEqual({ days: 5, cell: 'critical, criticality medium' });
    expect(slaDays({ severity: 'critical', criticality: 'medium' }, s)).toEqual({ days: 5, cell: 'critical, criticality medium' });
    // A cell the row does not give, or a criticality without a row, falls back to sla days.
    expect(slaDays({ severity: 'medium', criticality: 'high' }, s)).toEqual({ days: 90, cell: 'medium' });
    expect(slaDays({ severity: 'critical', criticality: 'low' }, s)).toEqual({ days: 7, cell: 'critical' });
    expect(slaDays({ severity: 'info', criticality: 'high' }, s)).toBeUndefined();
    expect(slaDays({ severity: 'constructor', criticality: 'high' }, s)).toBeUndefined();
    expect(slaDays({ severity: 'high' }, SLA)).toEqual({ days: 30, cell: 'high' });
    expect(sla(DUE, { criticality: 'high' }, s).reason).toBe('first seen 2026-03-01 + 2 days (critical, criticality high)');
    expect(sla(DUE, { criticality: 'high' }, s).due).toBe('2026-03-03T10:00:00.000Z');
  });

  it('an SLA extension whose date cannot be read leaves the computed due date', () => {
    const bad = sla(DUE, { extendedDue: { due: 'end of quarter', reason: 'ext' } });
    expect(bad.due).toBe('2026-03-08T10:00:00.000Z');
    expect(bad.reason).toBe('first seen 2026-03-01 + 7 days (critical)');
    expect(sla(DUE, { extendedDue: { due: '2026-04-01T00:00:00.000Z', reason: 'ext' } })).toMatchObject({
      due: '2026-04-01T00:00:00.000Z',
      reason: 'ext',
      state: 'within',
    });
  });

  it('an SLA extension is due at the end of its day (UTC): 23:59:59.999 within, the next day breached', () => {
    const py = rateAll([finding({ fingerprint: 'py', ruleId: 'py/eval', level: 'error' })], POLICY);
    const now = new Date('2026-11-25T12:00:00Z');
    const f = applyExceptions(py, POLICY.exceptions, now).findings[0] as RatedFinding;
    expect(f.exception?.state).toBe('active');
    const entry = { firstSeen: '2026-11-01T00:00:00.000Z' };
    const last = slaFor(f, entry, POLICY.sla, new Date('2027-03-31T23:59:59.999Z'))!;
    expect(last.due).toBe('2027-03-31T23:59:59.999Z');
    expect(last.state).toBe('due-soon');
    expect(last.reason).toBe('SLA extension EX-EXT to 2027-03-31, approved by carol');
    expect(slaFor(f, entry, POLICY.sla, new Date('2027-04-01T00:00:00.000Z'))!.state).toBe('breached');
    // An extension that no longer applies does not move the due date.
    const expired = applyExceptions(py, POLICY.exceptions, new Date('2027-04-01T00:00:00Z')).findings[0] as RatedFinding;
    expect(expired.exception?.state).toBe('expired');
    expect(slaFor(expired, entry, POLICY.sla, now)!.due).toBe('2026-12-01T00:00:00.000Z');
  });
});
