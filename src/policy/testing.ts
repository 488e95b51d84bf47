import { z } from 'zod';
import { FINDING_KINDS, SARIF_LEVELS, type Finding, type ResultKind } from '../model';
import { cweId } from '../ingest/values';
import { judgeFinding } from '../engine';
import type { Policy } from './compile';
import { formatPolicyError, parseYaml, pathText, positionOf, type PolicyError } from './load';
import { UserError } from '../errors';

/**
 * Policy tests (`defect-gate policy test`): cases written in YAML next to the policy, each a partly described finding
 * and what the policy must make of it (severity, gated, which gate rules count it, which exception applies).
 * Pure: parse a test file's text, run its cases against a compiled policy at a given `now`.
 *
 * ```yaml
 * now: 2026-11-25                 # optional: the date exceptions are judged at (else --now, else today)
 * cases:
 *   - name: Log4Shell in KEV is critical
 *     finding: {tool: Trivy, kind: sca, cvss: 5.3, cve: [CVE-2021-44228], exploit: {kev: true}}
 *     expect: {severity: critical, gated: true, gates: {production: [No critical findings]}}
 * ```
 */

const oneOrMany = <T extends z.ZodType>(t: T) => z.union([t, z.array(t)]);
const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/, 'a date as YYYY-MM-DD (or an ISO 8601 time)');
const RESULT_KINDS = ['fail', 'pass', 'review', 'open', 'notApplicable', 'informational'] as const satisfies readonly ResultKind[];

export const TestFinding = z
  .strictObject({
    tool: z.union([z.string().min(1), z.strictObject({ name: z.string().min(1), version: z.string().optional() })]).optional(),
    ruleId: z.string().min(1).optional(),
    title: z.string().optional(),
    message: z.string().optional(),
    kind: z.enum(FINDING_KINDS).optional(),
    path: z.string().min(1).optional(),
    startLine: z.number().int().min(1).optional(),
    level: z.enum(SARIF_LEVELS).optional(),
    resultKind: z.enum(RESULT_KINDS).optional(),
    securitySeverity: z.number().min(0).max(10).optional(),
    cvss: z
      .union([
        z.number().min(0).max(10),
        z.strictObject({
          score: z.number().min(0).max(10).optional(),
          version: z.union([z.string(), z.number()]).optional(),
          vector: z.string().optional(),
        }),
      ])
      .optional(),
    scannerSeverity: z.string().min(1).optional(),
    cwe: oneOrMany(z.union([z.string().min(1), z.number().int().positive()])).optional(),
    cve: oneOrMany(z.string().min(1)).optional(),
    tags: oneOrMany(z.string().min(1)).optional(),
    component: z.string().min(1).optional(),
    package: z
      .union([
        z.string().min(1),
        z.strictObject({
          name: z.string().min(1),
          ecosystem: z.string().optional(),
          version: z.string().optional(),
          purl: z.string().optional(),
          fixedVersions: z.array(z.string()).optional(),
        }),
      ])
      .optional(),
    exploit: z
      .strictObject({
        kev: z.boolean().optional(),
        kevDateAdded: IsoDate.optional(),
        kevDueDate: IsoDate.optional(),
        epss: z.number().min(0).max(1).optional(),
        epssPercentile: z.number().min(0).max(1).optional(),
      })
      .optional(),
    suppressions: z
      .array(
        z.strictObject({
          kind: z.string().min(1).default('inSource'),
          status: z.string().optional(),
          justification: z.string().optional(),
        }),
      )
      .optional(),
    baselineState: z.enum(['new', 'unchanged', 'updated', 'absent']).optional(),
    fingerprint: z.string().min(1).optional(),
    status: z.enum(['new', 'existing', 'reopened']).optional(),
  })
  .describe('A finding, described partly; unset fields get neutral defaults (a gated SAST finding with no rating data).');
export type TestFindingInput = z.infer<typeof TestFinding>;

const EXCEPTION_STATES = ['active', 'expiring', 'expired', 'not-allowed'] as const;

const Expect = z
  .strictObject({
    severity: z.string().min(1).optional().describe('The organization level the policy must give.'),
    gated: z.boolean().optional().describe('Whether gates count the finding at all.'),
    gates: z
      .record(z.string().min(1), z.array(z.string().min(1)))
      .optional()
      .describe('Per environment: the names of exactly the gate rules that count the finding ([] for none).'),
    exception: z
      .union([z.literal('none'), z.strictObject({ id: z.string().min(1).optional(), state: z.enum(EXCEPTION_STATES).optional() })])
      .optional()
      .describe('The exception that matched (id, state), or none.'),
  })
  .refine((e) => Object.keys(e).length > 0, 'expect at least one of severity, gated, gates, exception');

const Case = z.strictObject({
  name: z.string().min(1),
  finding: TestFinding,
  expect: Expect,
});

export const PolicyTestFile = z
  .strictObject({
    $schema: z.string().optional(),
    now: IsoDate.optional().describe('When exceptions are judged (overridden by --now).'),
    cases: z.array(Case).min(1),
  })
  .describe('defect-gate policy tests.');

export interface PolicyTestCase {
  name: string;
  finding: TestFindingInput;
  expect: z.infer<typeof Expect>;
  /** Position of the case in the test file. */
  line: number;
  column: number;
}

export interface PolicyTestSuite {
  file: string;
  now?: string;
  cases: PolicyTestCase[];
}

type Key = string | number;

/** Problems in a policy test file, each with file:line:column. */
export class PolicyTestFileError extends UserError {
  constructor(readonly errors: PolicyError[]) {
    super(
      'policy',
      `invalid policy tests (${errors.length} problem${errors.length === 1 ? '' : 's'}):\n${errors.map((e) => `  ${formatPolicyError(e)}`).join('\n')}`,
    );
    this.name = 'PolicyTestFileError';
  }
}

/**
 * Parses and validates a test file against the policy it tests (levels, environments and gate rule names must exist).
 * Throws PolicyTestFileError with file:line:column for every problem.
 */
export function parsePolicyTests(text: string, file: string, policy: Policy): PolicyTestSuite {
  const { doc, lc, errors, value: raw } = parseYaml(text, file);
  if (errors.length) throw new PolicyTestFileError(errors);
  const at = (path: Key[], message: string, key = false) =>
    errors.push({ file, ...positionOf(doc, lc, path, key), path: pathText(path), message });
  if (raw === null || raw === undefined) {
    at([], 'the test file is empty: expected `cases:` with a list of {name, finding, expect}');
    throw new PolicyTestFileError(errors);
  }
  const parsed = PolicyTestFile.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.filter((k): k is Key => typeof k === 'string' || typeof k === 'number');
      if (issue.code === 'unrecognized_keys') {
        for (const k of issue.keys) at([...path, k], `unknown key "${k}"`, true);
      } else {
        at(
          path,
          issue.code === 'invalid_type' && issue.message.includes('received undefined')
            ? `missing required key: expected ${issue.expected}`
            : issue.message,
        );
      }
    }
    throw new PolicyTestFileError(errors);
  }
  const levels = new Set(policy.levels);
  const names = new Set<string>();
  parsed.data.cases.forEach((c, i) => {
    const base: Key[] = ['cases', i];
    if (names.has(c.name)) at([...base, 'name'], `case name "${c.name}" is used twice`);
    names.add(c.name);
    if (c.expect.severity !== undefined && !levels.has(c.expect.severity)) {
      at([...base, 'expect', 'severity'], `unknown level "${c.expect.severity}": expected one of ${policy.levels.join(', ')}`);
    }
    for (const [env, rules] of Object.entries(c.expect.gates ?? {})) {
      const profile = Object.hasOwn(policy.gates, env) ? policy.gates[env] : undefined;
      if (!profile) {
        at(
          [...base, 'expect', 'gates', env],
          `no gate profile "${env}" in the policy: expected one of ${Object.keys(policy.gates).join(', ')}`,
          true,
        );
        continue;
      }
      const known = new Set(profile.map((g) => g.name));
      rules.forEach((r, k) => {
        if (!known.has(r))
          at(
            [...base, 'expect', 'gates', env, k],
            `no gate rule "${r}" in profile "${env}": expected one of ${[...known].map((n) => `"${n}"`).join(', ')}`,
          );
      });
    }
  });
  if (errors.length) throw new PolicyTestFileError(errors);
  return {
    file,
    ...(parsed.data.now ? { now: parsed.data.now } : {}),
    cases: parsed.data.cases.map((c, i) => ({ ...c, ...positionOf(doc, lc, ['cases', i]) })),
  };
}

const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Builds a full Finding from a partial description: a gated SAST finding by `test`, with nothing to rate it by. */
export function buildTestFinding(d: TestFindingInput, index: number): Finding {
  const f: Finding = {
    fingerprint: d.fingerprint ?? `policy-test-${index + 1}`,
    fingerprintSource: 'policy-test',
    tool: typeof d.tool === 'string' ? { name: d.tool } : d.tool ? { ...d.tool } : { name: 'test' },
    source: { file: 'policy-test', format: 'policy-test', pointer: `$.cases[${index}].finding` },
    ruleId: d.ruleId ?? 'test-rule',
    title: d.title ?? d.ruleId ?? 'test finding',
    message: d.message ?? '',
    kind: d.kind ?? 'sast',
    cwe: asList(d.cwe)
      .map((c) => cweId(typeof c === 'number' ? String(c) : c))
      .filter((c): c is string => c !== undefined),
    cve: asList(d.cve),
    tags: asList(d.tags),
    resultKind: d.resultKind ?? 'fail',
    suppressions: (d.suppressions ?? []).map((s) => ({ ...s })),
  };
  if (d.level !== undefined) f.level = d.level;
  if (d.securitySeverity !== undefined) f.securitySeverity = d.securitySeverity;
  if (d.cvss !== undefined) {
    f.cvss =
      typeof d.cvss === 'number'
        ? { score: d.cvss }
        : ({ ...d.cvss, ...(d.cvss.version !== undefined ? { version: String(d.cvss.version) } : {}) } as Finding['cvss']);
  }
  if (d.scannerSeverity !== undefined) f.scannerSeverity = d.scannerSeverity.toLowerCase();
  if (d.path !== undefined) {
    f.path = d.path;
    f.startLine = d.startLine ?? 1;
  }
  if (d.component !== undefined) f.component = d.component;
  if (d.package !== undefined) f.package = typeof d.package === 'string' ? { name: d.package } : { ...d.package };
  if (d.exploit !== undefined) f.exploit = { ...d.exploit };
  if (d.baselineState !== undefined) f.baselineState = d.baselineState;
  return f;
}

export interface PolicyTestResult {
  name: string;
  line: number;
  column: number;
  passed: boolean;
  /** One line per expectation that failed: `severity: expected high, got medium`. */
  diffs: string[];
  /** What the policy made of the finding. */
  actual: {
    severity: string;
    gated: boolean;
    notGatedReason?: string;
    explanation: string[];
    gates: Record<string, string[]>;
    exception?: { id: string; state: string; problem?: string };
  };
}

const setText = (xs: readonly string[]) => (xs.length ? xs.map((x) => `"${x}"`).join(', ') : 'none');

/** Runs every case against the policy. Pure. */
export function runPolicyTests(suite: PolicyTestSuite, policy: Policy, now: Date): PolicyTestResult[] {
  return suite.cases.map((c, i) => {
    const finding = buildTestFinding(c.finding, i);
    const { finding: f, gates } = judgeFinding(finding, policy, now, c.finding.status ?? 'new');
    const actual: PolicyTestResult['actual'] = {
      severity: f.severity,
      gated: f.gated,
      ...(f.notGatedReason ? { notGatedReason: f.notGatedReason } : {}),
      explanation: f.explanation.map((s) => (s.step === 'rule' ? `${s.detail}: ${s.from} → ${s.to}` : `${s.detail} → ${s.to}`)),
      gates,
      ...(f.exception
        ? { exception: { id: f.exception.id, state: f.exception.state, ...(f.exception.problem ? { problem: f.exception.problem } : {}) } }
        : {}),
    };
    const diffs: string[] = [];
    const e = c.expect;
    if (e.severity !== undefined && e.severity !== f.severity) diffs.push(`severity: expected ${e.severity}, got ${f.severity}`);
    if (e.gated !== undefined && e.gated !== f.gated) {
      diffs.push(`gated: expected ${e.gated}, got ${f.gated}${f.notGatedReason ? ` (${f.notGatedReason})` : ''}`);
    }
    for (const [env, want] of Object.entries(e.gates ?? {})) {
      const got = (Object.hasOwn(gates, env) ? gates[env] : undefined) ?? [];
      const missing = want.filter((w) => !got.includes(w));
      const extra = got.filter((g) => !want.includes(g));
      if (missing.length || extra.length) {
        diffs.push(
          `gates.${env}: expected ${setText(want)}, got ${setText(got)}${missing.length ? ` (missing ${setText(missing)})` : ''}${extra.length ? ` (unexpected ${setText(extra)})` : ''}`,
        );
      }
    }
    if (e.exception !== undefined) {
      const got = f.exception;
      if (e.exception === 'none') {
        if (got) diffs.push(`exception: expected none, got ${got.id} (${got.state})`);
      } else if (!got) {
        diffs.push(`exception: expected ${e.exception.id ?? 'one'}${e.exception.state ? ` (${e.exception.state})` : ''}, got none`);
      } else if (
        (e.exception.id !== undefined && e.exception.id !== got.id) ||
        (e.exception.state !== undefined && e.exception.state !== got.state)
      ) {
        diffs.push(
          `exception: expected ${e.exception.id ?? got.id} (${e.exception.state ?? got.state}), got ${got.id} (${got.state}${got.problem ? `: ${got.problem}` : ''})`,
        );
      }
    }
    return { name: c.name, line: c.line, column: c.column, passed: diffs.length === 0, diffs, actual };
  });
}

/** The text report: one line per case, the diff and the rating explanation under a failed case, a summary line. */
export function formatPolicyTestResults(file: string, results: readonly PolicyTestResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${r.passed ? 'PASS' : 'FAIL'}  ${r.name}`);
    if (!r.passed) {
      lines.push(`      ${file}:${r.line}:${r.column}`);
      for (const d of r.diffs) lines.push(`      ${d}`);
      lines.push(`      rating: ${r.actual.explanation.join('; ')}`);
      if (r.actual.notGatedReason) lines.push(`      not gated: ${r.actual.notGatedReason}`);
      if (r.actual.exception)
        lines.push(
          `      exception: ${r.actual.exception.id} (${r.actual.exception.state}${r.actual.exception.problem ? `: ${r.actual.exception.problem}` : ''})`,
        );
    }
  }
  const failed = results.filter((r) => !r.passed).length;
  lines.push(`${file}: ${results.length - failed} passed, ${failed} failed, ${results.length} total`);
  return `${lines.join('\n')}\n`;
}
