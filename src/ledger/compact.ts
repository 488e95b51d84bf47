import type { LedgerBook, LedgerEntry } from './schema';
import { DAY_MS } from './time';
import { copyEntry, emptyEntries, entryKeys, fixedKeys, fixedLine, hotEntry, isOpenLine } from './lines';

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

const coverageKey = (e: Pick<LedgerEntry, 'component' | 'tool' | 'kind'>): string => JSON.stringify([e.component ?? null, e.tool, e.kind]);

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
  const replaced = new Map<string, LedgerEntry>();
  // An entry still lazy (src/ledger/lines.ts) is read whole only when it is forgotten: a fixed one was compacted when
  // it was written (compactFixedEntry depends on nothing else).
  // The merge recorded which entries may be fixed (src/ledger/track.ts): only those are looked at.
  for (const fp of fixedKeys(book.entries) ?? entryKeys(book.entries)) {
    if (isOpenLine(book.entries, fp)) continue; // open, and not parsed to know it
    const line = fixedLine(book.entries, fp);
    const h = line ?? (book.entries[fp] as LedgerEntry | undefined);
    if (h === undefined || (line === undefined && (h as LedgerEntry).state !== 'fixed')) continue;
    const fixedAt = h.fixedAt !== undefined ? Date.parse(h.fixedAt) : NaN;
    if (fixedAt < cutoff && Date.parse(h.lastSeen) < cutoff) old.push([fp, book.entries[fp] as LedgerEntry]);
    else if (line === undefined) {
      const c = compactFixedEntry(h as LedgerEntry);
      if (c !== h) replaced.set(fp, c);
    }
  }
  // Nothing to forget or drop (the usual run): the same book, no copy.
  if (old.length === 0 && replaced.size === 0) return book;
  const forgotten = new Set(old.map(([fp]) => fp));
  const kept = emptyEntries(book.entries);
  for (const fp of entryKeys(book.entries)) {
    if (forgotten.has(fp)) continue;
    const c = replaced.get(fp);
    if (c) kept[fp] = c;
    else copyEntry(kept, book.entries, fp);
  }
  // Nothing forgotten: no representatives to look for, and `kept` is in the book's order already.
  if (old.length === 0) return { ...book, entries: kept };
  // Representatives: the newest forgotten entry of each (component, tool, kind) and severity no kept entry has.
  // Coverage keys are read from every kept entry's hot members; severities first from the current severity of the
  // gated ones (a subset of what is counted), and from every kept entry whole only when that subset lacks one.
  const covered = new Set<string>();
  const sevs = new Set<string>();
  for (const fp of entryKeys(kept)) {
    const h = hotEntry(kept, fp);
    covered.add(coverageKey(h));
    if (h.gated) sevs.add(h.severity);
  }
  let exact = false;
  old.sort(([fa, a], [fb, b]) => Date.parse(b.fixedAt as string) - Date.parse(a.fixedAt as string) || (fa < fb ? -1 : fa > fb ? 1 : 0));
  for (const [fp, e] of old) {
    const key = coverageKey(e);
    let missing = counted(e) ? [...severities(e)].filter((s) => !sevs.has(s)) : [];
    if (missing.length > 0 && !exact) {
      exact = true;
      for (const k of entryKeys(kept)) {
        const x = kept[k] as LedgerEntry;
        if (counted(x)) for (const s of severities(x)) sevs.add(s);
      }
      missing = missing.filter((s) => !sevs.has(s));
    }
    if (covered.has(key) && missing.length === 0) continue;
    covered.add(key);
    for (const s of missing) sevs.add(s);
    kept[fp] = compactFixedEntry(e);
  }
  // Keys in the order of the book (a stable file); without a prototype (fingerprints are scanner text).
  const entries = emptyEntries(book.entries);
  for (const fp of entryKeys(book.entries)) if (Object.hasOwn(kept, fp)) copyEntry(entries, kept, fp);
  return { ...book, entries };
}
