import type { Exploitability, Finding } from '../model';
import type { EpssEntry, Enrichment, KevEntry } from './types';

export type { Enrichment } from './types';

/**
 * Adds exploitability from enrichment files to findings, matched by CVE id (a finding's `cve` holds its ids and
 * aliases; only `CVE-…` ids are looked up, case-insensitively). Pure: returns new findings, the input is not changed;
 * findings without a match are returned as they are.
 *
 * Precedence:
 * - **KEV**: the catalog file is the source of truth for membership. A CVE it lists makes the finding `kev: true` with
 *   the catalog's `dateAdded` and `dueDate` (replacing what a scanner said). A finding the catalog does not list keeps
 *   what its scanner said (a scanner may have used a newer catalog). With several CVEs in the catalog, the entry with
 *   the earliest due date is used (the strictest SLA cap).
 * - **EPSS**: the file's score replaces the scanner's when the file has the CVE; otherwise the scanner's stays. With
 *   several CVEs, the highest score is used (with its percentile).
 */
export function enrich<T extends Finding>(findings: readonly T[], enrichment: Enrichment): T[] {
  const kev = enrichment.kev?.entries;
  const epss = enrichment.epss?.entries;
  if ((!kev || kev.size === 0) && (!epss || epss.size === 0)) return [...findings];
  return findings.map((f) => {
    let k: KevEntry | undefined;
    let e: EpssEntry | undefined;
    for (const raw of f.cve) {
      if (!/^cve-/i.test(raw)) continue;
      const id = raw.toUpperCase();
      const ke = kev?.get(id);
      if (ke && (!k || (ke.dueDate !== undefined && (k.dueDate === undefined || ke.dueDate < k.dueDate)))) k = ke;
      const ee = epss?.get(id);
      if (ee && (!e || ee.epss > e.epss)) e = ee;
    }
    if (!k && !e) return f;
    const exploit: Exploitability = { ...f.exploit };
    if (k) {
      exploit.kev = true;
      delete exploit.kevDateAdded;
      delete exploit.kevDueDate;
      if (k.dateAdded) exploit.kevDateAdded = k.dateAdded;
      if (k.dueDate) exploit.kevDueDate = k.dueDate;
    }
    if (e) {
      exploit.epss = e.epss;
      delete exploit.epssPercentile;
      if (e.percentile !== undefined) exploit.epssPercentile = e.percentile;
    }
    return { ...f, exploit };
  });
}
