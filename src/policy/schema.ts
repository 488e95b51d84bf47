import { z } from 'zod';
import { FINDING_KINDS, SARIF_LEVELS } from '../model';
import { globProblem } from './glob';

/**
 * The policy file format (YAML), as a zod schema. The JSON Schema in schema/policy.schema.json is generated from this
 * (npm run build), so editors complete and validate policy files with the same rules the tool applies.
 */

const oneOrMany = <T extends z.ZodType>(t: T) => z.union([t, z.array(t).min(1)]);

export const EXCEPTION_TYPES = ['accepted-risk', 'false-positive', 'mitigated', 'sla-extension'] as const;
export const EXCEPTION_FIELDS = ['reason', 'approved-by', 'approved-on', 'expires', 'ticket'] as const;
export const CRITICALITIES = ['high', 'medium', 'low'] as const;

/**
 * Builds the policy schemas. Called once, by `policySchemas()`, when a policy file is first validated: a run with the
 * built-in policy (pre-validated when the bundle was built: src/policy/builtin.ts) builds none of them (issue #21,
 * small runs start fast; building them cost 25-60 ms of every run).
 */
function build() {
  /**
   * A required text: not empty and not only whitespace (a reason of " " records nothing, and `approved-by: " "` names
   * nobody).
   */
  const Text = z.string().min(1).regex(/\S/, 'must not be blank (only whitespace): write the value, or remove the key');

  const LevelName = z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a level name: letters, digits, `_`, `.` or `-`')
    .describe('A severity level name from `severity.levels`.');

  /** `">= 7"`, `"< 0.5"`, `"== 9.8"` or a plain number (equality). */
  const NumberComparison = z
    .union([
      z.number(),
      z.string().regex(/^\s*(>=|<=|>|<|==|=)?\s*-?\d+(\.\d+)?\s*$/, 'a comparison such as ">= 7.0", "< 0.5" or a number'),
    ])
    .describe('A number, or a comparison such as ">= 7.0".');

  /** `"high"`, `">= high"`, `"< medium"`, or a list of level names. */
  const SeverityComparison = z
    .union([
      z.string().regex(/^\s*(>=|<=|>|<|==|=)?\s*[A-Za-z0-9][A-Za-z0-9_.-]*\s*$/, 'a level name or a comparison such as ">= high"'),
      z.array(LevelName).min(1),
    ])
    .describe('A level name, a comparison such as ">= high" (at least as severe as high), or a list of level names.');

  const Glob = z
    .string()
    .min(1)
    .superRefine((g, ctx) => {
      const why = globProblem(g);
      if (why) ctx.addIssue({ code: 'custom', message: `unsupported glob "${g}": ${why}` });
    });

  /** Conditions on a finding; all given fields must match (AND); a list means any of its values (OR). */
  const Matcher = z.strictObject({
    tool: oneOrMany(Glob).optional().describe('Tool name glob(s), case-insensitive, e.g. "CodeQL", "trivy*".'),
    rule: oneOrMany(Glob).optional().describe('Rule id glob(s), e.g. "js/sql-injection", "java.lang.security.**".'),
    cwe: oneOrMany(z.union([z.string(), z.number().int().positive()]))
      .optional()
      .describe('CWE id(s): "CWE-79", "79" or 79.'),
    cve: oneOrMany(Glob).optional().describe('Vulnerability id glob(s) (CVE, GHSA …), matched against ids and aliases.'),
    path: oneOrMany(Glob).optional().describe('Repository-relative path glob(s), e.g. "**/test/**".'),
    kind: oneOrMany(z.enum(FINDING_KINDS))
      .optional()
      .describe(
        'Finding kind(s): sast, sca, secret, iac, container, dast, other; for manual findings their activity: pentest, bug-bounty, threat-model, code-review, disclosure, audit.',
      ),
    tags: oneOrMany(Glob).optional().describe('Tag glob(s); matches when any tag of the finding matches any of them.'),
    'scanner-severity': oneOrMany(z.string().min(1))
      .optional()
      .describe('The scanner\'s own severity word(s), case-insensitive, e.g. "moderate".'),
    level: oneOrMany(z.enum(SARIF_LEVELS)).optional().describe('SARIF level(s): error, warning, note, none.'),
    score: NumberComparison.optional().describe('Comparison on the score used for rating (security-severity, else CVSS).'),
    kev: z.boolean().optional().describe('True when the vulnerability is in CISA KEV (from the scanner or enrichment).'),
    epss: NumberComparison.optional().describe('Comparison on the EPSS probability (0–1).'),
    'fix-available': z.boolean().optional().describe('True when the scanner reports a fixed version.'),
    component: oneOrMany(Text).optional().describe('Component name(s) (policy `components`).'),
  });

  const RatingRule = z
    .strictObject({
      name: Text.describe('Shown in every rating explanation.'),
      when: Matcher.describe('Conditions; all must hold.'),
      set: LevelName.optional().describe('Set the severity to this level.'),
      raise: z.number().int().min(1).optional().describe('Move this many levels more severe.'),
      lower: z.number().int().min(1).optional().describe('Move this many levels less severe.'),
      floor: LevelName.optional().describe('At least this severe.'),
      cap: LevelName.optional().describe('At most this severe.'),
      stop: z.boolean().optional().describe('Skip the remaining rules when this one matches.'),
    })
    .describe('A rating step: when the conditions hold, apply set, raise, lower, floor, cap (in that order).');

  const GateRule = Matcher.extend({
    name: Text.describe('Shown in the verdict, the failing step and the reports.'),
    severity: SeverityComparison.optional().describe('Which org severities count, e.g. ">= high".'),
    max: z.number().int().min(0).default(0).describe('Most findings allowed; more fails (or warns) the gate.'),
    action: z.enum(['fail', 'warn']).default('fail').describe('`fail` blocks; `warn` reports without blocking.'),
    new: z
      .boolean()
      .optional()
      .describe('true: only findings not open in the ledger before this run (new or reopened); false: only ones already open.'),
    status: oneOrMany(z.enum(['new', 'existing', 'reopened']))
      .optional()
      .describe('Tracking status(es) against the ledger: new, existing, reopened (a regression).'),
    sla: oneOrMany(z.enum(['breached', 'due-soon', 'within']))
      .optional()
      .describe('SLA state(s): breached (past due), due-soon (policy `sla.due-soon`), within.'),
    exception: oneOrMany(z.enum(['active', 'expiring', 'expired', 'not-allowed', 'unverified', 'none']))
      .optional()
      .describe(
        'Exception state(s) of the finding: active, expiring (active, ends within `exceptions.expiring-days`), expired, not-allowed (matched but the policy forbids it for this severity or window), unverified (matched, but its approval could not be verified: `exceptions.approvers`), none.',
      ),
    owner: oneOrMany(Glob)
      .optional()
      .describe(
        'Owner glob(s), case-insensitive, e.g. "@acme/payments" or "@acme/*": findings any of whose owners (policy component, else CODEOWNERS) match.',
      ),
  }).describe('A gate rule: counts the gated findings that match; more than `max` fails (or warns).');

  const Days = z.number().int().min(0);

  /** Policy `tracker.github-issues`: one GitHub issue per finding (or per rule), kept in step with the ledger. */
  const GitHubIssuesTracker = z.strictObject({
    when: Matcher.extend({
      severity: SeverityComparison.optional(),
      new: z.boolean().optional(),
      status: oneOrMany(z.enum(['new', 'existing', 'reopened'])).optional(),
      sla: oneOrMany(z.enum(['breached', 'due-soon', 'within'])).optional(),
      owner: oneOrMany(Glob).optional(),
    })
      .optional()
      .describe(
        'Which findings get an issue: gate matchers, e.g. {severity: ">= high"}. Default: the findings that `fail` rules of the `production` profile count.',
      ),
    'group-by': z
      .enum(['finding', 'rule', 'rule+component'])
      .default('finding')
      .describe('One issue per finding (default), per rule, or per rule and component.'),
    labels: z
      .array(Text)
      .optional()
      .describe('Labels of every issue, besides `defect-gate`, severity:<level>, sla:<state> and kind:<kind> which the tool maintains.'),
    assign: z
      .enum(['owners', 'none'])
      .default('owners')
      .describe('owners: assign the users among the owners (teams are mentioned once, never assigned).'),
    'max-new-per-run': z
      .number()
      .int()
      .min(0)
      .default(20)
      .describe('Most issues opened by one run; the rest wait for the next run (said in one line).'),
    repo: Text.regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'owner/repo')
      .optional()
      .describe('Repository of the issues, owner/repo. Default: this repository.'),
  });

  const TrackerSection = z.strictObject({
    'github-issues': GitHubIssuesTracker.optional(),
  });

  const IsoDate = z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD')
    .refine(
      (d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
      'a real calendar date',
    );

  /** What an exception applies to; all given fields must match. */
  const ExceptionMatch = z.strictObject({
    fingerprint: oneOrMany(Text).optional().describe('Finding fingerprint(s), as in the JSON report.'),
    rule: oneOrMany(Glob).optional().describe('Rule id glob(s).'),
    path: oneOrMany(Glob).optional().describe('Repository path glob(s).'),
    tool: oneOrMany(Glob).optional().describe('Tool name glob(s), case-insensitive.'),
    cve: oneOrMany(Text).optional().describe('Vulnerability id(s) (CVE, GHSA …), matched against ids and aliases.'),
    package: oneOrMany(Glob).optional().describe('Package name glob(s).'),
    version: Text.optional().describe('Package version: exact ("1.2.3") or a range (">= 1.0, < 2.0").'),
    component: oneOrMany(Text).optional().describe('Component name(s) (policy `components`).'),
  });

  const ExceptionEntry = z
    .strictObject({
      id: Text.regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'an id of letters, digits, ".", "_", ":" or "-"'),
      type: z.enum(EXCEPTION_TYPES).describe('accepted-risk | false-positive | mitigated | sla-extension'),
      match: ExceptionMatch,
      reason: Text.optional(),
      'approved-by': Text.optional(),
      'approved-on': IsoDate.optional(),
      expires: IsoDate.optional().describe('Last day the exception applies (inclusive, UTC).'),
      ticket: Text.optional(),
      control: Text.optional().describe('For `mitigated`: the compensating control.'),
      due: IsoDate.optional().describe('For `sla-extension`: the new due date.'),
    })
    .describe('An accountable exception: who approved what, why, until when.');

  /** Who may approve exceptions: verified from GitHub's records (reviews on the merged pull request, team membership). */
  const Approvers = z
    .strictObject({
      users: z
        .array(z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, 'expected a GitHub login'))
        .optional()
        .describe('GitHub logins whose approving review counts.'),
      teams: z
        .array(z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'expected org/team-slug'))
        .optional()
        .describe(
          "Teams (`org/team-slug`) whose members' approving reviews count. Reading membership needs a token with members:read (a GitHub App token or a fine-grained PAT); GITHUB_TOKEN cannot: list users instead.",
        ),
      min: z
        .record(z.string(), z.number().int().min(1))
        .optional()
        .describe(
          'Approvals needed, by the severity of the finding the exception applies to, and `default` (default 1), e.g. {critical: 2, default: 1}.',
        ),
      'not-requester': z
        .boolean()
        .optional()
        .describe("Default true: the pull request's author and the commit's author never count as approvers."),
    })
    .describe(
      'An exception counts only when the change that introduced its current content reached the default branch through a pull request approved (at its merged head) by at least `min` of these approvers.',
    );

  const ExceptionsSection = z.strictObject({
    include: z
      .array(z.string().min(1))
      .optional()
      .describe('Files (relative to this policy) holding more `entries`, e.g. owned by the security team via CODEOWNERS.'),
    require: z
      .array(z.enum(EXCEPTION_FIELDS))
      .optional()
      .describe('Fields every exception must have. Default: reason, approved-by, expires.'),
    'max-days': z
      .record(z.string(), Days)
      .optional()
      .describe('Longest window from approved-on to expires, per org level of the findings it applies to.'),
    allow: z
      .partialRecord(z.enum(EXCEPTION_TYPES), SeverityComparison)
      .optional()
      .describe('Which severities each type may apply to, e.g. {accepted-risk: "<= high"}: no accepted risk on critical.'),
    'expiring-days': Days.optional().describe('"Expiring soon" window, in days, for reports and `exception: expiring` gates. Default 14.'),
    approvers: Approvers.optional(),
    'verify-approvals': z
      .enum(['enforce', 'warn', 'off'])
      .optional()
      .describe(
        'enforce (the default when `approvers` is set): an exception whose approval cannot be verified does not apply; warn: it applies, and the run warns; off: approvals are not verified (the run says so once).',
      ),
    entries: z.array(ExceptionEntry).optional(),
  });

  /** A separate exceptions file, included from a policy. */
  const ExceptionsFileSchema = z
    .strictObject({
      $schema: z.string().optional(),
      entries: z.array(ExceptionEntry),
    })
    .describe('defect-gate exceptions file: `entries` as in a policy `exceptions.entries`.');

  const GateProfile = z.union([
    z.array(GateRule),
    z.strictObject({
      extends: oneOrMany(z.string().min(1)).describe('Profile(s) whose rules come first, e.g. `production` extends `staging`.'),
      rules: z.array(GateRule).default([]),
    }),
  ]);

  const Component = z.strictObject({
    name: Text.describe('Shown with every finding of the component.'),
    paths: z.array(Glob).optional().describe('Repository path globs of the component.'),
    packages: z.array(Glob).optional().describe('Package name globs (dependency findings), e.g. "com.acme:payments-*".'),
    owner: Text.optional().describe('Owning team, shown in reports; also the finding\'s owner (before CODEOWNERS), e.g. "@acme/payments".'),
    owners: z
      .array(Text)
      .optional()
      .describe(
        'Owners of the component\'s findings (with `owner`), e.g. ["@acme/payments", "@bob"]: they take precedence over CODEOWNERS.',
      ),
    criticality: z.enum(CRITICALITIES).optional().describe('Business criticality (impact): high, medium, low. Default medium.'),
    requirements: z
      .lazy(() => CiaRequirements)
      .optional()
      .describe("The component's own CVSS security requirements (with `cvss.rate-by: environmental`), instead of its criticality's."),
  });

  const Adjust = z.strictObject({
    set: LevelName.optional(),
    raise: z.number().int().min(1).optional(),
    lower: z.number().int().min(1).optional(),
    floor: LevelName.optional(),
    cap: LevelName.optional(),
  });

  const CriticalitySchema = z.union([
    z
      .strictObject({ high: Adjust.optional(), medium: Adjust.optional(), low: Adjust.optional() })
      .describe('Adjust the rating by the component criticality, e.g. {high: {raise: 1}, low: {lower: 1}}.'),
    z
      .strictObject({
        method: z.literal('matrix'),
        likelihood: z
          .strictObject({ high: SeverityComparison, medium: SeverityComparison, low: SeverityComparison })
          .describe('Which org levels (the technical rating after the rules) count as high, medium, low likelihood.'),
        matrix: z
          .strictObject({
            high: z.strictObject({ high: LevelName, medium: LevelName, low: LevelName }),
            medium: z.strictObject({ high: LevelName, medium: LevelName, low: LevelName }),
            low: z.strictObject({ high: LevelName, medium: LevelName, low: LevelName }),
          })
          .describe('impact (criticality) → likelihood → org level, as in the OWASP Risk Rating Methodology.'),
      })
      .describe('OWASP risk rating: the final level is matrix[impact][likelihood].'),
  ]);

  // ---- Risk rating (issue #19 part B): computed CVSS, environmental scores by criticality, OWASP Risk Rating,
  // grouping of similar findings. Kept in one block.

  const Requirement = z.enum(['low', 'medium', 'high']);

  /** CVSS security requirements (CR, IR, AR) of a component or criticality. */
  const CiaRequirements = z
    .strictObject({
      confidentiality: Requirement.describe('CR: how much a loss of confidentiality matters here.'),
      integrity: Requirement.describe('IR: how much a loss of integrity matters here.'),
      availability: Requirement.describe('AR: how much a loss of availability matters here.'),
    })
    .describe('CVSS security requirements (CR, IR, AR): low, medium or high each.');

  const CvssSection = z
    .strictObject({
      'rate-by': z
        .enum(['base', 'environmental'])
        .default('base')
        .describe(
          "base: rate by the scanner's score, else the vector's score. environmental: rate findings with a CVSS vector by the environmental score, with the security requirements of their component (its `requirements`, else its criticality's).",
        ),
      requirements: z
        .strictObject({ high: CiaRequirements.optional(), medium: CiaRequirements.optional(), low: CiaRequirements.optional() })
        .optional()
        .describe(
          'Security requirements per component criticality. Defaults: high → all high, medium → all medium, low → all low. Findings outside every component count as medium.',
        ),
      'on-mismatch': z
        .enum(['higher', 'vector', 'scanner'])
        .default('higher')
        .describe(
          "When a scanner's CVSS score and the score of its vector differ: higher (the default: never the lower one), vector (the computed score), scanner (the score as given).",
        ),
    })
    .describe('CVSS vectors: scores computed from vectors (2.0, 3.0, 3.1, 4.0), environmental scores per component.');

  const OwaspSeverityName = z.enum(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'NOTE']);

  const OwaspRiskSection = z
    .strictObject({
      levels: z
        .partialRecord(OwaspSeverityName, LevelName)
        .optional()
        .describe(
          'OWASP overall severity → org level. Default: the org level of the same name (case-insensitive), NOTE → note or info; a severity without a level is a policy error when used.',
        ),
    })
    .describe('OWASP Risk Rating Methodology for findings with `owasp-risk` factors and no score.');

  const GroupSimilar = z
    .union([
      z.boolean(),
      z.strictObject({
        kinds: z.array(z.enum(FINDING_KINDS)).min(1).default(['sast']).describe('Finding kinds grouped. Default: [sast].'),
      }),
    ])
    .describe(
      'Group findings of different tools at the same file and line (or overlapping lines) with a CWE in common into one finding (`alsoReportedBy`), rated with the highest rating. Default true (SAST only).',
    );

  /** `sla.by-criticality`: days per component criticality and level, e.g. {high: {critical: 3}, low: {critical: 14}}. */
  // Loose here (any object of objects): the semantic checks (src/policy/load.ts) name the bad criticality, level or value at
  // its line, where a union would only say "Invalid input".
  const SlaByCriticality = z
    .record(z.string(), z.record(z.string(), z.unknown()))
    .describe(
      "Days to fix per component criticality (high, medium, low) and level, e.g. {high: {critical: 3}, low: {critical: 14}}; a cell not given falls back to the level's days.",
    );

  // ---- end of the risk rating block

  /** An activity name (src/gate/activity.ts): sast, sca, secrets, iac, container, dast, or a name of your own (pentest). */
  const ActivityName = z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/, 'an activity name in lower case, e.g. sast, sca, secrets, iac, container, dast, pentest, threat-model')
    .describe('A verification activity: sast, sca, secrets, iac, container, dast, or one of your own such as pentest or threat-model.');

  /** `7d`, `12h`, `2w`, or a number of days. */
  const MaxAge = z
    .union([
      z.number().min(0),
      z.string().regex(/^\s*\d+(\.\d+)?\s*[hdw]\s*$/, 'a duration such as "7d", "12h" or "2w", or a number of days'),
    ])
    .describe('Longest time since the activity last reported: "7d", "12h", "2w", or a number of days.');

  /** Gate scope, scan coverage and tool activities (issue #19 part C), kept together. */
  const GateScopeSection = z
    .record(z.string().min(1), z.enum(['run', 'ledger']))
    .describe(
      "Default gate scope by environment (gate profile), e.g. {production: ledger}. run: only this run's findings; ledger: also the open findings of tools that are not in this run, as the ledger last saw them. The `gate-scope` input / --gate-scope flag wins.",
    );
  const CoverageSection = z
    .record(z.string().min(1), z.record(ActivityName, MaxAge))
    .describe(
      "Scan coverage by environment: activity → longest time since it last reported, e.g. {production: {sast: 7d, dast: 30d, pentest: 365d}}. An activity that never reported, or too long ago (from the ledger's runs and this run), fails the gate.",
    );
  const ActivitiesSection = z
    .record(z.string().min(1), z.union([ActivityName, z.array(ActivityName).min(1)]))
    .describe(
      'Activities of a tool, by tool name (case-insensitive), replacing the built-in mapping, e.g. {Trivy: [sca, iac, secrets], "OWASP ZAP": dast}.',
    );

  const PolicySchema = z
    .strictObject({
      $schema: z.string().optional(),
      version: z.literal(1).describe('Policy format version. Always 1 for now.'),
      extends: oneOrMany(z.string().min(1))
        .optional()
        .describe('Base policies, merged first: a path relative to this file, or owner/repo/path@ref read through the GitHub API.'),
      locked: z
        .array(z.string().min(1))
        .optional()
        .describe(
          'Keys (dotted paths, e.g. sla.critical, gates.production, severity.levels) that policies extending this one may not change.',
        ),
      components: z.array(Component).optional().describe('Components of the repository: paths and packages, owner, business criticality.'),
      criticality: CriticalitySchema.optional().describe('How component criticality changes the rating (applied after the rules).'),
      severity: z.strictObject({
        levels: z
          .array(LevelName)
          .min(1)
          .describe("The organization's severity levels, most severe first, e.g. [critical, high, medium, low, info] or [P1, P2, P3, P4]."),
        'from-score': z
          .record(LevelName, z.number().min(0).max(10))
          .optional()
          .describe(
            'Score bands (>=): a finding whose score is at least the band lower bound gets that level; e.g. {critical: 9.0, high: 7.0}.',
          ),
        'from-level': z
          .partialRecord(z.enum(SARIF_LEVELS), LevelName)
          .optional()
          .describe('SARIF level → org level, used when the finding has no score and no mapped scanner severity.'),
        'from-scanner': z
          .record(z.string().min(1), LevelName)
          .optional()
          .describe('Scanner severity word (case-insensitive) → org level, e.g. {moderate: medium}.'),
        default: LevelName.optional().describe('Level for findings with nothing to rate them by. Default: the middle level.'),
        rules: z.array(RatingRule).default([]).describe('Rating rules, applied in order; every applied step is recorded.'),
      }),
      sla: z
        .record(z.string(), z.union([Days, z.string(), z.boolean(), SlaByCriticality]))
        .optional()
        .describe(
          'Days to fix per level, plus `due-soon` (days or a percentage such as "25%"), `restart-on-reopen` and `by-criticality` (days per component criticality and level).',
        ),
      cvss: CvssSection.optional(),
      'owasp-risk': OwaspRiskSection.optional(),
      'group-similar': GroupSimilar.optional(),
      suppressions: z
        .enum(['honor', 'ignore', 'require-justification'])
        .default('honor')
        .describe(
          'Scanner suppressions (SARIF `suppressions`, in-source ignores): honor takes them out of the gate, ignore gates them anyway, require-justification honors only those with a justification. Suppressed findings are always listed.',
        ),
      exceptions: ExceptionsSection.optional().describe('Accountable exceptions and the rules they must follow.'),
      'incomplete-scans': z
        .record(z.string().min(1), z.enum(['fail', 'warn']))
        .optional()
        .describe(
          'Scanner runs that say they did not complete (SARIF `executionSuccessful: false`): `fail` (the default) makes them input errors that fail the gate, `warn` keeps their findings with a warning. Keys: `default`, or a tool name (case-insensitive), e.g. {default: fail, SpotBugs: warn}.',
        ),
      tracker: TrackerSection.optional().describe('Where defects become tickets (src/tracker/): `github-issues`.'),
      'gate-scope': GateScopeSection.optional(),
      coverage: CoverageSection.optional(),
      activities: ActivitiesSection.optional(),
      gates: z
        .record(z.string().min(1), GateProfile)
        .describe('Gate profiles by environment name, e.g. pull-request, production; each a list of gate rules, or {extends, rules}.'),
    })
    .describe('defect-gate policy: severity scheme, SLA days, gates per environment.');

  return {
    NumberComparison,
    SeverityComparison,
    Matcher,
    RatingRule,
    GateRule,
    GitHubIssuesTracker,
    TrackerSection,
    ExceptionMatch,
    ExceptionEntry,
    Approvers,
    ExceptionsSection,
    ExceptionsFileSchema,
    GateProfile,
    Component,
    CriticalitySchema,
    CiaRequirements,
    CvssSection,
    OwaspRiskSection,
    GroupSimilar,
    SlaByCriticality,
    GateScopeSection,
    CoverageSection,
    ActivitiesSection,
    PolicySchema,
  };
}

export type PolicySchemas = ReturnType<typeof build>;

let built: PolicySchemas | undefined;

/** The policy file format (`PolicySchema`), exception files (`ExceptionsFileSchema`) and their parts, built on first use. */
export function policySchemas(): PolicySchemas {
  return (built ??= build());
}

export type MatcherInput = z.infer<PolicySchemas['Matcher']>;
export type RatingRuleInput = z.infer<PolicySchemas['RatingRule']>;
export type GateRuleInput = z.input<PolicySchemas['GateRule']>;
export type ExceptionMatchInput = z.infer<PolicySchemas['ExceptionMatch']>;
export type ExceptionEntryInput = z.infer<PolicySchemas['ExceptionEntry']>;
export type GateProfileInput = z.input<PolicySchemas['GateProfile']>;
export type ComponentInput = z.infer<PolicySchemas['Component']>;
export type CiaRequirementsInput = z.infer<PolicySchemas['CiaRequirements']>;
export type PolicyInput = z.input<PolicySchemas['PolicySchema']>;
export type PolicyParsed = z.output<PolicySchemas['PolicySchema']>;
