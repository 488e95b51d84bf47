/**
 * Text fields of the native parsers of ZAP, Dependency-Check, Snyk, Bandit, Checkov and GitLab reports: lower-cased
 * levels, advisory ids, message sections. The rest of their helpers: xml-nodes.ts, tool-refs.ts, purl.ts, urls.ts
 * (those of all parsers are in collector.ts).
 */

/** Lower case (levels, confidence), undefined for an absent or empty value. */
export function lower(s: string | undefined): string | undefined {
  return s ? s.toLowerCase() : undefined;
}

const VULN_ID = /^(?!CWE-)[A-Z][A-Z0-9]*-[A-Z0-9][\w.:-]*$/i;

/** True for strings that look like advisory ids (`CVE-…`, `GHSA-…`, `SNYK-…`, `GMS-…`), not free text or numbers. */
export function looksLikeVulnId(s: string | undefined): s is string {
  return !!s && s.length <= 100 && VULN_ID.test(s);
}

/** Appends a labelled paragraph to a message when the value is present. */
export function withSection(message: string, label: string, value: string | undefined): string {
  return value ? `${message}\n\n${label}: ${value}` : message;
}
