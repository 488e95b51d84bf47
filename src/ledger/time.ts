/**
 * Day counts, one rule everywhere (docs/metrics.md): **whole days elapsed, rounded down**. A finding first seen 1 day
 * − 1 ms ago is 0 days old, 1 day ago 1; due 1 day − 1 ms ago is 0 days overdue, 1 day ago 1. Ledger, SLA, gate,
 * metrics and reports all count days with these helpers, so one finding shows one age and one overdue figure. Pure.
 */

export const DAY_MS = 86_400_000;

/**
 * Whole days in a duration, rounded down in size: 2.9 days is 2, −2.9 days is −2 (never `-0`). The sign is kept so
 * that days left can be negative when overdue; callers that want an age of something in the future clamp it to 0.
 */
export function wholeDays(ms: number): number {
  const d = ms < 0 ? -Math.floor(-ms / DAY_MS) : Math.floor(ms / DAY_MS);
  return d === 0 ? 0 : d;
}

/** Whole days from `from` to `to` (ms or ISO time), rounded down; 0 when `to` is before `from` (an age, never negative). */
export function daysSince(from: number | string, to: number | string): number {
  const a = typeof from === 'string' ? Date.parse(from) : from;
  const b = typeof to === 'string' ? Date.parse(to) : to;
  return Math.max(0, wholeDays(b - a));
}
