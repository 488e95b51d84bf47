import { earlierByTool } from '../gate/scope';
import type { RatedFinding } from '../model';
import { blocksAt, type RunResult } from '../engine';
import { VERSION } from '../version';
import { summarizeExceptions } from '../exceptions/apply';
import { daysSince } from '../ledger/time';
import type { Report, ReportFindingT } from './schema';
import { REPORT_SCHEMA_ID, REPORT_VERSION } from './version';

/**
 * The JSON report: versioned (`reportVersion` changes only on incompatible changes), of the shape of its zod schema in
 * src/report/schema.ts (schema/report.schema.json is generated from it). Field names are camelCase.
 */

export { REPORT_SCHEMA_ID, REPORT_VERSION };
export type { Report, ReportFindingT };

function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

export interface ReportTracking {
  ledger?: string;
  scope?: string;
  written: boolean;
}

/**
 * A read-only array-like view that maps each element of `source` when a slice of it is taken. The report writer
 * (check.ts `jsonPieces`) serializes it slice by slice, so the mapped elements (report entries, rated SARIF results)
 * are never all held at once: they become garbage as soon as their batch is written.
 */
export class MappedList<T, U> {
  constructor(
    private readonly source: readonly T[],
    private readonly fn: (item: T, index: number) => U,
  ) {}
  get length(): number {
    return this.source.length;
  }
  /** JSON.stringify of the list alone: the mapped array. */
  toJSON(): U[] {
    return this.slice(0, this.length);
  }
  /** The mapped elements [start, end). */
  slice(start: number, end: number): U[] {
    const stop = Math.min(end, this.source.length);
    const out: U[] = [];
    for (let i = start; i < stop; i++) out.push(this.fn(this.source[i] as T, i));
    return out;
  }
}

/** The report without its findings (every member before `findings`, in the same order). */
function reportHead(r: RunResult, policyFile: string, tracking: ReportTracking): Omit<Report, 'findings'> {
  return {
    $schema: REPORT_SCHEMA_ID,
    reportVersion: REPORT_VERSION,
    tool: { name: 'defect-gate', version: VERSION },
    generatedAt: r.generatedAt,
    environment: r.environment,
    policy: { file: policyFile, levels: r.levels },
    verdict: {
      status: r.verdict.status,
      reasons: r.verdict.reasons,
      rules: r.verdict.rules.map(({ findings: _f, ...rest }) => rest),
      inputErrorsBlock: r.verdict.inputErrors.blocking,
      ...(r.verdict.coverage ? { coverage: r.verdict.coverage.map((c) => defined({ ...c })) } : {}),
    },
    counts: r.counts,
    tracking: defined({ ...tracking }),
    fixed: r.fixed.map((f) => defined({ ...f })),
    exceptions: { entries: r.exceptions.map((e) => defined({ ...e })), ...summarizeExceptions(r.exceptions) },
    ...(r.pullRequest ? { pullRequest: r.pullRequest } : {}),
    ...(r.gateScope === 'ledger'
      ? {
          fromLedger: {
            byTool: earlierByTool(r.fromLedger),
            findings: r.fromLedger.map((f) => ({ ...reportEntry(r)(f), lastSeen: f.lastSeen })),
          },
        }
      : {}),
    inputs: r.inputs.map((i) => defined({ ...i })),
    tools: r.tools,
    // `input` (the ledger named in the verdict) is for the verdict's wording; the report's errors keep their shape.
    errors: r.errors.map(({ input: _input, ...e }) => defined({ ...e })),
  };
}

type ScannerRating = ReportFindingT['scanner'];

/**
 * The scanner's own rating, without undefined members. Built member by member in schema order rather than with
 * `defined` (deleting members leaves an object in V8's slow dictionary mode, and there is one per finding).
 */
function scannerRating(f: RatedFinding): ScannerRating {
  const s: Partial<ScannerRating> = {};
  if (f.level !== undefined) s.level = f.level;
  s.resultKind = f.resultKind;
  if (f.securitySeverity !== undefined) s.securitySeverity = f.securitySeverity;
  if (f.cvss !== undefined) s.cvss = f.cvss;
  if (f.scannerSeverity !== undefined) s.severity = f.scannerSeverity;
  return s as ScannerRating;
}

/**
 * Builds the report entry of a finding of `r`: of `r.findings[i]` (whether it blocks is known by its position, see
 * `blocksAt`), or, without `i`, of another finding (the ledger's, `fromLedger`).
 */
function reportEntry(r: RunResult): (f: RatedFinding, i?: number) => ReportFindingT {
  const now = Date.parse(r.generatedAt);
  // Undefined members are left out by JSON.stringify; deleting them one by one would cost more than the rest.
  return (f, i) => ({
    fingerprint: f.fingerprint,
    fingerprintSource: f.fingerprintSource,
    tool: f.tool,
    alsoReportedBy: f.alsoReportedBy,
    ruleId: f.ruleId,
    title: f.title,
    message: f.message,
    helpUri: f.helpUri,
    kind: f.kind,
    severity: f.severity,
    rank: f.rank,
    gated: f.gated,
    notGatedReason: f.notGatedReason,
    blocking: i === undefined ? r.blocking.has(f.fingerprint) : blocksAt(r, i),
    explanation: f.explanation,
    scanner: scannerRating(f),
    path: f.path,
    location: f.location,
    startLine: f.startLine,
    endLine: f.endLine,
    startColumn: f.startColumn,
    component: f.component,
    componentOwner: f.componentOwner,
    owners: f.owners,
    ownersFrom: f.ownersFrom,
    criticality: f.criticality,
    cwe: f.cwe,
    cve: f.cve,
    tags: f.tags,
    package: f.package,
    exploit: f.exploit,
    suppressions: f.suppressions,
    baselineState: f.baselineState,
    firstDetected: f.firstDetected,
    reportedBy: f.reportedBy,
    fixedOn: f.fixed ? (f.fixed.on ?? r.generatedAt) : undefined,
    owaspRisk: f.owaspRisk ? { ...f.owaspRisk } : undefined,
    references: f.references,
    source: { file: f.source.file, format: f.source.format, pointer: f.source.pointer },
    status: r.tracked ? f.status : undefined,
    firstSeen: r.tracked ? f.firstSeen : undefined,
    ageDays: r.tracked && f.firstSeen ? daysSince(f.firstSeen, now) : undefined,
    slaDue: f.sla?.due,
    slaState: f.sla?.state,
    slaDaysLeft: f.sla?.daysLeft,
    slaReason: f.sla?.reason,
    exception: f.exception ? defined({ ...f.exception }) : undefined,
  });
}

export function buildReport(r: RunResult, policyFile: string, tracking: ReportTracking = { written: false }): Report {
  const entry = reportEntry(r);
  return { ...reportHead(r, policyFile, tracking), findings: r.findings.map((f, i) => entry(f, i)) };
}

/** A report for writing only: the same members and JSON as `buildReport`, its findings mapped batch by batch. */
export type ReportForWriting = Omit<Report, 'findings'> & { findings: MappedList<RatedFinding, ReportFindingT> };

/** The report as `buildReport` builds it, except that each finding's entry is built only when it is written. */
export function reportForWriting(r: RunResult, policyFile: string, tracking: ReportTracking = { written: false }): ReportForWriting {
  return { ...reportHead(r, policyFile, tracking), findings: new MappedList(r.findings, reportEntry(r)) };
}
