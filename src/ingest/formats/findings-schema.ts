import { z } from 'zod';
import { MANUAL_KINDS, OWASP_IMPACT_FACTORS, OWASP_LIKELIHOOD_FACTORS } from '../../model';

/**
 * The manual findings file (`kind: defect-gate/findings`, YAML or JSON), as a zod schema: findings people report
 * (pentests, bug bounty, threat models, code reviews, disclosures, audits). The JSON Schema in
 * schema/findings.schema.json is generated from this (npm run build), so editors complete and validate findings files
 * with the same rules the tool applies. Rules that need more than one key (a rating, a location, `fixed-on`) are
 * refinements: they are checked by the tool, not by editors.
 */

export const FINDINGS_FILE_KIND = 'defect-gate/findings';
export const FINDING_SOURCES = [...MANUAL_KINDS, 'other'] as const;

/** Metric names and values of the CVSS base (and later) metric groups, per version; `true` marks mandatory ones. */
const CVSS3: Record<string, [string, boolean]> = {
  AV: ['NALP', true],
  AC: ['LH', true],
  PR: ['NLH', true],
  UI: ['NR', true],
  S: ['UC', true],
  C: ['HLN', true],
  I: ['HLN', true],
  A: ['HLN', true],
  E: ['XUPFH', false],
  RL: ['XOTWU', false],
  RC: ['XURC', false],
  CR: ['XLMH', false],
  IR: ['XLMH', false],
  AR: ['XLMH', false],
  MAV: ['XNALP', false],
  MAC: ['XLH', false],
  MPR: ['XNLH', false],
  MUI: ['XNR', false],
  MS: ['XUC', false],
  MC: ['XNLH', false],
  MI: ['XNLH', false],
  MA: ['XNLH', false],
};
const CVSS4: Record<string, [string, boolean]> = {
  AV: ['NALP', true],
  AC: ['LH', true],
  AT: ['NP', true],
  PR: ['NLH', true],
  UI: ['NPA', true],
  VC: ['HLN', true],
  VI: ['HLN', true],
  VA: ['HLN', true],
  SC: ['HLN', true],
  SI: ['HLN', true],
  SA: ['HLN', true],
  E: ['XAPU', false],
  CR: ['XHML', false],
  IR: ['XHML', false],
  AR: ['XHML', false],
  MAV: ['XNALP', false],
  MAC: ['XLH', false],
  MAT: ['XNP', false],
  MPR: ['XNLH', false],
  MUI: ['XNPA', false],
  MVC: ['XHLN', false],
  MVI: ['XHLN', false],
  MVA: ['XHLN', false],
  MSC: ['XHLN', false],
  MSI: ['XSHLN', false],
  MSA: ['XSHLN', false],
  S: ['XNP', false],
  AU: ['XNY', false],
  R: ['XAUI', false],
  V: ['XDC', false],
  RE: ['XLMH', false],
  U: ['XClearGreenAmberRed', false],
};

/** Why a CVSS vector string is not a CVSS 3.0, 3.1 or 4.0 vector, or undefined when it is one. */
export function cvssVectorProblem(vector: string): string | undefined {
  const m = /^CVSS:(3\.0|3\.1|4\.0)\/(.*)$/.exec(vector);
  if (!m) return 'expected a CVSS 3.0, 3.1 or 4.0 vector starting with "CVSS:3.1/" (or "CVSS:3.0/", "CVSS:4.0/")';
  const spec = m[1] === '4.0' ? CVSS4 : CVSS3;
  const seen = new Set<string>();
  for (const part of (m[2] as string).split('/')) {
    const [key, value, extra] = part.split(':');
    if (!key || value === undefined || value === '' || extra !== undefined)
      return `"${part}" is not a metric: expected NAME:VALUE such as AV:N`;
    const def = Object.prototype.hasOwnProperty.call(spec, key) ? spec[key] : undefined;
    if (!def) return `unknown CVSS ${m[1]} metric "${key}"`;
    const allowed = key === 'U' ? ['X', 'Clear', 'Green', 'Amber', 'Red'] : def[0].split('');
    if (!allowed.includes(value)) return `CVSS ${m[1]} metric ${key} cannot be "${value}": expected one of ${allowed.join(', ')}`;
    if (seen.has(key)) return `CVSS metric ${key} is given twice`;
    seen.add(key);
  }
  const missing = Object.entries(spec)
    .filter(([k, [, mandatory]]) => mandatory && !seen.has(k))
    .map(([k]) => k);
  if (missing.length)
    return `the CVSS ${m[1]} base metric${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing`;
  return undefined;
}

const describeFactor = (f: string) => `${f.replace(/-/g, ' ')}: 0 to 9`;

/**
 * Builds the findings file schemas. Called once, by `findingsSchemas()`, when a findings file is first read: a run
 * without one builds none of them (issue #21, small runs start fast).
 */
function build() {
  const Text = z.string().min(1).regex(/\S/, 'must not be blank (only whitespace): write the value, or remove the key');

  /** A date as YYYY-MM-DD that exists (as policy dates: 2026-02-30 is refused). */
  const IsoDate = z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'a date as YYYY-MM-DD', abort: true })
    .refine(
      (d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
      'a real calendar date',
    );

  const CvssVector = z
    .string()
    .superRefine((v, ctx) => {
      const why = cvssVectorProblem(v);
      if (why) ctx.addIssue({ code: 'custom', message: why });
    })
    .describe(
      'A CVSS 3.0, 3.1 or 4.0 vector string, e.g. "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N". Kept on the finding; its score is computed from the vector.',
    );

  const Factor = z.number().int().min(0).max(9);
  /** OWASP Risk Rating Methodology factors: every likelihood factor and the four technical impact factors are required. */
  const OwaspRiskSchema = z
    .strictObject({
      ...Object.fromEntries(OWASP_LIKELIHOOD_FACTORS.map((f) => [f, Factor.describe(`Likelihood factor, ${describeFactor(f)}.`)])),
      'loss-of-confidentiality': Factor.describe('Technical impact factor, 0 to 9.'),
      'loss-of-integrity': Factor.describe('Technical impact factor, 0 to 9.'),
      'loss-of-availability': Factor.describe('Technical impact factor, 0 to 9.'),
      'loss-of-accountability': Factor.describe('Technical impact factor, 0 to 9.'),
      ...Object.fromEntries(
        OWASP_IMPACT_FACTORS.slice(4).map((f) => [
          f,
          Factor.optional().describe(`Business impact factor, ${describeFactor(f)} (optional).`),
        ]),
      ),
    } as Record<string, z.ZodType<number | undefined>>)
    .describe(
      'OWASP Risk Rating Methodology factors (https://owasp.org/www-community/OWASP_Risk_Rating_Methodology), each 0 to 9: the eight likelihood factors and the four technical impact factors; the four business impact factors are optional.',
    );

  const Cwe = z.union([z.number().int().positive(), z.string().regex(/^(?:CWE-)?[1-9]\d*$/i, 'a CWE id such as 639 or "CWE-639"')]);

  const Url = z
    .string()
    .regex(/^https?:\/\/\S+$/i, 'an http:// or https:// link')
    .describe('A link (http or https).');

  const ManualFindingSchema = z
    .strictObject({
      id: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9._:/#-]{0,199}$/, 'an id of letters, digits and . _ : / # - (at most 200), e.g. PT-2026-001')
        .describe(
          "Stable id, unique in the organization: the finding's fingerprint in the ledger (keep it when the title changes). Exceptions match it as `fingerprint`.",
        ),
      title: Text.describe('One line: what is wrong.'),
      description: z.string().optional().describe('Details: impact, steps to reproduce, advice.'),
      source: z
        .enum(FINDING_SOURCES)
        .optional()
        .describe("The activity that found it (defaults to the file's `source`): the finding's kind and tool name."),
      'reported-by': Text.optional().describe('Who reported it (a firm, a researcher, a team).'),
      'reported-on': IsoDate.describe("Day it was reported (YYYY-MM-DD): the ledger's first seen and the start of its SLA clock."),
      cvss: CvssVector.optional(),
      severity: Text.optional().describe(
        "Severity word, rated through the policy's `severity.from-scanner` like a scanner's (e.g. critical, high, medium, low).",
      ),
      'owasp-risk': OwaspRiskSchema.optional(),
      component: Text.optional().describe('Component (a policy `components` name): where the finding is when it has no file.'),
      path: Text.optional().describe('Repository-relative file path.'),
      line: z.number().int().positive().optional().describe('Line in `path` (1-based).'),
      cwe: z
        .union([Cwe, z.array(Cwe).min(1)])
        .optional()
        .describe('CWE id(s): 639, "CWE-639" or a list.'),
      cve: z
        .union([Text, z.array(Text).min(1)])
        .optional()
        .describe('Vulnerability id(s) (CVE, GHSA …), for disclosures of known vulnerabilities.'),
      status: z
        .enum(['open', 'fixed'])
        .optional()
        .describe(
          'open (the default) or fixed (with `fixed-on`): a fixed finding is reported, not gated, and closed in the ledger on `fixed-on`.',
        ),
      'fixed-on': IsoDate.optional().describe('Day it was fixed (YYYY-MM-DD), with `status: fixed`.'),
      references: z.array(Url).optional().describe("Links: the report, the ticket, the advisory. The first is the finding's help link."),
      tags: z.array(Text).optional().describe('Free tags, matched by policy rules (`tags:`).'),
    })
    .describe(
      'A finding reported by a person. Needs a rating (`cvss`, `severity` or `owasp-risk`) and a location (`component` or `path`).',
    );

  const FindingsFileSchema = z
    .strictObject({
      $schema: z.string().optional().describe('The JSON Schema of this file, for editors.'),
      kind: z.literal(FINDINGS_FILE_KIND).describe('Marks the file as defect-gate findings (detection is by content).'),
      version: z.literal(1).describe('Format version: 1.'),
      name: Text.optional().describe('What the file records, e.g. "External pentest Q4 2026".'),
      source: z
        .enum(FINDING_SOURCES)
        .optional()
        .describe('Default `source` of the findings: pentest, bug-bounty, threat-model, code-review, disclosure, audit or other.'),
      'reported-by': Text.optional().describe('Default `reported-by` of the findings.'),
      findings: z.array(ManualFindingSchema).describe('The findings; an empty list records an activity that found nothing.'),
    })
    .describe('defect-gate manual findings file (docs/manual-findings.md).');

  return { Text, IsoDate, CvssVector, Factor, OwaspRiskSchema, Cwe, Url, ManualFindingSchema, FindingsFileSchema };
}

export type FindingsSchemas = ReturnType<typeof build>;

let built: FindingsSchemas | undefined;

/** The manual findings file (`FindingsFileSchema`), one finding (`ManualFindingSchema`) and their parts, built on first use. */
export function findingsSchemas(): FindingsSchemas {
  return (built ??= build());
}

export type FindingsFileInput = z.input<FindingsSchemas['FindingsFileSchema']>;
export type ManualFindingInput = z.infer<FindingsSchemas['ManualFindingSchema']>;
