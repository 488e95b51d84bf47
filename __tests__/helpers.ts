import type { Finding, OwaspRiskFactors } from '../src/model';
import type { LedgerEntry } from '../src/ledger/schema';
import { compilePolicy, type Policy } from '../src/policy/compile';
import { formatPolicyError, parsePolicy, PolicyLoadError } from '../src/policy/load';
import { defaultPolicyText } from '../src/io/policy';

/** A finding with sensible defaults; override what a test is about. */
export function finding(over: Partial<Finding> = {}): Finding {
  return {
    fingerprint: over.fingerprint ?? `fp-${Math.random().toString(36).slice(2)}`,
    fingerprintSource: 'test',
    tool: { name: 'CodeQL' },
    source: { file: 'test.sarif', format: 'sarif', pointer: '$.runs[0].results[0]' },
    ruleId: 'js/sql-injection',
    title: 'SQL injection',
    message: 'Query built from user input',
    kind: 'sast',
    cwe: [],
    cve: [],
    tags: [],
    level: 'warning',
    resultKind: 'fail',
    suppressions: [],
    path: 'src/app.js',
    startLine: 10,
    ...over,
  };
}

export function policyFrom(yaml: string, file = 'policy.yml'): Policy {
  return compilePolicy(parsePolicy(yaml, file));
}

export function defaultPolicy(): Policy {
  return policyFrom(defaultPolicyText, 'default.yml');
}

/** Every policy test starts from the same small base. */
export const BASE_POLICY = `version: 1
severity:
  levels: [critical, high, medium, low, info]
  from-score: {critical: 9.0, high: 7.0, medium: 4.0, low: 0.1}
  from-level: {error: high, warning: medium, note: low, none: info}
  from-scanner: {critical: critical, high: high, moderate: medium, medium: medium, low: low, negligible: info}
gates:
  default:
    - {name: No critical, severity: critical}
`;

/** The formatted errors (`file:line:column: …`) of loading a policy that must be rejected. */
export function policyErrors(load: () => unknown): string[] {
  try {
    load();
  } catch (e) {
    if (e instanceof PolicyLoadError) return e.errors.map(formatPolicyError);
    throw e;
  }
  throw new Error('expected the policy to be rejected');
}

/** `xs[i]`, or a clear failure when there is no such element (tests compile with noUncheckedIndexedAccess). */
export function at<T>(xs: readonly T[], i: number): T {
  if (i < 0 || i >= xs.length) throw new Error(`expected an element at index ${i}, found ${xs.length} element(s)`);
  return xs[i] as T;
}

/** The first element of `xs`, or a clear failure when it is empty. */
export function first<T>(xs: readonly T[]): T {
  return at(xs, 0);
}

/** A value that must be there (e.g. the result of `find`), or a clear failure naming what was looked for. */
export function must<T>(v: T | undefined, what = 'a value'): T {
  if (v === undefined) throw new Error(`expected ${what}, found nothing`);
  return v;
}

/** An open ledger entry (a CodeQL SQL injection, first seen 2026-01-01, last seen 2026-05-01); override what a test is about. */
export function ledgerEntry(over: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    fingerprint: 'fp',
    tool: 'CodeQL',
    ruleId: 'js/sql-injection',
    title: 'SQL injection',
    kind: 'sast',
    firstSeen: '2026-01-01T00:00:00.000Z',
    lastSeen: '2026-05-01T00:00:00.000Z',
    state: 'open',
    reopenedCount: 0,
    severity: 'high',
    gated: true,
    events: [],
    ...over,
  };
}

/**
 * The worked example of the OWASP Risk Rating Methodology (owasp.org/www-community/OWASP_Risk_Rating_Methodology,
 * "Step 4"): likelihood 4.375 (MEDIUM), technical impact 7.25 (HIGH): overall HIGH.
 */
export const OWASP_EXAMPLE: OwaspRiskFactors = {
  skillLevel: 5,
  motive: 2,
  opportunity: 7,
  size: 1,
  easeOfDiscovery: 3,
  easeOfExploit: 6,
  awareness: 9,
  intrusionDetection: 2,
  lossOfConfidentiality: 9,
  lossOfIntegrity: 7,
  lossOfAvailability: 5,
  lossOfAccountability: 8,
};
