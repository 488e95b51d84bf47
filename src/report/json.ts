import { earlierByTool } from '../gate/scope';
import { z } from 'zod';
import { FINDING_KINDS, SARIF_LEVELS, type RatedFinding } from '../model';
import type { RunResult } from '../engine';
import { VERSION } from '../version';
import { summarizeExceptions } from '../exceptions/apply';
import { daysSince } from '../ledger/time';

/**
 * The JSON report: versioned, its schema generated from this zod schema into schema/report.schema.json, so other
 * tools can build on it. Field names are camelCase. `reportVersion` changes only on incompatible changes.
 */

export const REPORT_VERSION = 1;
export const REPORT_SCHEMA_ID = 'https://defect-gate.dev/schema/report.schema.json';

const Tool = z.object({ name: z.string(), version: z.string().optional() });

const Step = z.object({
  step: z.enum(['base', 'rule', 'default', 'component']),
  detail: z.string(),
  from: z.string().optional(),
  to: z.string(),
});

const ExceptionApprovalSchema = z.object({
  approvers: z.array(z.object({ login: z.string(), team: z.string().optional() })),
  pr: z
    .object({ number: z.number().int(), url: z.string().optional(), mergedAt: z.string().optional(), author: z.string().optional() })
    .optional(),
  commit: z.string().optional(),
  problem: z.string().optional(),
});

export const ReportFinding = z.object({
  fingerprint: z.string().describe('Stable identity across runs.'),
  fingerprintSource: z.string().describe('How the fingerprint was obtained.'),
  tool: Tool,
  alsoReportedBy: z.array(Tool).optional(),
  ruleId: z.string(),
  title: z.string(),
  message: z.string(),
  helpUri: z.string().optional(),
  kind: z.enum(FINDING_KINDS),
  severity: z.string().describe("The organization's severity (a level of the policy)."),
  rank: z.number().int().describe('0 is the most severe level.'),
  gated: z.boolean().describe('False when reported but not counted by the gate.'),
  notGatedReason: z.string().optional(),
  blocking: z.boolean().describe('True when this finding makes a failing gate rule fail.'),
  explanation: z.array(Step).describe('How the severity was reached: the base rating, then each policy rule applied.'),
  scanner: z
    .object({
      level: z.enum(SARIF_LEVELS).optional(),
      resultKind: z.string(),
      securitySeverity: z.number().optional(),
      cvss: z.object({ version: z.string().optional(), score: z.number().optional(), vector: z.string().optional() }).optional(),
      severity: z.string().optional(),
    })
    .describe("The scanner's own rating, as given."),
  path: z.string().optional().describe('Repository-relative path.'),
  location: z
    .string()
    .optional()
    .describe('A location that is not a repository file (URL, absolute path outside the workspace, logical name).'),
  startLine: z.number().int().optional(),
  endLine: z.number().int().optional(),
  startColumn: z.number().int().optional(),
  component: z.string().optional(),
  componentOwner: z.string().optional().describe('Owner of the component (policy `components`).'),
  owners: z
    .array(z.string())
    .optional()
    .describe(
      'Owners of the finding: the policy component\'s owner/owners, else the last matching CODEOWNERS rule. "@org/team" is a team, "@login" or an e-mail address a user.',
    ),
  ownersFrom: z.string().optional().describe('Where `owners` came from, e.g. "component payments" or ".github/CODEOWNERS:12 (apps/**)".'),
  criticality: z.enum(['high', 'medium', 'low']).optional().describe('Business criticality of the component.'),
  cwe: z.array(z.string()),
  cve: z.array(z.string()),
  tags: z.array(z.string()),
  package: z
    .object({
      ecosystem: z.string().optional(),
      name: z.string(),
      version: z.string().optional(),
      purl: z.string().optional(),
      fixedVersions: z.array(z.string()).optional(),
    })
    .optional(),
  exploit: z
    .object({
      kev: z.boolean().optional(),
      kevDateAdded: z.string().optional(),
      kevDueDate: z.string().optional(),
      epss: z.number().optional(),
      epssPercentile: z.number().optional(),
    })
    .optional(),
  suppressions: z.array(z.object({ kind: z.string(), status: z.string().optional(), justification: z.string().optional() })),
  baselineState: z.string().optional(),
  firstDetected: z
    .string()
    .optional()
    .describe(
      "When the defect was first detected, as the input says (SARIF firstDetectionTimeUtc, a manual finding's reported-on, DefectDojo date).",
    ),
  reportedBy: z.string().optional().describe('Who reported it (manual findings).'),
  fixedOn: z
    .string()
    .optional()
    .describe('When its input says it was fixed (manual findings `fixed-on`, DefectDojo `mitigated`): reported, not gated.'),
  owaspRisk: z.record(z.string(), z.number()).optional().describe('OWASP Risk Rating factors given with a manual finding (0-9 each).'),
  references: z.array(z.string()).optional().describe('Links given with the finding.'),
  source: z.object({ file: z.string(), format: z.string(), pointer: z.string() }),
  status: z.enum(['new', 'existing', 'reopened']).optional().describe('Against the ledger: new, existing, reopened (a regression).'),
  firstSeen: z.string().optional().describe('When the ledger first saw it (or the scanner first detected it).'),
  ageDays: z.number().int().optional().describe('Whole days since first seen, rounded down.'),
  slaDue: z.string().optional().describe('Fix-by date (ISO 8601).'),
  slaState: z.enum(['within', 'due-soon', 'breached']).optional(),
  slaDaysLeft: z
    .number()
    .int()
    .optional()
    .describe(
      'Whole days until due, rounded down in size; when overdue, minus the whole days overdue (0 when less than a day: see slaState).',
    ),
  slaReason: z.string().optional().describe('How the due date was computed.'),
  exception: z
    .object({
      id: z.string(),
      type: z.enum(['accepted-risk', 'false-positive', 'mitigated', 'sla-extension']),
      state: z.enum(['active', 'expiring', 'expired', 'not-allowed', 'unverified']),
      problem: z.string().optional(),
      approvedBy: z.string().optional(),
      approvedOn: z.string().optional(),
      expires: z.string().optional(),
      reason: z.string().optional(),
      ticket: z.string().optional(),
      control: z.string().optional(),
      due: z.string().optional(),
      approval: ExceptionApprovalSchema.optional().describe(
        'The approval verified from GitHub (exceptions.approvers): approving reviewers that count, the pull request.',
      ),
    })
    .optional()
    .describe('The policy exception that matched this finding, and whether it applies.'),
});

const ExceptionStatusSchema = z.object({
  id: z.string(),
  type: z.string(),
  file: z.string().describe('Where the exception is written.'),
  state: z.enum(['active', 'expiring', 'expired', 'pending', 'stale', 'unverified']),
  matched: z.number().int(),
  applied: z.number().int(),
  notAllowed: z.number().int(),
  approvedBy: z.string().optional(),
  approvedOn: z.string().optional(),
  expires: z.string().optional(),
  daysLeft: z.number().int().optional(),
  reason: z.string().optional(),
  ticket: z.string().optional(),
  unverified: z.string().optional().describe('Why its approval is not verified (exceptions.approvers).'),
  approval: ExceptionApprovalSchema.optional(),
});

export const ReportSchema = z
  .object({
    $schema: z.string().optional(),
    reportVersion: z.literal(REPORT_VERSION),
    tool: z.object({ name: z.literal('defect-gate'), version: z.string() }),
    generatedAt: z.string().describe('ISO 8601 time of the run.'),
    environment: z.string().describe('The gate profile applied.'),
    policy: z.object({ file: z.string(), levels: z.array(z.string()) }),
    verdict: z.object({
      status: z.enum(['pass', 'warn', 'fail']),
      reasons: z.array(z.string()),
      rules: z.array(
        z.object({
          name: z.string(),
          action: z.enum(['fail', 'warn']),
          conditions: z.string(),
          max: z.number().int(),
          count: z.number().int(),
          exceeded: z.boolean(),
        }),
      ),
      inputErrorsBlock: z.boolean().describe('True when unreadable inputs failed the gate (on-input-error: fail).'),
      coverage: z
        .array(
          z.object({
            activity: z.string(),
            max: z.string().describe('Longest time allowed since it last reported, as the policy writes it (e.g. 30d).'),
            lastReported: z.string().optional().describe('When a tool of this activity last reported (ISO 8601); absent when never.'),
            tools: z.array(z.string()),
            ageDays: z.number().int().optional(),
            ok: z.boolean(),
            reason: z.string().optional(),
          }),
        )
        .optional()
        .describe(
          'Scan coverage the environment requires (policy `coverage:`): each activity, when it last reported, and whether that is recent enough.',
        ),
    }),
    counts: z.object({
      total: z.number().int(),
      gated: z.number().int(),
      blocking: z.number().int(),
      notGated: z.number().int(),
      bySeverity: z.record(z.string(), z.number().int()),
      byTool: z.record(z.string(), z.record(z.string(), z.number().int())),
      new: z.number().int().describe('Gated findings not open in the ledger before (new or reopened).'),
      reopened: z.number().int(),
      fixed: z.number().int().describe('Ledger findings no longer reported by a tool that ran.'),
      slaBreached: z.number().int(),
      slaDueSoon: z.number().int(),
    }),
    tracking: z
      .object({
        ledger: z.string().optional().describe('The ledger used (e.g. file:ledger.json), absent when none.'),
        scope: z.string().optional(),
        written: z.boolean().describe('Whether this run wrote the ledger.'),
      })
      .describe('Whether statuses come from a ledger.'),
    fixed: z
      .array(
        z.object({
          fingerprint: z.string(),
          tool: Tool,
          ruleId: z.string(),
          title: z.string(),
          severity: z.string(),
          path: z.string().optional(),
          startLine: z.number().int().optional(),
          location: z.string().optional(),
          firstSeen: z.string(),
          fixedAt: z.string(),
        }),
      )
      .describe('Findings fixed by this run (open in the ledger, no longer reported).'),
    exceptions: z
      .object({
        entries: z.array(ExceptionStatusSchema),
        byState: z.record(z.string(), z.number().int()),
        byType: z.record(z.string(), z.number().int()),
        byApprover: z.record(z.string(), z.number().int()),
      })
      .describe('Every policy exception: active, expiring soon, expired, stale (matched nothing), by type and approver.'),
    pullRequest: z
      .object({ introduced: z.array(z.string()), fixed: z.array(z.string()) })
      .optional()
      .describe('On pull requests: fingerprints introduced and fixed by the PR.'),
    fromLedger: z
      .object({
        byTool: z.array(z.object({ tool: z.string(), count: z.number().int(), lastSeen: z.string() })),
        findings: z.array(ReportFinding.extend({ lastSeen: z.string().describe('When a run last reported it.') })),
      })
      .optional()
      .describe('gate-scope: ledger: the open findings of tools not in this run, as the ledger last saw them (counted by the gate rules).'),
    inputs: z
      .array(
        z.object({
          file: z.string(),
          target: z.string().optional().describe('When `file` is (or leads through) a symbolic link: the workspace file read.'),
          format: z.string().optional(),
          findings: z.number().int(),
          errors: z.number().int(),
        }),
      )
      .describe('Every input file read (scanner reports), with its format and counts.'),
    tools: z.array(Tool).describe('Tools that ran, with or without findings.'),
    errors: z.array(
      z.object({
        file: z.string(),
        line: z.number().int().optional(),
        column: z.number().int().optional(),
        jsonPath: z.string().optional(),
        message: z.string(),
        hint: z.string().optional(),
        severity: z.enum(['fatal', 'partial', 'scanner']),
        incompleteScan: z
          .object({ tool: z.string() })
          .optional()
          .describe('Set when a scanner run did not complete: the tool, as named in the policy setting incomplete-scans.'),
      }),
    ),
    findings: z.array(ReportFinding),
  })
  .describe('defect-gate report');

export type Report = z.infer<typeof ReportSchema>;
export type ReportFindingT = z.infer<typeof ReportFinding>;

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

/** Builds the report entry of one finding of `r`. */
function reportEntry(r: RunResult): (f: RatedFinding) => ReportFindingT {
  const now = Date.parse(r.generatedAt);
  // Undefined members are left out by JSON.stringify; deleting them one by one would cost more than the rest.
  return (f) => ({
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
    blocking: r.blocking.has(f.fingerprint),
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
  return { ...reportHead(r, policyFile, tracking), findings: r.findings.map(reportEntry(r)) };
}

/** A report for writing only: the same members and JSON as `buildReport`, its findings mapped batch by batch. */
export type ReportForWriting = Omit<Report, 'findings'> & { findings: MappedList<RatedFinding, ReportFindingT> };

/** The report as `buildReport` builds it, except that each finding's entry is built only when it is written. */
export function reportForWriting(r: RunResult, policyFile: string, tracking: ReportTracking = { written: false }): ReportForWriting {
  return { ...reportHead(r, policyFile, tracking), findings: new MappedList(r.findings, reportEntry(r)) };
}
