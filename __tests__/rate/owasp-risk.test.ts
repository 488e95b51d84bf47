import { describe, expect, it } from '@jest/globals';
import { OWASP_MATRIX, owaspLevel, owaspRisk, owaspRiskProblems } from '../../src/rate/owasp-risk';
import type { OwaspRiskFactors } from '../../src/model';
import { explainLine, rateFinding } from '../../src/rate/rate';
import { BASE_POLICY, finding, OWASP_EXAMPLE, policyFrom } from '../helpers';

/**
 * The worked example of the OWASP Risk Rating Methodology (owasp.org/www-community/OWASP_Risk_Rating_Methodology,
 * "Step 4: Determining the Severity of the Risk"): likelihood factors 5, 2, 7, 1, 3, 6, 9, 2 (average 4.375, MEDIUM);
 * technical impact 9, 7, 5, 8 (7.25, HIGH); business impact 1, 2, 1, 5 (2.25, LOW). With the technical impact the
 * overall severity is High; with the business impact, Low.
 */
const example: OwaspRiskFactors = OWASP_EXAMPLE;
const business = { financialDamage: 1, reputationDamage: 2, nonCompliance: 1, privacyViolation: 5 };

describe('OWASP Risk Rating Methodology', () => {
  it('the worked example with the technical impact: MEDIUM likelihood × HIGH impact = HIGH', () => {
    expect(owaspRisk(example)).toEqual({
      likelihood: 4.375,
      likelihoodLevel: 'MEDIUM',
      impact: 7.25,
      impactLevel: 'HIGH',
      impactFrom: 'technical',
      severity: 'HIGH',
    });
  });

  it('the worked example with the business impact: MEDIUM likelihood × LOW impact = LOW', () => {
    expect(owaspRisk({ ...example, ...business })).toMatchObject({
      impact: 2.25,
      impactLevel: 'LOW',
      impactFrom: 'business',
      severity: 'LOW',
    });
  });

  it('levels: below 3 LOW, 3 to below 6 MEDIUM, 6 and above HIGH (both sides of each edge)', () => {
    expect([0, 2.999, 3, 5.999, 6, 9].map(owaspLevel)).toEqual(['LOW', 'LOW', 'MEDIUM', 'MEDIUM', 'HIGH', 'HIGH']);
  });

  it("the matrix is the methodology's (impact rows, likelihood columns)", () => {
    expect(OWASP_MATRIX).toEqual({
      HIGH: { LOW: 'MEDIUM', MEDIUM: 'HIGH', HIGH: 'CRITICAL' },
      MEDIUM: { LOW: 'LOW', MEDIUM: 'MEDIUM', HIGH: 'HIGH' },
      LOW: { LOW: 'NOTE', MEDIUM: 'LOW', HIGH: 'MEDIUM' },
    });
    const all = (n: number) => Object.fromEntries(Object.keys(example).map((k) => [k, n])) as OwaspRiskFactors;
    expect(owaspRisk(all(9)).severity).toBe('CRITICAL');
    expect(owaspRisk(all(0)).severity).toBe('NOTE');
  });

  it('says what is wrong with factors it cannot use', () => {
    const { awareness: _a, ...noAwareness } = example;
    expect(owaspRiskProblems(noAwareness)).toEqual(['awareness is missing']);
    expect(owaspRiskProblems({ ...example, motive: 10 })).toEqual(['motive must be a whole number from 0 to 9, found 10']);
    expect(owaspRiskProblems({ ...example, financialDamage: 3 })).toEqual([
      'reputationDamage is missing (business impact needs all four factors once one is given)',
      'nonCompliance is missing (business impact needs all four factors once one is given)',
      'privacyViolation is missing (business impact needs all four factors once one is given)',
    ]);
    expect(() => owaspRisk(noAwareness)).toThrow('awareness is missing');
  });
});

describe('OWASP risk in the rating', () => {
  const p = policyFrom(BASE_POLICY);

  it('rates a finding without a score by its factors, mapped to the org level of the same name', () => {
    const r = rateFinding(finding({ level: undefined, owaspRisk: example }), p);
    expect(r.severity).toBe('high');
    expect(explainLine(r)).toBe('OWASP risk rating: likelihood 4.375 MEDIUM × technical impact 7.25 HIGH = HIGH → high');
  });

  it('NOTE is info when the org has no "note" level; owasp-risk.levels maps explicitly', () => {
    const all0 = Object.fromEntries(Object.keys(example).map((k) => [k, 0])) as OwaspRiskFactors;
    expect(rateFinding(finding({ level: undefined, owaspRisk: all0 }), p).severity).toBe('info');
    const mapped = policyFrom(BASE_POLICY.replace('gates:', 'owasp-risk: {levels: {HIGH: critical}}\ngates:'));
    expect(rateFinding(finding({ level: undefined, owaspRisk: example }), mapped).severity).toBe('critical');
  });

  it('maps by position when the org levels have other names', () => {
    const pp = policyFrom(`version: 1
severity:
  levels: [P1, P2, P3]
gates:
  default: [{name: No P1, severity: P1}]
`);
    // CRITICAL → P1, HIGH → round(0.5) = P2, MEDIUM → P2, LOW → round(1.5) = P3, NOTE → P3.
    expect(rateFinding(finding({ level: undefined, owaspRisk: example }), pp).severity).toBe('P2');
  });

  it('a CVSS score comes first; factors that cannot be used rate the most severe level (fail closed)', () => {
    expect(rateFinding(finding({ cvss: { score: 2.0 }, owaspRisk: example }), p).severity).toBe('low');
    const bad = rateFinding(finding({ level: 'note', owaspRisk: { ...example, size: 12 } }), p);
    expect(bad.severity).toBe('critical');
    expect(bad.explanation[0]?.detail).toBe(
      'OWASP risk factors not usable (size must be a whole number from 0 to 9, found 12): the most severe level until they are fixed',
    );
  });
});
