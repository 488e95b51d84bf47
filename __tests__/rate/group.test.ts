import { describe, expect, it } from '@jest/globals';
import type { Finding } from '../../src/model';
import { groupSimilar } from '../../src/rate/group';
import { explainLine, rateAll } from '../../src/rate/rate';
import { BASE_POLICY, finding, policyFrom } from '../helpers';

const p = policyFrom(BASE_POLICY);
const codeql = finding({
  fingerprint: 'fp-codeql',
  tool: { name: 'CodeQL' },
  ruleId: 'js/sql-injection',
  cwe: ['CWE-89'],
  path: 'src/db.js',
  startLine: 12,
  level: 'warning',
});
const semgrep = finding({
  fingerprint: 'fp-semgrep',
  tool: { name: 'Semgrep' },
  ruleId: 'javascript.lang.security.sqli',
  cwe: ['CWE-89', 'CWE-20'],
  path: 'src/db.js',
  startLine: 11,
  endLine: 13,
  scannerSeverity: 'high',
  level: undefined,
});
const run = (fs: Finding[], policy = p) => groupSimilar(rateAll(fs, policy), policy);

describe('group similar SAST findings', () => {
  it('two tools, same file, overlapping lines, a CWE in common: one finding, the highest rating, both tools named', () => {
    const out = run([codeql, semgrep]);
    expect(out).toHaveLength(1);
    const g = out[0];
    expect(g?.fingerprint).toBe('fp-codeql');
    expect(g?.alsoReportedBy).toEqual([{ name: 'Semgrep' }]);
    expect(g?.severity).toBe('high');
    expect(g?.cwe).toEqual(['CWE-89', 'CWE-20']);
    expect(explainLine(g as NonNullable<typeof g>)).toBe(
      'SARIF level "warning" → medium; group-similar: CodeQL (js/sql-injection: medium), Semgrep (javascript.lang.security.sqli: high) agree at src/db.js:12, CWE-89: the highest rating (Semgrep\'s) taken: medium → high',
    );
  });

  it('the fingerprint does not depend on which tool is read first (no ledger churn)', () => {
    const a = run([codeql, semgrep]);
    const b = run([semgrep, codeql]);
    expect(b.map((f) => [f.fingerprint, f.severity, f.alsoReportedBy])).toEqual(
      a.map((f) => [f.fingerprint, f.severity, f.alsoReportedBy]),
    );
    expect(b[0]?.explanation).toEqual(a[0]?.explanation);
  });

  it('does not group: other CWE, other lines, other file, same tool, no CWE, or another kind', () => {
    expect(run([codeql, { ...semgrep, cwe: ['CWE-79'] }])).toHaveLength(2);
    expect(run([codeql, { ...semgrep, startLine: 14, endLine: 20 }])).toHaveLength(2);
    expect(run([codeql, { ...semgrep, path: 'src/other.js' }])).toHaveLength(2);
    expect(run([codeql, { ...codeql, fingerprint: 'fp-codeql-2', ruleId: 'js/other' }])).toHaveLength(2);
    expect(
      run([
        { ...codeql, cwe: [] },
        { ...semgrep, cwe: [] },
      ]),
    ).toHaveLength(2);
    expect(
      run([
        { ...codeql, kind: 'iac' },
        { ...semgrep, kind: 'iac' },
      ]),
    ).toHaveLength(2);
  });

  it('group-similar: false turns it off; {kinds: [...]} chooses the kinds', () => {
    expect(run([codeql, semgrep], policyFrom(BASE_POLICY.replace('gates:', 'group-similar: false\ngates:')))).toHaveLength(2);
    const iac = policyFrom(BASE_POLICY.replace('gates:', 'group-similar: {kinds: [iac]}\ngates:'));
    expect(
      run(
        [
          { ...codeql, kind: 'iac' },
          { ...semgrep, kind: 'iac' },
        ],
        iac,
      ),
    ).toHaveLength(1);
    expect(run([codeql, semgrep], iac)).toHaveLength(2);
  });

  it('a group is gated when any member is (a scanner suppression of one tool hides nothing)', () => {
    const suppressed = { ...codeql, suppressions: [{ kind: 'inSource' }] };
    const [g] = run([suppressed, semgrep]);
    expect(g?.gated).toBe(true);
    expect(g?.notGatedReason).toBeUndefined();
  });

  it('three tools: one finding per tool at most in a group', () => {
    const bandit = { ...semgrep, fingerprint: 'fp-x', tool: { name: 'Another' }, scannerSeverity: 'critical' };
    const out = run([semgrep, bandit, codeql, { ...codeql, fingerprint: 'fp-codeql-2' }]);
    expect(out).toHaveLength(2);
    const g = out.find((f) => f.alsoReportedBy?.length === 2);
    expect(g?.fingerprint).toBe('fp-x');
    expect(g?.severity).toBe('critical');
  });
});

describe('group similar: cost on many findings in one file', () => {
  it('one tool only: returned as is; many findings of two tools in one file: bounded, nothing lost', () => {
    const many = Array.from({ length: 3000 }, (_, i) =>
      finding({ fingerprint: `a${i}`, tool: { name: 'A' }, cwe: ['CWE-89'], path: 'big.js', startLine: 1 }),
    );
    const rated = rateAll(many, p);
    expect(groupSimilar(rated, p)).toBe(rated);
    const mixed = rateAll([...many, ...many.map((f, i) => ({ ...f, fingerprint: `b${i}`, tool: { name: 'B' } }))], p);
    const out = groupSimilar(mixed, p);
    // Every finding is either its own or in a group of two (one per tool): none disappears.
    const members = out.reduce((n, f) => n + 1 + (f.alsoReportedBy?.length ?? 0), 0);
    expect(members).toBe(6000);
    expect(out.length).toBeLessThan(6000);
  });
});
