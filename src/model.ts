/**
 * The normalized finding: one record for every input format (SARIF and native scanner outputs).
 * Parsers produce `Finding`s; the rating step turns them into `RatedFinding`s; later stages (ledger, exceptions)
 * add to them. Everything here is plain data, safe to serialize.
 */

/**
 * Activities whose findings people report (manual findings files, src/ingest/formats/findings.ts): each is a finding
 * kind of its own, so policies can match them (`kind: pentest`) and metrics count them as verification activities.
 */
export const MANUAL_KINDS = ['pentest', 'bug-bounty', 'threat-model', 'code-review', 'disclosure', 'audit'] as const;
export type ManualKind = (typeof MANUAL_KINDS)[number];

/** What found the defect: a scanner's technique, or a manual activity (MANUAL_KINDS). */
export const FINDING_KINDS = ['sast', 'sca', 'secret', 'iac', 'container', 'dast', ...MANUAL_KINDS, 'other'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

const MANUAL_KIND_SET: ReadonlySet<string> = new Set(MANUAL_KINDS);
/** True for kinds of manual findings: fixed only when their file says so (`status: fixed`), never by absence. */
export function isManualKind(kind: string): boolean {
  return MANUAL_KIND_SET.has(kind);
}

/**
 * OWASP Risk Rating Methodology factors (each 0–9), as a manual finding gives them (`owasp-risk:`). Carried as data;
 * a finding rated only by them falls back to the policy's default level until they are scored.
 */
export const OWASP_LIKELIHOOD_FACTORS = [
  'skill-level',
  'motive',
  'opportunity',
  'size',
  'ease-of-discovery',
  'ease-of-exploit',
  'awareness',
  'intrusion-detection',
] as const;
export const OWASP_IMPACT_FACTORS = [
  'loss-of-confidentiality',
  'loss-of-integrity',
  'loss-of-availability',
  'loss-of-accountability',
  'financial-damage',
  'reputation-damage',
  'non-compliance',
  'privacy-violation',
] as const;
export type OwaspRiskFactor = (typeof OWASP_LIKELIHOOD_FACTORS)[number] | (typeof OWASP_IMPACT_FACTORS)[number];
export type OwaspRisk = Partial<Record<OwaspRiskFactor, number>>;

/** A manual finding's `owasp-risk:` (kebab-case, as written) as the finding's `owaspRisk` (camelCase, src/rate/owasp-risk.ts). */
export function owaspRiskFactors(given: OwaspRisk): OwaspRiskFactors {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(given)) {
    if (typeof v === 'number') out[k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = v;
  }
  return out as OwaspRiskFactors;
}

/** SARIF `level` values. */
export const SARIF_LEVELS = ['error', 'warning', 'note', 'none'] as const;
export type SarifLevel = (typeof SARIF_LEVELS)[number];

/** SARIF `result.kind` values; only `fail` is gated. */
export type ResultKind = 'fail' | 'pass' | 'review' | 'open' | 'notApplicable' | 'informational';

export interface ToolRef {
  name: string;
  version?: string;
}

/** Where a finding came from: which input file, which format, which position in it. */
export interface SourceRef {
  /** The input file as the user named it (workspace-relative when possible). */
  file: string;
  /** Format id, e.g. `sarif`, `trivy`, `grype`. */
  format: string;
  /** JSON path of the record inside the file, e.g. `$.runs[0].results[3]`. */
  pointer: string;
  /** For SARIF inputs: run and result index, so a rated SARIF can be written back. */
  runIndex?: number;
  resultIndex?: number;
}

export interface Cvss {
  version?: string;
  score?: number;
  vector?: string;
}

/**
 * OWASP Risk Rating Methodology factors, each 0–9 (src/rate/owasp-risk.ts): eight likelihood factors, four technical
 * impact factors and, when known, four business impact factors (used instead of the technical ones when all four are
 * given). For findings without CVSS (manual findings: pentest, threat model, code review).
 */
export interface OwaspRiskFactors {
  skillLevel?: number;
  motive?: number;
  opportunity?: number;
  size?: number;
  easeOfDiscovery?: number;
  easeOfExploit?: number;
  awareness?: number;
  intrusionDetection?: number;
  lossOfConfidentiality?: number;
  lossOfIntegrity?: number;
  lossOfAvailability?: number;
  lossOfAccountability?: number;
  financialDamage?: number;
  reputationDamage?: number;
  nonCompliance?: number;
  privacyViolation?: number;
}

export interface PackageRef {
  /** Ecosystem in purl-type spelling where known: npm, pypi, maven, golang, gem, nuget, cargo, composer, deb, apk, rpm … */
  ecosystem?: string;
  name: string;
  version?: string;
  purl?: string;
  fixedVersions?: string[];
}

export interface Exploitability {
  kev?: boolean;
  kevDateAdded?: string;
  kevDueDate?: string;
  epss?: number;
  epssPercentile?: number;
}

export interface ScannerSuppression {
  /** SARIF `suppression.kind`: inSource | external; native formats use `inSource`. */
  kind: string;
  status?: string;
  justification?: string;
}

export interface Finding {
  /** Stable identity across runs (see src/ingest/fingerprint.ts). */
  fingerprint: string;
  /** How the fingerprint was obtained, e.g. `sarif:fingerprints/primaryLocationLineHash`, `computed:line`, `computed:message`, `package`. */
  fingerprintSource: string;
  tool: ToolRef;
  /** Other tools that reported the same defect (filled by cross-tool deduplication). */
  alsoReportedBy?: ToolRef[];
  source: SourceRef;

  ruleId: string;
  title: string;
  message: string;
  helpUri?: string;
  kind: FindingKind;
  cwe: string[];
  /** Vulnerability ids: CVE first, then aliases (GHSA, OSV …). */
  cve: string[];
  tags: string[];

  /** Scanner's own rating, kept as given. */
  level?: SarifLevel;
  /** SARIF result kind; anything but `fail` is reported and not gated. */
  resultKind: ResultKind;
  /** `security-severity` (0–10) from the result or its rule. */
  securitySeverity?: number;
  cvss?: Cvss;
  /**
   * A CVSS vector given without a `cvss` record (a manual finding's `cvss:`), e.g. `CVSS:3.1/AV:N/…`. The rating
   * scores it (src/rate/cvss.ts); `cvss.vector` wins when both are given.
   */
  cvssVector?: string;
  /** OWASP Risk Rating factors (manual findings without CVSS); rated when the finding has no score. */
  owaspRisk?: OwaspRiskFactors;
  /** The scanner's severity word, lower-cased (e.g. `high`, `moderate`, `negligible`). */
  scannerSeverity?: string;

  /** Repository-relative path with `/` separators; absent when the finding has no file location. */
  path?: string;
  /** A location outside the workspace (or not a file) kept as text; never annotated. */
  location?: string;
  startLine?: number;
  endLine?: number;
  startColumn?: number;
  endColumn?: number;
  /** Text of the flagged region when the scanner gave it (SARIF `region.snippet.text`). */
  snippet?: string;
  component?: string;
  package?: PackageRef;
  exploit?: Exploitability;

  suppressions: ScannerSuppression[];
  /** SARIF `baselineState`: new | unchanged | updated | absent. */
  baselineState?: string;
  /**
   * When the defect was first detected (ISO 8601): SARIF `provenance.firstDetectionTimeUtc`, a manual finding's
   * `reported-on`, DefectDojo's `date`. The ledger's first seen (and the SLA clock) when earlier than the run.
   */
  firstDetected?: string;
  /** Who reported it (manual findings: `reported-by`). */
  reportedBy?: string;
  /**
   * Set when the input says the defect is fixed (a manual finding's `status: fixed` + `fixed-on`, DefectDojo's
   * `is_mitigated` / `mitigated`): reported, never gated, and closed in the ledger `on` that time (ISO 8601; without
   * it, at the run's time). Kept between the first sighting and the run.
   */
  fixed?: { on?: string };
  /** Links given with the finding (manual findings `references`, DefectDojo `references`); `helpUri` is the first. */
  references?: string[];
  /** When the vulnerability (CVE) was published (ISO 8601), when the scanner gives it (Trivy PublishedDate, OSV published). */
  published?: string;
}

/** One step of a rating explanation. */
export interface RatingStep {
  /** `base` for the starting rating, `rule` for a policy rule, `default` when nothing rated it, `component` for the business criticality of the finding's component. */
  step: 'base' | 'rule' | 'default' | 'component';
  /** What the step looked at, e.g. `security-severity 8.8 >= 7 (high)` or the rule's name. */
  detail: string;
  /** Severity before the step (absent for the base step). */
  from?: string;
  /** Severity after the step. */
  to: string;
}

export interface RatedFinding extends Finding {
  /** Organization severity (one of `policy.severity.levels`). */
  severity: string;
  /** Index of `severity` in the policy's levels: 0 is the most severe. */
  rank: number;
  /** False for results that are reported but never gated (SARIF kind other than `fail`, scanner-suppressed). */
  gated: boolean;
  /** Why a finding is not gated. */
  notGatedReason?: string;
  explanation: RatingStep[];
  /**
   * The score the rating used when it differs from the scanner's (`securitySeverity`, else `cvss.score`): computed
   * from the CVSS vector, the environmental score, or the higher of a scanner score and its vector's score.
   */
  score?: number;
  /** Owner of the finding's component (policy `components`). */
  componentOwner?: string;
  /**
   * Who owns the finding: the policy component's `owner`/`owners`, else the last matching CODEOWNERS rule. `@org/team`
   * entries are teams; `@login` and e-mail addresses are users (see src/owners/assign.ts `splitOwners`).
   */
  owners?: string[];
  /** Where `owners` came from, e.g. `component payments` or `.github/CODEOWNERS:12 (apps/**)`. */
  ownersFrom?: string;
  /** Business criticality of the finding's component (policy `components`). */
  criticality?: 'high' | 'medium' | 'low';
  /** Set when a ledger was used: new (not open before), existing, or reopened (was fixed, is back: a regression). */
  status?: TrackStatus;
  /** When the ledger first saw this finding (ISO 8601). */
  firstSeen?: string;
  /** Fix-by clock; absent when the severity has no SLA or no ledger was used. */
  sla?: SlaInfo;
  /** The policy exception that matched, if any (also when it expired or is not allowed). */
  exception?: ExceptionRef;
}

/** Tracking status of a current finding against the ledger (see src/ledger/). */
export type TrackStatus = 'new' | 'existing' | 'reopened';

export type SlaState = 'within' | 'due-soon' | 'breached';

/** The fix-by clock of an open finding. */
export interface SlaInfo {
  /** Days allowed for the finding's current severity (policy `sla`). */
  days: number;
  /** When the clock started (first seen, SARIF firstDetectionTimeUtc, or the reopen time with restart-on-reopen). */
  start: string;
  /** Due date (ISO 8601); may be capped by a KEV due date or moved by an SLA extension. */
  due: string;
  state: SlaState;
  /** Whole days until due (negative when breached). */
  daysLeft: number;
  /** Why the due date is what it is, e.g. `first seen 2026-10-01 + 30 days (high)`. */
  reason: string;
}

/** An exception (policy `exceptions`) that matched a finding, and what came of it. */
export interface ExceptionRef {
  id: string;
  type: 'accepted-risk' | 'false-positive' | 'mitigated' | 'sla-extension';
  /** active / expiring: applies; expired: no longer applies; not-allowed: the policy forbids it for this finding. */
  state: 'active' | 'expiring' | 'expired' | 'not-allowed' | 'unverified';
  /** Why it does not apply (expired on …, not allowed for critical, window longer than max-days …). */
  problem?: string;
  approvedBy?: string;
  approvedOn?: string;
  expires?: string;
  reason?: string;
  ticket?: string;
  control?: string;
  /** For sla-extension: the approved due date. */
  due?: string;
  /** The approval as GitHub records it (`exceptions.approvers`): who approved, in which pull request. */
  approval?: VerifiedApproval;
}

/** An exception's approval, verified from GitHub's records (src/github/approvals.ts). */
export interface VerifiedApproval {
  /** Approving reviewers that count, each with the team that made them count, if any. */
  approvers: { login: string; team?: string }[];
  pr?: { number: number; url?: string; mergedAt?: string; author?: string };
  /** The commit that introduced the exception's current content. */
  commit?: string;
  /** Why it is not verified (no pull request, approved only by its author, token cannot read team membership …). */
  problem?: string;
}

/** A finding the ledger had open that this run no longer reports (from a tool that ran in this scope). */
export interface FixedFinding {
  fingerprint: string;
  tool: ToolRef;
  ruleId: string;
  title: string;
  severity: string;
  path?: string;
  startLine?: number;
  location?: string;
  firstSeen: string;
  fixedAt: string;
}

/** A problem with one input file. The file's other findings (if any) are still used. */
export interface InputError {
  file: string;
  /** `line:column` in the file, when known. */
  line?: number;
  column?: number;
  /** JSON path of the offending value, when known (e.g. `$.runs[0].results`). */
  jsonPath?: string;
  message: string;
  /** What to do about it. */
  hint?: string;
  /**
   * `fatal`: the whole file was not used. `partial`: some records were skipped or damaged (findings may be missing).
   * `scanner`: the scanner itself reported an error in its output (e.g. Semgrep `errors[]`); the findings are intact.
   * With `on-input-error: fail` (the default), fatal and partial errors fail the gate; scanner errors only warn.
   */
  severity: 'fatal' | 'partial' | 'scanner';
  /**
   * Set when a scanner run did not complete (SARIF `executionSuccessful: false`; a native report whose scanner says it
   * failed): the tool's name, for the policy's `incomplete-scans` setting, which may turn the error into a warning.
   */
  incompleteScan?: { tool: string };
  /**
   * The input in words when it is not a scanner file (e.g. `the ledger branch:defect-gate-data`) and what went wrong in
   * a few words: the verdict names it instead of counting it among the input files.
   */
  input?: { name: string; reason: string };
}

export function formatInputError(e: InputError): string {
  const where = e.line !== undefined ? `${e.file}:${e.line}:${e.column ?? 1}` : e.jsonPath ? `${e.file} at ${e.jsonPath}` : e.file;
  return `${where}: ${e.message}${e.hint ? ` (${e.hint})` : ''}`;
}
