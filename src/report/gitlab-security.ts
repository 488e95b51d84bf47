import { createHash } from 'node:crypto';
import type { RunResult } from '../engine';
import type { RatedFinding } from '../model';
import { VERSION } from '../version';
import { safeUrl, stripControl, truncate } from '../text/escape';
import { isOpenFinding } from './gitlab-codequality';

/**
 * GitLab security reports (`--gitlab-sast`, `--gitlab-dependency-scanning`, `--gitlab-container-scanning`), declared
 * as `artifacts:reports:sast` / `dependency_scanning` / `container_scanning`, so the open findings appear in the merge
 * request security widget, the pipeline's Security tab and the vulnerability report (GitLab Ultimate).
 *
 * Format: GitLab's security report schemas v15.2.4 (schema/vendor/gitlab/, the tests validate every report against
 * them). One report type per file, as GitLab wants; every open finding (gated, not under an applying exception: the
 * same set as the Code Quality report) belongs to exactly one type:
 *
 * - container_scanning: a `container` finding with a package (Trivy/Grype image scans, OS packages);
 * - dependency_scanning: any other finding with a package (Trivy fs, Grype dir, OSV-Scanner, npm audit, Snyk …);
 * - sast: everything else (code, IaC, secrets, DAST, findings without a package).
 *
 * Severity: the organization's severity (the policy's rating, not the scanner's), by name when the level is called
 * critical / high / medium / low / info, else by rank (first level Critical, then High, Medium, Low, the rest Info).
 */

export const GITLAB_SCHEMA_VERSION = '15.2.4';

export const GITLAB_REPORT_TYPES = ['sast', 'dependency_scanning', 'container_scanning'] as const;
export type GitLabReportType = (typeof GITLAB_REPORT_TYPES)[number];

export type GitLabSeverity = 'Critical' | 'High' | 'Medium' | 'Low' | 'Info' | 'Unknown';

const BY_NAME: Record<string, GitLabSeverity> = { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low', info: 'Info' };
const BY_RANK: GitLabSeverity[] = ['Critical', 'High', 'Medium', 'Low'];

/** GitLab's severity for an organization severity (its name and rank in `policy.severity.levels`). */
export function gitlabSeverity(level: string, rank: number): GitLabSeverity {
  return BY_NAME[level.toLowerCase()] ?? BY_RANK[rank] ?? 'Info';
}

/** The report type a finding belongs in. */
export function gitlabReportType(f: Pick<RatedFinding, 'kind' | 'package'>): GitLabReportType {
  if (!f.package?.name) return 'sast';
  return f.kind === 'container' ? 'container_scanning' : 'dependency_scanning';
}

interface Identifier {
  type: string;
  name: string;
  value: string;
  url?: string;
}

interface Component {
  id: string;
  name: string;
  version: string;
  vendor: { name: string };
  url?: string;
}

export interface GitLabVulnerability {
  id: string;
  name: string;
  description: string;
  severity: GitLabSeverity;
  solution?: string;
  identifiers: Identifier[];
  links?: { url: string; name?: string }[];
  location: Record<string, unknown>;
}

const SCHEMA_FILE: Record<GitLabReportType, string> = {
  sast: 'sast-report-format.json',
  dependency_scanning: 'dependency-scanning-report-format.json',
  container_scanning: 'container-scanning-report-format.json',
};

/** One line of clean text, cut to `max` characters. */
function clean(s: string, max: number): string {
  return truncate(stripControl(s).trim(), max);
}

/** A stable UUID-shaped id (GitLab recommends a UUID) from the report type and the finding's fingerprint. */
function vulnerabilityId(type: GitLabReportType, fingerprint: string): string {
  const h = createHash('sha256').update(`${type}\0${fingerprint}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** `semgrep_rule_id`, `grype_rule_id`: the convention GitLab's own analyzers use for their rule identifiers. */
function ruleIdType(tool: string): string {
  const slug = tool
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return `${slug || 'scanner'}_rule_id`;
}

const ADVISORY = /^(CVE-\d{4}-\d+|GHSA(-[23456789cfghjmpqrvwx]{4}){3})$/i;

function identifiers(f: RatedFinding): Identifier[] {
  const out: Identifier[] = [];
  const seen = new Set<string>();
  const add = (i: Identifier) => {
    const key = `${i.type}\0${i.value}`;
    if (!i.type || !i.name || !i.value || seen.has(key)) return;
    seen.add(key);
    out.push(i);
  };
  // The primary identifier (the first) is the scanner's rule, GitLab groups occurrences by it; when the rule is a
  // CVE or GHSA id (dependency and image scanners), the advisory itself is the primary identifier, as GitLab's own
  // analyzers write it, so the same advisory from two scanners is one vulnerability.
  const rule = clean(f.ruleId, 255) || 'unknown';
  if (!ADVISORY.test(rule))
    add({ type: ruleIdType(f.tool.name), name: rule, value: rule, ...(safeUrl(f.helpUri) ? { url: safeUrl(f.helpUri) as string } : {}) });
  for (const id of [rule, ...f.cve]) {
    const v = clean(id, 255);
    if (!ADVISORY.test(v)) continue;
    if (/^CVE-/i.test(v))
      add({ type: 'cve', name: v.toUpperCase(), value: v.toUpperCase(), url: `https://nvd.nist.gov/vuln/detail/${v.toUpperCase()}` });
    else add({ type: 'ghsa', name: v, value: v, url: `https://github.com/advisories/${v}` });
  }
  for (const id of f.cve) {
    const v = clean(id, 255);
    if (v && !ADVISORY.test(v)) add({ type: 'advisory', name: v, value: v });
  }
  for (const cwe of f.cwe) {
    const n = /(\d+)$/.exec(cwe)?.[1];
    if (n) add({ type: 'cwe', name: `CWE-${n}`, value: n, url: `https://cwe.mitre.org/data/definitions/${n}.html` });
  }
  return out;
}

function location(type: GitLabReportType, f: RatedFinding): Record<string, unknown> {
  const pkg = f.package;
  if (type === 'container_scanning' && pkg) {
    // Trivy names an image target `image:tag (alpine 3.9.4)`: the image, then its operating system.
    const target = clean(f.component ?? f.location ?? '', 1000);
    const os = /^(.+?)\s*\(([^()]+)\)$/.exec(target);
    return {
      dependency: { package: { name: clean(pkg.name, 1000) }, version: clean(pkg.version ?? '', 1000) },
      // GitLab needs both; a finding without them names what it has (the package type, the scanner report).
      operating_system: (os ? clean(os[2] as string, 255) : '') || clean(pkg.ecosystem ?? '', 255) || 'unknown',
      image: (os ? (os[1] as string) : target) || clean(f.source.file, 1000),
    };
  }
  if (type === 'dependency_scanning' && pkg) {
    return {
      // The manifest or lock file; a finding without a file location points at the scanner report it came from.
      file: f.path ?? f.source.file,
      dependency: { package: { name: clean(pkg.name, 1000) }, version: clean(pkg.version ?? '', 1000) },
    };
  }
  const loc: Record<string, unknown> = { file: f.path ?? f.source.file };
  if (f.path !== undefined && f.startLine !== undefined && f.startLine >= 1) {
    loc.start_line = f.startLine;
    if (f.endLine !== undefined && f.endLine >= f.startLine) loc.end_line = f.endLine;
  }
  return loc;
}

export function gitlabVulnerability(type: GitLabReportType, f: RatedFinding): GitLabVulnerability {
  const title = clean(f.title || f.ruleId, 255) || 'unknown';
  const where = f.path === undefined && f.location ? `\n\nLocation: ${stripControl(f.location)}` : '';
  const rating = `Organization severity: ${f.severity} (defect-gate policy)${f.sla ? `; fix by ${f.sla.due.slice(0, 10)}` : ''}.`;
  const fixed = f.package?.fixedVersions?.filter((v) => v.trim() !== '') ?? [];
  const url = safeUrl(f.helpUri);
  return {
    id: vulnerabilityId(type, f.fingerprint),
    name: title,
    description: truncate(`${stripControl(f.message || f.title || f.ruleId).trim()}${where}\n\n${rating}`, 1_000_000),
    severity: gitlabSeverity(f.severity, f.rank),
    ...(f.package && fixed.length > 0 ? { solution: clean(`Upgrade ${f.package.name} to ${fixed.join(' or ')}.`, 7000) } : {}),
    identifiers: identifiers(f),
    ...(url ? { links: [{ url }] } : {}),
    location: location(type, f),
  };
}

/** `yyyy-mm-ddThh:mm:ss` (UTC), the time format of the schema. */
function schemaTime(iso: string): string {
  return new Date(iso).toISOString().slice(0, 19);
}

/** The open findings of a run by report type. */
export function findingsByReportType(result: Pick<RunResult, 'findings'>): Record<GitLabReportType, RatedFinding[]> {
  const out: Record<GitLabReportType, RatedFinding[]> = { sast: [], dependency_scanning: [], container_scanning: [] };
  for (const f of result.findings) if (isOpenFinding(f)) out[gitlabReportType(f)].push(f);
  return out;
}

/**
 * One report as JSON text in pieces (a million findings do not fit one string). `others` counts the open findings
 * that belong to the other types and are not written anywhere (no file requested for their type): the report says so
 * in `scan.messages`.
 */
export function* gitlabSecurityPieces(
  type: GitLabReportType,
  result: Pick<RunResult, 'findings' | 'generatedAt' | 'errors' | 'tools'>,
  unwritten: Partial<Record<GitLabReportType, number>> = {},
): Generator<string> {
  const time = schemaTime(result.generatedAt);
  const findings = findingsByReportType(result)[type];
  const toolNames = [...new Set(findings.map((f) => clean(f.tool.name, 100)).filter(Boolean))].sort();
  const analyzer: Component = { id: 'defect-gate', name: 'defect-gate', version: VERSION, vendor: { name: 'defect-gate' } };
  // One report holds the findings of several scanners; each keeps its tool in its primary identifier's type.
  const scanner: Component = {
    id: 'defect-gate',
    name: clean(toolNames.length > 0 ? `defect-gate (${toolNames.join(', ')})` : 'defect-gate', 255),
    version: VERSION,
    vendor: { name: 'defect-gate' },
  };
  const messages: { level: 'info' | 'warn' | 'fatal'; value: string }[] = [];
  for (const e of result.errors) {
    const at = e.line !== undefined ? `:${e.line}${e.column !== undefined ? `:${e.column}` : ''}` : e.jsonPath ? ` ${e.jsonPath}` : '';
    messages.push({
      level: e.severity === 'fatal' ? 'fatal' : 'warn',
      value: clean(`${e.file}${at}: ${e.message}${e.hint ? ` (${e.hint})` : ''}`, 2000) || 'input error',
    });
  }
  for (const t of GITLAB_REPORT_TYPES) {
    const n = unwritten[t] ?? 0;
    if (t !== type && n > 0)
      messages.push({
        level: 'warn',
        value: `${n} open finding(s) belong in a ${t} report, which this run did not write (--gitlab-${t.replace(/_/g, '-')} FILE)`,
      });
  }
  // A scan whose inputs could not all be read found nothing in what it did not read: not a success.
  const status = result.errors.some((e) => e.severity !== 'scanner') ? 'failure' : 'success';
  const head = {
    version: GITLAB_SCHEMA_VERSION,
    schema: `https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/v${GITLAB_SCHEMA_VERSION}/dist/${SCHEMA_FILE[type]}`,
    scan: { analyzer, scanner, type, start_time: time, end_time: time, status, ...(messages.length > 0 ? { messages } : {}) },
  };
  const headText = JSON.stringify(head, null, 2);
  yield `${headText.slice(0, -2)},\n  "vulnerabilities": [`;
  let first = true;
  for (const f of findings) {
    yield `${first ? '\n' : ',\n'}    ${JSON.stringify(gitlabVulnerability(type, f))}`;
    first = false;
  }
  yield first ? ']\n}\n' : '\n  ]\n}\n';
}
