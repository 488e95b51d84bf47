import { describe, expect, it } from '@jest/globals';
import { DAY_MS, daysSince, wholeDays } from '../src/ledger/time';

/** The one day rule (src/ledger/time.ts): whole days elapsed, rounded down, on both sides of each boundary. */
describe('day counts', () => {
  it('wholeDays rounds toward zero and never gives -0', () => {
    expect(wholeDays(0)).toBe(0);
    expect(Object.is(wholeDays(-1), 0)).toBe(true);
    expect(Object.is(wholeDays(-(DAY_MS - 1)), 0)).toBe(true);
    expect(wholeDays(DAY_MS - 1)).toBe(0);
    expect(wholeDays(DAY_MS)).toBe(1);
    expect(wholeDays(2.9 * DAY_MS)).toBe(2);
    expect(wholeDays(-DAY_MS)).toBe(-1);
    expect(wholeDays(-2.9 * DAY_MS)).toBe(-2);
    expect(wholeDays(-3 * DAY_MS)).toBe(-3);
  });

  it('daysSince takes ISO times and milliseconds alike, mixed in either position', () => {
    const from = '2026-03-01T12:00:00.000Z';
    const t = Date.parse(from);
    expect(daysSince(from, '2026-03-02T11:59:59.999Z')).toBe(0);
    expect(daysSince(from, '2026-03-02T12:00:00.000Z')).toBe(1);
    expect(daysSince(t, '2026-03-11T12:00:00.000Z')).toBe(10);
    expect(daysSince(from, t + 10 * DAY_MS - 1)).toBe(9);
    expect(daysSince(t, t + 10 * DAY_MS)).toBe(10);
    expect(daysSince('2026-03-01T00:00:00Z', '2026-03-08T00:00:00Z')).toBe(7);
  });

  it('daysSince is an age: 0, never negative, when `to` is before `from`', () => {
    const t = Date.parse('2026-03-01T12:00:00Z');
    expect(daysSince(t, t - 1)).toBe(0);
    expect(daysSince(t, t - 5 * DAY_MS)).toBe(0);
    expect(daysSince('2026-03-10T00:00:00Z', '2026-03-01T00:00:00Z')).toBe(0);
    expect(Object.is(daysSince(t, t - 1), 0)).toBe(true);
  });

  it('daysSince across a DST change of a local offset counts UTC days', () => {
    // Europe/Berlin moved to summer time on 2026-03-29: the times are the same instants whatever the offset says.
    expect(daysSince('2026-03-28T12:00:00+01:00', '2026-03-29T12:00:00+02:00')).toBe(0); // 23 hours
    expect(daysSince('2026-03-28T12:00:00+01:00', '2026-03-29T13:00:00+02:00')).toBe(1);
  });
});
