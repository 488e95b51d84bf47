/** Small readers for untrusted, loosely typed documents (parsed JSON or XML). None of them throws. */

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  // An integer beyond 2^53 was already rounded by JSON.parse: its digits would be wrong, so it is dropped.
  if (typeof v === 'number' && Number.isFinite(v) && (Number.isSafeInteger(v) || !Number.isInteger(v) || Math.abs(v) < 1)) return String(v);
  return undefined;
}

/** A non-empty trimmed string, or undefined. */
export function text(v: unknown): string | undefined {
  const s = str(v)?.trim();
  return s ? s : undefined;
}

export function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

const SCORE_TEXT = /^\s*\d{1,2}(?:\.\d+)?\s*$/;
const SEVERITY_WORDS = /^\s*(?:critical|high|medium|moderate|low|info|informational|negligible|none)\s*$/i;

/**
 * A score from 0 to 10 (CVSS base score, SARIF `security-severity`): `{}` when there is none (absent, null, empty
 * text), `{ score }` when it is a number in range (or such a number as text, as SARIF writes it), else `{ problem }`:
 * "99", "9,8", "-9.8", "high", 1e400 (Infinity once parsed) would otherwise be dropped silently, turning a critical into
 * whatever the finding's other fields say.
 */
export function readScore(v: unknown): { score?: number; word?: string; problem?: string } {
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) return {};
  const n = typeof v === 'number' ? v : typeof v === 'string' && SCORE_TEXT.test(v) ? Number(v) : NaN;
  if (Number.isFinite(n) && n >= 0 && n <= 10) return { score: n };
  // Some producers write the severity word instead (Semgrep OSS SARIF: "security-severity": "CRITICAL", corpus
  // issue_10191.json): read as the scanner's severity word, which the policy's from-scanner rates.
  if (typeof v === 'string' && SEVERITY_WORDS.test(v)) return { word: v.trim().toLowerCase() };
  return {
    problem: `expected a score from 0 to 10, found ${typeof v === 'number' && !Number.isFinite(v) ? 'a number out of range' : describeValue(v)}`,
  };
}

/** What to do about a score that is not a number from 0 to 10 (the message of `readScore`). */
export const SCORE_HINT = 'the finding was kept without this score, so its rating may be too low: fix the scanner output';

/** A positive safe integer (line and column numbers), or undefined. */
export function posInt(v: unknown): number | undefined {
  const n = num(v);
  return n !== undefined && Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Strings of an array (non-strings dropped), deduplicated in order. */
export function strings(v: unknown): string[] {
  const out = new Set<string>();
  for (const x of arr(v)) {
    const s = text(x);
    if (s) out.add(s);
  }
  return [...out];
}

const hasOwn = Object.prototype.hasOwnProperty;

/** Own property, never from the prototype chain (`__proto__`, `constructor` in untrusted files). */
export function own(o: unknown, key: string): unknown {
  return typeof o === 'object' && o !== null && !Array.isArray(o) && hasOwn.call(o, key) ? (o as Obj)[key] : undefined;
}

/** Normalizes CWE references (`CWE-79`, `cwe-079`, `79`, `external/cwe/cwe-79`) to `CWE-79`. */
export function cweId(v: unknown): string | undefined {
  const s = str(v);
  if (!s) return undefined;
  const m = /(?:^|[^a-z])cwe[-_:/ ]?0*(\d+)\b/i.exec(s) ?? /^0*(\d+)$/.exec(s.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  return n > 0 ? `CWE-${n}` : undefined;
}

export function uniq<T>(xs: Iterable<T>): T[] {
  return [...new Set(xs)];
}

/** JSON path segment for a key: `.name` when it is an identifier, `["…"]` otherwise. */
export function jsonKey(key: string | number): string {
  if (typeof key === 'number') return `[${key}]`;
  return /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/**
 * A scanner value as an error message shows it: short JSON for strings and other leaves (cut at `max` characters),
 * the kind of value for objects and arrays. Never the whole value: it may be megabytes, or nested too deep for
 * JSON.stringify.
 */
export function describeValue(v: unknown, max = 60): string {
  if (typeof v === 'string') return JSON.stringify(v.length > max ? `${v.slice(0, max)}…` : v);
  if (Array.isArray(v)) return `an array of ${v.length} element(s)`;
  if (typeof v === 'object' && v !== null) return 'an object';
  return String(v);
}

/** An ISO 8601 date or date and time (SARIF's `firstDetectionTimeUtc`, scanners' `openedAt`, `--now`). */
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?(?:[Zz]|[+-](\d{2})(?::?(\d{2}))?)?$/;

/** Whether the fields of an ISO_TIME match exist: month 01-12, a day of that month, 00:00:00 to 23:59:59, offset. */
function realFields(m: RegExpExecArray): boolean {
  const n = (i: number) => Number(m[i] ?? 0);
  const last = new Date(0);
  last.setUTCFullYear(n(1), n(2), 0); // day 0 of the next month: the month's last day
  return (
    n(2) >= 1 && n(2) <= 12 && n(3) >= 1 && n(3) <= last.getUTCDate() && n(4) <= 23 && n(5) <= 59 && n(6) <= 59 && n(7) <= 23 && n(8) <= 59
  );
}

/**
 * A timestamp as an ISO 8601 UTC string, or undefined when it is not an ISO 8601 time that exists (a date is compared
 * and computed with: text such as "unknown", "42" that Date.parse reads as the year 2042, or 2026-02-30 that it
 * reads as March 2, must not reach an SLA clock). The one ISO 8601 check of scanner times, ledger times and `--now`.
 */
export function isoTime(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const m = ISO_TIME.exec(v.trim());
  if (!m || !realFields(m)) return undefined;
  const t = Date.parse(
    v
      .trim()
      .replace(/^(\S+) /, '$1T')
      .replace(',', '.'),
  );
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/** Shortens scanner text that is used as a title. */
export function firstLine(s: string, max = 200): string {
  const line = s.split(/\r?\n/, 1)[0]?.trim() ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
