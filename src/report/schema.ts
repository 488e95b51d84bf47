import { z } from 'zod';
import { FINDING_KINDS, SARIF_LEVELS } from '../model';
import { REPORT_VERSION } from './version';

/**
 * The JSON report's zod schema, from which schema/report.schema.json is generated (scripts/schema-entry.ts), so other
 * tools can build on it; the tests validate reports with it. Field names are camelCase. Apart from the tests and the
 * schema generation, nothing imports it at run time: src/report/json.ts builds reports of the types inferred here,
 * and a check does not pay for building these schemas (issue #21, small runs start fast).
 */

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
