import type { LedgerBook, LedgerEntry } from './schema';
import { DAY_MS } from './time';
import { ownRecord } from '../own';

/**
 * Ledger compaction (issue #21): what the stores do to a book before writing it, so that a ledger of daily runs stays
 * about the size of its open findings instead of growing with every finding ever fixed. Pure: a function of the book,
 * `now` and the retention window. Documented in docs/ledger-and-sla.md ("Retention").
 *
 * - A finding **fixed more than `retentionDays` ago** (and not seen since) is forgotten: its entry is removed. Every
 *   metric over a period that starts within the window is unchanged: such an entry has no episode, fix, exposure or
 *   first sighting in the period, and is not open at any time in it (its exception history goes with it: the
 *   exceptions themselves stay in the policy's history, verified approvals in the book's `approvals`). Kept anyway:
 *   one entry per (component, tool, kind) and per severity that no kept entry has (the metrics' coverage table and
 *   severity list are computed over every entry, not over a period).
 * - A fixed entry inside the window keeps everything metrics and a reopen read; it loses what only an open finding
 *   needs: `seen` (what `gate-scope: ledger` gates while it is open) and `startLine` (both rewritten by the next
 *   sighting), and the `environments` sightings already listed in `exposures`.
 * - Open entries, run snapshots and approvals are never touched: nothing the gate reads is compacted.
 *
 * A forgotten finding that comes back is `new` (first seen again, a new SLA clock), not `reopened`.
 */

/** Default retention window in days: fixed findings are remembered this long after their fix. */
export const DEFAULT_RETENTION_DAYS = 90;

export interface CompactOptions {
  /** Days a fixed finding is remembered after its fix (default DEFAULT_RETENTION_DAYS). */
  retentionDays?: number;
}

/** The retention window from `DEFECT_GATE_LEDGER_RETENTION_DAYS` (a whole number of days, at least 1). */
export function retentionFromEnv(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const v = Number(value);
  if (!Number.isInteger(v) || v < 1) {
    throw new Error(
      `invalid DEFECT_GATE_LEDGER_RETENTION_DAYS "${value}": expected a whole number of days, at least 1 (default ${DEFAULT_RETENTION_DAYS})`,
    );
  }
  return v;
}

const coverageKey = (e: LedgerEntry): string => JSON.stringify([e.component ?? null, e.tool, e.kind]);

/** Severities an entry had (current and in its events): the metrics' severity list includes every one. */
function severities(e: LedgerEntry): Set<string> {
  const s = new Set([e.severity]);
  for (const ev of e.events) if (ev.severity !== undefined) s.add(ev.severity);
  return s;
}

/** Counted by metrics (src/metrics/compute.ts `counts`): gated, or out of the gate by an exception. */
const counted = (e: LedgerEntry): boolean => e.gated || (e.exceptions ?? []).some((h) => h.type !== 'sla-extension');

/** A fixed entry without what only an open finding needs (returns the entry itself when there is nothing to drop). */
export function compactFixedEntry(e: LedgerEntry): LedgerEntry {
  if (e.state !== 'fixed') return e;
  const redundantEnvironments =
    e.environments !== undefined &&
    Object.entries(e.environments).every(
      ([env, at]) => e.exposures !== undefined && Object.hasOwn(e.exposures, env) && e.exposures[env]?.includes(at),
    );
  if (e.seen === undefined && e.startLine === undefined && !redundantEnvironments) return e;
  const { seen: _seen, startLine: _startLine, environments, ...rest } = e;
  return redundantEnvironments || environments === undefined ? rest : { ...rest, environments };
}

/**
 * The book as it is written: fixed findings older than the retention window forgotten (with the exceptions above),
 * fixed entries inside it without open-only data. Returns the same book when there is nothing to compact.
 */
export function compactBook(book: LedgerBook, now: Date, opts: CompactOptions = {}): LedgerBook {
  const cutoff = now.getTime() - (opts.retentionDays ?? DEFAULT_RETENTION_DAYS) * DAY_MS;
  const old: [string, LedgerEntry][] = [];
  const kept = ownRecord<LedgerEntry>();
  let changed = false;
  for (const [fp, e] of Object.entries(book.entries)) {
    if (e.state !== 'fixed') {
      kept[fp] = e;
      continue;
    }
    const fixedAt = e.fixedAt !== undefined ? Date.parse(e.fixedAt) : NaN;
    if (fixedAt < cutoff && Date.parse(e.lastSeen) < cutoff) {
      old.push([fp, e]);
      continue;
    }
    const c = compactFixedEntry(e);
    if (c !== e) changed = true;
    kept[fp] = c;
  }
  if (old.length === 0) {
    // Nothing forgotten (the usual run inside the window): no representatives to look for, and `kept` is in the
    // book's order already.
    return changed ? { ...book, entries: kept } : book;
  }
  // Representatives: the newest forgotten entry of each (component, tool, kind) and severity no kept entry has.
  const covered = new Set<string>();
  const sevs = new Set<string>();
  for (const e of Object.values(kept)) {
    covered.add(coverageKey(e));
    if (counted(e)) for (const s of severities(e)) sevs.add(s);
  }
  old.sort(([fa, a], [fb, b]) => Date.parse(b.fixedAt as string) - Date.parse(a.fixedAt as string) || (fa < fb ? -1 : fa > fb ? 1 : 0));
  for (const [fp, e] of old) {
    const key = coverageKey(e);
    const missing = counted(e) ? [...severities(e)].filter((s) => !sevs.has(s)) : [];
    if (covered.has(key) && missing.length === 0) continue;
    covered.add(key);
    for (const s of missing) sevs.add(s);
    kept[fp] = compactFixedEntry(e);
  }
  // Keys in the order of the book (a stable file); without a prototype (fingerprints are scanner text).
  const entries = ownRecord<LedgerEntry>();
  for (const fp of Object.keys(book.entries)) if (Object.hasOwn(kept, fp)) entries[fp] = kept[fp] as LedgerEntry;
  return { ...book, entries };
}
