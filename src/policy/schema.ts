import { z } from 'zod';
import { FINDING_KINDS, SARIF_LEVELS } from '../model';

/**
 * The policy file format (YAML), as a zod schema. The JSON Schema in schema/policy.schema.json is generated from this
 * (npm run build), so editors complete and validate policy files with the same rules the tool applies.
 */

const oneOrMany = <T extends z.ZodType>(t: T) => z.union([t, z.array(t).min(1)]);

const LevelName = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a level name: letters, digits, `_`, `.` or `-`')
  .describe('A severity level name from `severity.levels`.');

/** `">= 7"`, `"< 0.5"`, `"== 9.8"` or a plain number (equality). */
export const NumberComparison = z
  .union([
    z.number(),
    z
      .string()
      .regex(/^\s*(>=|<=|>|<|==|=)?\s*-?\d+(\.\d+)?\s*$/, 'a comparison such as ">= 7.0", "< 0.5" or a number'),
  ])
  .describe('A number, or a comparison such as ">= 7.0".');

/** `"high"`, `">= high"`, `"< medium"`, or a list of level names. */
export const SeverityComparison = z
  .union([
    z
      .string()
      .regex(/^\s*(>=|<=|>|<|==|=)?\s*[A-Za-z0-9][A-Za-z0-9_.-]*\s*$/, 'a level name or a comparison such as ">= high"'),
    z.array(LevelName).min(1),
  ])
  .describe('A level name, a comparison such as ">= high" (at least as severe as high), or a list of level names.');

const Glob = z.string().min(1);

/** Conditions on a finding; all given fields must match (AND); a list means any of its values (OR). */
export const Matcher = z.strictObject({
  tool: oneOrMany(Glob).optional().describe('Tool name glob(s), case-insensitive, e.g. "CodeQL", "trivy*".'),
  rule: oneOrMany(Glob).optional().describe('Rule id glob(s), e.g. "js/sql-injection", "java.lang.security.**".'),
  cwe: oneOrMany(z.union([z.string(), z.number().int().positive()]))
    .optional()
    .describe('CWE id(s): "CWE-79", "79" or 79.'),
  cve: oneOrMany(Glob).optional().describe('Vulnerability id glob(s) (CVE, GHSA …), matched against ids and aliases.'),
  path: oneOrMany(Glob).optional().describe('Repository-relative path glob(s), e.g. "**/test/**".'),
  kind: oneOrMany(z.enum(FINDING_KINDS)).optional().describe('Finding kind(s): sast, sca, secret, iac, container, dast, other.'),
  tags: oneOrMany(Glob).optional().describe('Tag glob(s); matches when any tag of the finding matches any of them.'),
  'scanner-severity': oneOrMany(z.string().min(1))
    .optional()
    .describe("The scanner's own severity word(s), case-insensitive, e.g. \"moderate\"."),
  level: oneOrMany(z.enum(SARIF_LEVELS)).optional().describe('SARIF level(s): error, warning, note, none.'),
  score: NumberComparison.optional().describe('Comparison on the score used for rating (security-severity, else CVSS).'),
  kev: z.boolean().optional().describe('True when the vulnerability is in CISA KEV (from the scanner or enrichment).'),
  epss: NumberComparison.optional().describe('Comparison on the EPSS probability (0–1).'),
  'fix-available': z.boolean().optional().describe('True when the scanner reports a fixed version.'),
});
export type MatcherInput = z.infer<typeof Matcher>;

export const RatingRule = z
  .strictObject({
    name: z.string().min(1).describe('Shown in every rating explanation.'),
    when: Matcher.describe('Conditions; all must hold.'),
    set: LevelName.optional().describe('Set the severity to this level.'),
    raise: z.number().int().min(1).optional().describe('Move this many levels more severe.'),
    lower: z.number().int().min(1).optional().describe('Move this many levels less severe.'),
    floor: LevelName.optional().describe('At least this severe.'),
    cap: LevelName.optional().describe('At most this severe.'),
    stop: z.boolean().optional().describe('Skip the remaining rules when this one matches.'),
  })
  .describe('A rating step: when the conditions hold, apply set, raise, lower, floor, cap (in that order).');
export type RatingRuleInput = z.infer<typeof RatingRule>;

export const GateRule = Matcher.extend({
  name: z.string().min(1).describe('Shown in the verdict, the failing step and the reports.'),
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
}).describe('A gate rule: counts the gated findings that match; more than `max` fails (or warns).');
export type GateRuleInput = z.input<typeof GateRule>;

const Days = z.number().int().min(0);

export const PolicySchema = z
  .strictObject({
    $schema: z.string().optional(),
    version: z.literal(1).describe('Policy format version. Always 1 for now.'),
    severity: z.strictObject({
      levels: z
        .array(LevelName)
        .min(1)
        .describe("The organization's severity levels, most severe first, e.g. [critical, high, medium, low, info] or [P1, P2, P3, P4]."),
      'from-score': z
        .record(LevelName, z.number().min(0).max(10))
        .optional()
        .describe('Score bands (>=): a finding whose score is at least the band lower bound gets that level; e.g. {critical: 9.0, high: 7.0}.'),
      'from-level': z
        .partialRecord(z.enum(SARIF_LEVELS), LevelName)
        .optional()
        .describe('SARIF level → org level, used when the finding has no score and no mapped scanner severity.'),
      'from-scanner': z
        .record(z.string().min(1), LevelName)
        .optional()
        .describe("Scanner severity word (case-insensitive) → org level, e.g. {moderate: medium}."),
      default: LevelName.optional().describe('Level for findings with nothing to rate them by. Default: the middle level.'),
      rules: z.array(RatingRule).default([]).describe('Rating rules, applied in order; every applied step is recorded.'),
    }),
    sla: z
      .record(z.string(), z.union([Days, z.string(), z.boolean()]))
      .optional()
      .describe('Days to fix per level, plus `due-soon` (days or a percentage such as "25%") and `restart-on-reopen`.'),
    suppressions: z
      .enum(['honor', 'ignore', 'require-justification'])
      .default('honor')
      .describe(
        "Scanner suppressions (SARIF `suppressions`, in-source ignores): honor takes them out of the gate, ignore gates them anyway, require-justification honors only those with a justification. Suppressed findings are always listed.",
      ),
    gates: z
      .record(z.string().min(1), z.array(GateRule))
      .describe('Gate profiles by environment name, e.g. pull-request, production; each a list of gate rules.'),
  })
  .describe('defect-gate policy: severity scheme, SLA days, gates per environment.');

export type PolicyInput = z.input<typeof PolicySchema>;
export type PolicyParsed = z.output<typeof PolicySchema>;
