import { describe, expect, it } from '@jest/globals';
import { explainLine, rateFinding } from '../src/rate/rate';
import { BASE_POLICY, defaultPolicy, finding, policyFrom } from './helpers';

const withRules = (rules: string, extra = '') => policyFrom(BASE_POLICY.replace('gates:', `  rules:\n${rules}\n${extra}gates:`));

describe('base rating', () => {
  const p = defaultPolicy();

  it.each([
    [10, 'critical'],
    [9.0, 'critical'],
    [8.95, 'high'],
    [7.0, 'high'],
    [6.99, 'medium'],
    [4.0, 'medium'],
    [3.9, 'low'],
    [0.1, 'low'],
    [0.0, 'info'],
  ])('security-severity %s is %s (bands are >=, nothing lost between them)', (score, level) => {
    expect(rateFinding(finding({ securitySeverity: score }), p).severity).toBe(level);
  });

  it('uses CVSS when there is no security-severity', () => {
    const r = rateFinding(finding({ cvss: { version: '3.1', score: 7.5 } }), p);
    expect(r.severity).toBe('high');
    expect(r.explanation[0]?.detail).toBe('CVSS 3.1 score 7.5 >= 7.0');
  });

  it('prefers a score over the scanner word, the word over the SARIF level', () => {
    expect(rateFinding(finding({ securitySeverity: 9.1, scannerSeverity: 'low', level: 'note' }), p).severity).toBe('critical');
    expect(rateFinding(finding({ scannerSeverity: 'moderate', level: 'error' }), p).severity).toBe('medium');
    expect(rateFinding(finding({ level: 'error' }), p).severity).toBe('high');
    expect(rateFinding(finding({ level: 'note' }), p).severity).toBe('low');
  });

  it('falls back to severity.default and says why', () => {
    const r = rateFinding(finding({ level: undefined, scannerSeverity: 'weird' }), p);
    expect(r.severity).toBe('medium');
    expect(r.explanation[0]).toEqual({
      step: 'default',
      detail: 'nothing to rate by (scanner severity "weird" is not in from-scanner): severity.default',
      to: 'medium',
    });
  });
});

describe('rating rules', () => {
  it('apply in order: set, raise, lower, floor, cap, with every step explained', () => {
    const p = withRules(`    - {name: Test code, when: {path: "**/test/**"}, lower: 1}
    - {name: Payments, when: {path: "services/payments/**"}, raise: 2}
    - {name: Secrets, when: {kind: secret}, floor: high}
    - {name: Docs, when: {path: "docs/**"}, cap: low}
    - {name: Injection, when: {cwe: [89, "CWE-78"]}, set: critical}`);
    const test = rateFinding(finding({ path: 'src/test/a.js', level: 'error' }), p);
    expect(test.severity).toBe('medium');
    expect(explainLine(test)).toBe('SARIF level "error" → high; rule "Test code": high → medium');

    expect(rateFinding(finding({ path: 'services/payments/x.go', level: 'note' }), p).severity).toBe('high');
    expect(rateFinding(finding({ path: 'services/payments/x.go', level: 'error' }), p).severity).toBe('critical');
    expect(rateFinding(finding({ kind: 'secret', level: 'note' }), p).severity).toBe('high');
    expect(rateFinding(finding({ path: 'docs/a.md', securitySeverity: 9.9 }), p).severity).toBe('low');
    const inj = rateFinding(finding({ cwe: ['CWE-89'], level: 'note' }), p);
    expect(inj.severity).toBe('critical');
    expect(inj.explanation.map((s) => s.to)).toEqual(['low', 'critical']);
  });

  it('records a matching rule that changes nothing, and stop ends the rules', () => {
    const p = withRules(`    - {name: Floor, when: {tool: codeql}, floor: low}
    - {name: Stop here, when: {rule: "js/*"}, set: info, stop: true}
    - {name: Never, when: {tool: "*"}, set: critical}`);
    const r = rateFinding(finding({ level: 'error' }), p);
    expect(r.severity).toBe('info');
    expect(r.explanation.map((s) => s.detail)).toEqual(['SARIF level "error"', 'rule "Floor" (matched, no change)', 'rule "Stop here"']);
  });

  it('matches tool globs case-insensitively, tags, scanner severity, level, score, KEV, EPSS, fix availability', () => {
    const p = withRules(`    - {name: Trivy, when: {tool: "trivy*"}, set: info}
    - {name: Tagged, when: {tags: ["external/cwe/*"]}, set: low}
    - {name: Word, when: {scanner-severity: MODERATE}, set: high}
    - {name: Scored, when: {score: ">= 9.5"}, set: critical}
    - {name: KEV, when: {kev: true}, set: critical}
    - {name: EPSS, when: {epss: "> 0.5"}, raise: 1}
    - {name: No fix, when: {fix-available: false, kind: sca}, lower: 1}`);
    expect(rateFinding(finding({ tool: { name: 'Trivy' }, level: 'error' }), p).severity).toBe('info');
    expect(rateFinding(finding({ tags: ['external/cwe/cwe-79'], level: 'error' }), p).severity).toBe('low');
    expect(rateFinding(finding({ scannerSeverity: 'moderate' }), p).severity).toBe('high');
    expect(rateFinding(finding({ securitySeverity: 9.6 }), p).severity).toBe('critical');
    expect(rateFinding(finding({ securitySeverity: 5, exploit: { kev: true } }), p).severity).toBe('critical');
    expect(rateFinding(finding({ securitySeverity: 5, exploit: { epss: 0.7 } }), p).severity).toBe('high');
    expect(rateFinding(finding({ kind: 'sca', securitySeverity: 7.5, package: { name: 'x', fixedVersions: [] } }), p).severity).toBe(
      'medium',
    );
    expect(rateFinding(finding({ kind: 'sca', securitySeverity: 7.5, package: { name: 'x', fixedVersions: ['1.2'] } }), p).severity).toBe(
      'high',
    );
  });

  it('never moves past the most or least severe level', () => {
    const p = withRules(`    - {name: Up, when: {tool: CodeQL}, raise: 9}`);
    expect(rateFinding(finding({ level: 'note' }), p).severity).toBe('critical');
    const q = withRules(`    - {name: Down, when: {tool: CodeQL}, lower: 9}`);
    expect(rateFinding(finding({ securitySeverity: 10 }), q).severity).toBe('info');
  });
});

describe('gating eligibility', () => {
  const p = defaultPolicy();

  it('does not gate SARIF results of kind other than fail, or baseline-absent ones', () => {
    expect(rateFinding(finding({ resultKind: 'pass' }), p)).toMatchObject({
      gated: false,
      notGatedReason: 'SARIF result kind "pass" is not a failure',
    });
    expect(rateFinding(finding({ baselineState: 'absent' }), p).gated).toBe(false);
  });

  it('honors scanner suppressions by policy: honor, ignore, require-justification', () => {
    const supp = finding({ suppressions: [{ kind: 'inSource' }] });
    const justified = finding({ suppressions: [{ kind: 'external', status: 'accepted', justification: 'test fixture' }] });
    const rejected = finding({ suppressions: [{ kind: 'external', status: 'rejected' }] });
    expect(rateFinding(supp, p).gated).toBe(false);
    expect(rateFinding(rejected, p).gated).toBe(true);
    const ignore = policyFrom(`${BASE_POLICY}suppressions: ignore\n`);
    expect(rateFinding(supp, ignore).gated).toBe(true);
    const req = policyFrom(`${BASE_POLICY}suppressions: require-justification\n`);
    expect(rateFinding(supp, req).gated).toBe(true);
    expect(rateFinding(justified, req)).toMatchObject({
      gated: false,
      notGatedReason: 'suppressed by the scanner (external: test fixture)',
    });
  });
});
