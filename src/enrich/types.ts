/**
 * Exploitability enrichment: CISA Known Exploited Vulnerabilities (KEV) and FIRST EPSS scores, read from files the
 * pipeline downloaded, matched to findings by CVE id. Plain data; the parsers and `enrich` are pure.
 */

/** One CISA KEV catalog entry, as far as rating and SLA need it. */
export interface KevEntry {
  /** When CISA added the CVE to the catalog (YYYY-MM-DD). */
  dateAdded?: string;
  /** The remediation due date CISA set for federal agencies (YYYY-MM-DD); caps the SLA due date. */
  dueDate?: string;
  /** `knownRansomwareCampaignUse: "Known"`. */
  ransomware: boolean;
}

/** One EPSS score: the probability (0–1) of exploitation activity in the next 30 days, and its percentile (0–1). */
export interface EpssEntry {
  epss: number;
  percentile?: number;
}

export interface KevCatalog {
  /** By upper-case CVE id. */
  entries: Map<string, KevEntry>;
  catalogVersion?: string;
  dateReleased?: string;
}

export interface EpssScores {
  /** By upper-case CVE id. */
  entries: Map<string, EpssEntry>;
  modelVersion?: string;
  scoreDate?: string;
}

/** What `enrich` applies; either part may be absent. */
export interface Enrichment {
  kev?: KevCatalog;
  epss?: EpssScores;
}

/** A CVE id: `CVE-YYYY-NNNN…`. */
export const CVE_RE = /^CVE-\d{4}-\d{4,}$/i;

/** A calendar date `YYYY-MM-DD` that exists. */
export function isIsoDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const t = Date.parse(`${s}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().startsWith(s);
}
