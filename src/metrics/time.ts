/** Periods and buckets for metrics (UTC). Pure. */
import { DAY_MS } from '../ledger/time';

export const DAY = DAY_MS;
export const WEEK = 7 * DAY;

export type BucketKind = 'week' | 'month';

export interface Bucket {
  /** `2026-01` (month) or the Monday `2026-01-12` (week). */
  label: string;
  /** Short label for chart axes: `Jan 2026`, `12 Jan`. */
  short: string;
  /** First instant (ms); the bucket runs to the next bucket's start (the last one to the period's end, inclusive). */
  start: number;
  end: number;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function bucketStart(t: number, kind: BucketKind): number {
  const d = new Date(t);
  if (kind === 'month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  const dow = (d.getUTCDay() + 6) % 7; // Monday 0
  return day - dow * DAY;
}

export function nextBucket(start: number, kind: BucketKind): number {
  if (kind === 'week') return start + WEEK;
  const d = new Date(start);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

function label(start: number, kind: BucketKind): { label: string; short: string } {
  const d = new Date(start);
  const iso = d.toISOString();
  if (kind === 'month') return { label: iso.slice(0, 7), short: `${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}` };
  return { label: iso.slice(0, 10), short: `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}` };
}

/** The buckets covering [since, until]: the first contains `since`, the last contains `until`. */
export function buckets(since: number, until: number, kind: BucketKind): Bucket[] {
  const out: Bucket[] = [];
  for (let s = bucketStart(since, kind); s <= until && out.length < 1000; s = nextBucket(s, kind)) {
    out.push({ ...label(s, kind), start: s, end: nextBucket(s, kind) });
  }
  return out;
}

/** Default period: the last 6 months (month buckets) or 12 weeks (week buckets) up to `until`, whole buckets. */
export function defaultSince(until: number, kind: BucketKind): number {
  const first = bucketStart(until, kind);
  if (kind === 'week') return first - 11 * WEEK;
  const d = new Date(first);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 5, 1);
}

export const days = (ms: number): number => ms / DAY;

export function isoDay(t: number | string | undefined): string {
  if (t === undefined) return '';
  return new Date(typeof t === 'string' ? Date.parse(t) : t).toISOString().slice(0, 10);
}

export function mean(xs: number[]): number | undefined {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined;
}

export function median(xs: number[]): number | undefined {
  if (!xs.length) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** The p-th percentile (0–100) by the nearest-rank method: the smallest value with at least p% of values at or below it. */
export function percentile(xs: number[], p: number): number | undefined {
  if (!xs.length) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * s.length));
  return s[Math.min(rank, s.length) - 1] as number;
}
