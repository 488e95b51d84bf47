import { describe, expect, it } from '@jest/globals';
import type { Finding } from '../../src/model';
import { parseCvssVector } from '../../src/rate/cvss';
import { explainLine, rateAll, rateAllInPlace, rateFinding, scoreFinding } from '../../src/rate/rate';
import { BASE_POLICY, finding, first, OWASP_EXAMPLE, policyFrom } from '../helpers';

/**
 * src/rate/rate.ts exactly: every explanation text, the score edges (same score within 0.05, bands, nothing above the
 * last band), the fail-closed stated severity, why a finding is not gated, component criticality (adjust and matrix),
 * the in-place variant and the shared explanations. Written against the mutants StrykerJS left alive
 * (MUTATE_SCOPE=rate npm run mutate).
 */

const withPolicy = (extra: string) => policyFrom(BASE_POLICY.replace('gates:', `${extra}\ngates:`));
const p = withPolicy('');
const V98 = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
const V00 = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N';
const base = (f: Partial<Finding>, policy = p) => first(rateFinding(finding({ level: undefined, ...f }), policy).explanation);

describe('the base step says what the score is', () => {
  it('security-severity and a scanner CVSS score, with and without a version; whole numbers with one decimal', () => {
    expect(base({ securitySeverity: 9 })).toEqual({ step: 'base', detail: 'security-severity 9.0 >= 9.0', to: 'critical' });
    expect(base({ securitySeverity: 7.25 }).detail).toBe('security-severity 7.25 >= 7.0');
    expect(base({ cvss: { score: 5 } }).detail).toBe('CVSS score 5.0 >= 4.0');
    expect(base({ cvss: { version: '2.0', score: 5 } }).detail).toBe('CVSS 2.0 score 5.0 >= 4.0');
  });

  it('a score below every band: the least severe level, and says so', () => {
    expect(base({ securitySeverity: 0 })).toEqual({ step: 'base', detail: 'security-severity 0.0 is below every band', to: 'info' });
  });

  it('without bands (no from-score) a score is not used: the scanner word or the SARIF level rates', () => {
    const noBands = policyFrom(BASE_POLICY.replace('  from-score: {critical: 9.0, high: 7.0, medium: 4.0, low: 0.1}\n', ''));
    expect(base({ securitySeverity: 9.8, level: 'note' }, noBands)).toEqual({ step: 'base', detail: 'SARIF level "note"', to: 'low' });
    expect(base({ securitySeverity: 9.8, scannerSeverity: 'moderate' }, noBands)).toEqual({
      step: 'base',
      detail: 'scanner severity "moderate"',
      to: 'medium',
    });
  });

  it('a scanner word not in from-scanner falls through to the SARIF level', () => {
    expect(base({ scannerSeverity: 'weird', level: 'error' })).toEqual({ step: 'base', detail: 'SARIF level "error"', to: 'high' });
  });

  it('nothing to rate by: says why, or nothing when there is no hint', () => {
    expect(base({})).toEqual({ step: 'default', detail: 'nothing to rate by: severity.default', to: 'medium' });
    expect(base({ cvss: { vector: 'CVSS:3.1/AV:N' } }).detail).toBe(
      'CVSS vector "CVSS:3.1/AV:N" not used: base metrics AC, PR, UI, S, C, I, A missing or not defined; nothing to rate by (CVSS vector CVSS:3.1/AV:N without a score): severity.default',
    );
  });

  it('an unusable vector is quoted up to 120 characters, then cut with …', () => {
    const v120 = `CVSS:3.1/AV:${'N'.repeat(108)}`;
    expect(v120).toHaveLength(120);
    const why = (v: string) => {
      const r = parseCvssVector(v);
      return r.ok ? '' : r.problem;
    };
    expect(base({ cvssVector: v120 }).detail).toBe(`CVSS vector "${v120}" not used: ${why(v120)}; nothing to rate by: severity.default`);
    const v121 = `${v120}N`;
    expect(base({ cvssVector: v121 }).detail).toBe(`CVSS vector "${v120}…" not used: ${why(v121)}; nothing to rate by: severity.default`);
  });

  it('a scanner score and its vector agree within less than 0.05; 0.05 apart they disagree', () => {
    const agree = rateFinding(finding({ cvss: { version: '3.1', score: 0.04, vector: V00 } }), p);
    expect(first(agree.explanation).detail).toBe(`CVSS 3.1 score 0.04 (${V00}): 0.04 is below every band`);
    const apart = rateFinding(finding({ cvss: { version: '3.1', score: 0.05, vector: V00 } }), p);
    expect(first(apart.explanation).detail).toBe(
      `CVSS 3.1 score 0.05 from the scanner, 0.0 computed from ${V00}: the higher taken: 0.05 is below every band`,
    );
    expect(apart).not.toHaveProperty('score');
  });

  it("on-mismatch: scanner says the scanner's was taken; the vector's score is kept as the finding's score", () => {
    const f = finding({ cvss: { version: '3.1', score: 5.3, vector: V98 } });
    expect(first(rateFinding(f, withPolicy('cvss: {on-mismatch: scanner}')).explanation).detail).toBe(
      `CVSS 3.1 score 5.3 from the scanner, 9.8 computed from ${V98}: the scanner's taken (cvss.on-mismatch: scanner): 5.3 >= 4.0`,
    );
    expect(rateFinding(f, withPolicy('cvss: {on-mismatch: scanner}'))).not.toHaveProperty('score');
    expect(rateFinding(f, withPolicy('cvss: {on-mismatch: vector}')).score).toBe(9.8);
    // higher, the scanner's being higher: its score, nothing added.
    const high = rateFinding(finding({ cvss: { version: '3.1', score: 9.9, vector: V98 } }), p);
    expect([high.severity, high.score]).toEqual(['critical', undefined]);
    expect(first(high.explanation).detail).toBe(
      `CVSS 3.1 score 9.9 from the scanner, 9.8 computed from ${V98}: the higher taken: 9.9 >= 9.0`,
    );
  });

  it('scoreFinding on its own: what each score is', () => {
    expect(scoreFinding(finding({ securitySeverity: 3 }), p)).toEqual({ score: 3, what: 'security-severity' });
    expect(scoreFinding(finding({}), p)).toEqual({});
    expect(scoreFinding(finding({ cvss: { score: 4 } }), p)).toEqual({ score: 4, what: 'CVSS score' });
    expect(scoreFinding(finding({ cvssVector: V98 }), p)).toEqual({ score: 9.8, what: `CVSS 3.1 base score 9.8 computed from ${V98}` });
  });
});

describe('environmental scores in the explanation', () => {
  const env = withPolicy(`components:
  - {name: pay, paths: ["pay/**"], criticality: high}
  - {name: own, paths: ["own/**"], requirements: {confidentiality: high, integrity: high, availability: high}}
  - {name: plain, paths: ["plain/**"]}
cvss: {rate-by: environmental}`);
  const heartbleed = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N';

  it('names the requirements used and those of the vector it replaced', () => {
    const r = rateFinding(finding({ path: 'pay/a.js', cvssVector: `${heartbleed}/CR:L` }), env);
    expect(r.score).toBe(9.3);
    expect(first(r.explanation).detail).toBe(
      `CVSS 3.1 environmental score 9.3 from ${heartbleed}/CR:H/IR:H/AR:H (requirements of criticality high (component pay), replacing CR:L; CVSS 3.1 base score 7.5 computed from ${heartbleed}/CR:L): 9.3 >= 9.0`,
    );
  });

  it("a component's own requirements; a component without criticality counts as medium; no component too", () => {
    expect(first(rateFinding(finding({ path: 'own/a.js', cvssVector: heartbleed }), env).explanation).detail).toContain(
      '(requirements of component own; ',
    );
    expect(first(rateFinding(finding({ path: 'plain/a.js', cvssVector: heartbleed }), env).explanation).detail).toContain(
      '(requirements of criticality medium (component plain); ',
    );
    expect(first(rateFinding(finding({ path: 'x/a.js', cvssVector: heartbleed }), env).explanation).detail).toContain(
      '(requirements of criticality medium (no component); ',
    );
  });

  it('an environmental score may rate lower than the stated severity (by policy); a base score may not', () => {
    const low = withPolicy(`components:
  - {name: tool, paths: ["tool/**"], criticality: low}
cvss: {rate-by: environmental}`);
    const f = finding({ path: 'tool/a.js', level: undefined, scannerSeverity: 'high', cvssVector: heartbleed });
    expect(rateFinding(f, low).severity).toBe('medium');
    expect(rateFinding(f, p).severity).toBe('high');
    // Stated equal to the computed level: the computed step as it is.
    expect(first(rateFinding({ ...f, scannerSeverity: 'high', path: 'x' }, p).explanation).detail).toBe(
      `CVSS 3.1 base score 7.5 computed from ${heartbleed}: 7.5 >= 7.0`,
    );
    // A scanner score with a vector that agrees is not "computed": a stated word does not override it.
    const given = finding({ level: undefined, scannerSeverity: 'critical', cvss: { version: '3.1', score: 7.5, vector: heartbleed } });
    expect(rateFinding(given, p).severity).toBe('high');
    // A stated word that is not in from-scanner does not either.
    expect(rateFinding({ ...f, scannerSeverity: 'weird', path: 'x' }, p).severity).toBe('high');
  });
});

describe('OWASP risk in the base step', () => {
  it('likelihood and impact rounded to 3 decimals', () => {
    const f = {
      skillLevel: 3,
      motive: 3,
      opportunity: 3,
      size: 3,
      easeOfDiscovery: 3,
      easeOfExploit: 3,
      awareness: 3,
      intrusionDetection: 4,
      lossOfConfidentiality: 1,
      lossOfIntegrity: 1,
      lossOfAvailability: 1,
      lossOfAccountability: 0,
    };
    // likelihood 25/8 = 3.125; impact 3/4 = 0.75.
    expect(base({ owaspRisk: f }).detail).toBe('OWASP risk rating: likelihood 3.125 MEDIUM × technical impact 0.75 LOW = LOW');
    const third = { ...f, financialDamage: 1, reputationDamage: 0, nonCompliance: 0, privacyViolation: 0 };
    expect(base({ owaspRisk: { ...third, skillLevel: 4, motive: 4, intrusionDetection: 3 } }).detail).toBe(
      'OWASP risk rating: likelihood 3.25 MEDIUM × business impact 0.25 LOW = LOW',
    );
    expect(base({ owaspRisk: { ...f, skillLevel: 4, motive: 4, opportunity: 4, intrusionDetection: 3 } }).detail).toBe(
      'OWASP risk rating: likelihood 3.375 MEDIUM × technical impact 0.75 LOW = LOW',
    );
    const thirds = { ...f, lossOfConfidentiality: 1, lossOfIntegrity: 0, lossOfAvailability: 0, lossOfAccountability: 0, skillLevel: 1 };
    expect(
      base({
        owaspRisk: {
          ...thirds,
          motive: 0,
          opportunity: 0,
          size: 0,
          easeOfDiscovery: 0,
          easeOfExploit: 0,
          awareness: 0,
          intrusionDetection: 0,
        },
      }).detail,
    ).toBe('OWASP risk rating: likelihood 0.125 LOW × technical impact 0.25 LOW = NOTE');
  });
});

describe('why a finding is not gated', () => {
  it('fixed, with or without the day', () => {
    expect(rateFinding(finding({ fixed: { on: '2026-11-02T10:00:00Z' } }), p).notGatedReason).toBe(
      'fixed on 2026-11-02, as its input file says',
    );
    expect(rateFinding(finding({ fixed: {} }), p).notGatedReason).toBe('fixed, as its input file says');
  });

  it('result kind and baseline state', () => {
    expect(rateFinding(finding({ resultKind: 'pass' }), p).notGatedReason).toBe('SARIF result kind "pass" is not a failure');
    expect(rateFinding(finding({ baselineState: 'absent' }), p).notGatedReason).toBe('SARIF baselineState "absent": no longer present');
    const gated = rateFinding(finding({ baselineState: 'unchanged' }), p);
    expect(gated.gated).toBe(true);
    expect(gated).not.toHaveProperty('notGatedReason');
  });

  it('suppressions: accepted or without status count, under review or rejected do not; kind and justification named', () => {
    const r = (s: Finding['suppressions'], policy = p) => rateFinding(finding({ suppressions: s }), policy);
    expect(r([{ kind: 'inSource' }]).notGatedReason).toBe('suppressed by the scanner (inSource)');
    expect(r([{ kind: 'external', status: 'accepted', justification: 'test data' }]).notGatedReason).toBe(
      'suppressed by the scanner (external: test data)',
    );
    expect(r([{ kind: 'inSource', status: 'underReview' }]).gated).toBe(true);
    expect(r([{ kind: 'inSource', status: 'rejected' }]).gated).toBe(true);
    // The first that counts is named.
    expect(
      r([
        { kind: 'external', status: 'rejected' },
        { kind: 'inSource', justification: 'ok' },
      ]).notGatedReason,
    ).toBe('suppressed by the scanner (inSource: ok)');
    const just = withPolicy('suppressions: require-justification');
    expect(r([{ kind: 'inSource' }], just).gated).toBe(true);
    expect(r([{ kind: 'inSource' }, { kind: 'external', justification: 'why' }], just).notGatedReason).toBe(
      'suppressed by the scanner (external: why)',
    );
    expect(r([{ kind: 'inSource', justification: 'x' }], withPolicy('suppressions: ignore')).gated).toBe(true);
  });
});

describe('component criticality', () => {
  const comps = `components:
  - {name: pay, paths: ["pay/**"], criticality: high, owner: "@acme/pay"}
  - {name: tool, paths: ["tool/**"], criticality: low}
  - {name: mid, paths: ["mid/**"], criticality: medium}
  - {name: plain, paths: ["plain/**"]}`;

  it('adjust: each operation, "(no change)" when nothing moves, no step for a criticality without adjustment', () => {
    const adj = withPolicy(`${comps}\ncriticality: {high: {raise: 1}, low: {raise: 2, cap: medium}, medium: {set: low, floor: high}}`);
    const r = (path: string, level: Finding['level'] = 'warning') => rateFinding(finding({ path, level }), adj);
    expect(explainLine(r('pay/a.js'))).toBe('SARIF level "warning" → medium; component pay: business criticality high: medium → high');
    expect(r('pay/a.js').criticality).toBe('high');
    expect(r('pay/a.js').componentOwner).toBe('@acme/pay');
    // raise 2, then cap medium: never more severe than medium.
    expect(r('tool/a.js', 'error').severity).toBe('medium');
    expect(r('tool/a.js', 'note').severity).toBe('medium');
    expect(explainLine(r('tool/a.js', 'note'))).toBe('SARIF level "note" → low; component tool: business criticality low: low → medium');
    // set low, then floor high: high.
    expect(r('mid/a.js', 'note').severity).toBe('high');
    expect(explainLine(r('mid/a.js', 'error'))).toBe(
      'SARIF level "error" → high; component mid: business criticality medium (no change): high → high',
    );
    // No criticality given: no step (adjust applies to components with one).
    expect(explainLine(r('plain/a.js'))).toBe('SARIF level "warning" → medium');
    expect(r('plain/a.js')).not.toHaveProperty('criticality');
    expect(explainLine(r('x/a.js'))).toBe('SARIF level "warning" → medium');
    const highOnly = withPolicy(`${comps}\ncriticality: {high: {raise: 1}}`);
    expect(explainLine(rateFinding(finding({ path: 'tool/a.js', level: 'warning' }), highOnly))).toBe('SARIF level "warning" → medium');
  });

  it('raise and lower stop at the ends of the scale', () => {
    const adj = withPolicy(`${comps}\ncriticality: {high: {raise: 3}, low: {lower: 9}}`);
    expect(rateFinding(finding({ path: 'pay/a.js', level: 'warning' }), adj).severity).toBe('critical');
    expect(rateFinding(finding({ path: 'tool/a.js', level: 'error' }), adj).severity).toBe('info');
  });

  it('matrix: impact × likelihood; outside every component counts as medium; a rank in no likelihood set is left alone', () => {
    const m = withPolicy(`${comps}
criticality:
  method: matrix
  likelihood: {high: ">= high", medium: medium, low: low}
  matrix:
    high:   {high: critical, medium: high,   low: medium}
    medium: {high: high,     medium: medium, low: low}
    low:    {high: medium,   medium: low,    low: info}`);
    const r = (path: string, level: Finding['level']) => rateFinding(finding({ path, level }), m);
    expect(explainLine(r('pay/a.js', 'error'))).toBe(
      'SARIF level "error" → high; risk matrix: likelihood high (high) × impact high (component pay): high → critical',
    );
    expect(r('tool/a.js', 'warning').severity).toBe('low');
    expect(r('tool/a.js', 'note').severity).toBe('info');
    expect(explainLine(r('x/a.js', 'warning'))).toBe(
      'SARIF level "warning" → medium; risk matrix: likelihood medium (medium) × impact medium (no component): medium → medium',
    );
    // info is in no likelihood set: no step.
    expect(explainLine(r('pay/a.js', 'none'))).toBe('SARIF level "none" → info');
  });
});

describe('rating in place and shared explanations', () => {
  const comps = withPolicy(`components:
  - {name: pay, paths: ["pay/**"], criticality: high, owner: "@acme/pay"}`);

  it('rateAllInPlace completes the findings themselves, with the same values as rateAll', () => {
    const make = () => [
      finding({ fingerprint: 'a', path: 'pay/a.js', securitySeverity: 9.1 }),
      finding({ fingerprint: 'b', path: 'x.js', component: 'given', cvssVector: V98 }),
    ];
    const copies = rateAll(make(), comps);
    const own = make();
    const firstOwn = own[0];
    const out = rateAllInPlace(own, comps);
    expect(out).toBe(own);
    expect(out[0]).toBe(firstOwn);
    expect(out).toEqual(copies);
    expect(out[0]?.component).toBe('pay');
    expect(out[1]?.component).toBe('given');
    expect(out[1]?.score).toBe(9.8);
  });

  it('rateFinding leaves its input as it was', () => {
    const f = finding({ path: 'pay/a.js', level: 'error' });
    const r = rateFinding(f, comps);
    expect(r.component).toBe('pay');
    expect(f).not.toHaveProperty('component');
    expect(f).not.toHaveProperty('severity');
  });

  it('findings rated alike share one explanation (and its steps); different ones do not', () => {
    const [a, b, c] = rateAll(
      [finding({ level: 'error' }), finding({ level: 'error' }), finding({ level: 'warning' })],
      withPolicy('  rules:\n    - {name: R, when: {level: [error, warning]}, lower: 1}'),
    );
    expect(a?.explanation).toBe(b?.explanation);
    expect(a?.explanation).not.toBe(c?.explanation);
    expect(a?.explanation[1]).toEqual({ step: 'rule', detail: 'rule "R"', from: 'high', to: 'medium' });
    const other = withPolicy('');
    expect(rateFinding(finding({ level: 'error' }), other).explanation).not.toBe(a?.explanation);
    expect(rateFinding(finding({ level: 'error' }), other).explanation).toEqual([a?.explanation[0]]);
  });
});

/** Written against the survivors of the rate.ts run (docs/development.md): each test names what it pins. */
describe('rate.ts edges the first measured run left open', () => {
  const comps = `components:
  - {name: pay, paths: ["pay/**"], criticality: high}
  - {name: tool, paths: ["tool/**"], criticality: low}
  - {name: plain, paths: ["plain/**"]}`;
  const V53 = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N';

  it("on-mismatch: vector takes the vector's score even when the scanner's is higher", () => {
    const r = rateFinding(finding({ cvss: { version: '3.1', score: 9.9, vector: V53 } }), withPolicy('cvss: {on-mismatch: vector}'));
    expect(r.score).toBe(5.3);
    expect(r.severity).toBe('medium');
    expect(first(r.explanation).detail).toBe(
      `CVSS 3.1 score 9.9 from the scanner, 5.3 computed from ${V53}: the vector's taken (cvss.on-mismatch: vector): 5.3 >= 4.0`,
    );
  });

  it('the environmental score names every requirement it replaced, separated by spaces', () => {
    const env = withPolicy(`${comps}\ncvss: {rate-by: environmental}`);
    const r = rateFinding(finding({ path: 'pay/a.js', cvssVector: `${V53}/CR:L/IR:L` }), env);
    expect(first(r.explanation).detail).toContain('(requirements of criticality high (component pay), replacing CR:L IR:L; ');
  });

  it('a stated severity above the computed one is the base step, and says both', () => {
    const r = rateFinding(finding({ level: undefined, scannerSeverity: 'high', cvssVector: V53 }), p);
    expect(r.severity).toBe('high');
    expect(r.explanation).toEqual([
      {
        step: 'base',
        detail: `scanner severity "high", higher than CVSS 3.1 base score 5.3 computed from ${V53}: 5.3 >= 4.0 (medium)`,
        to: 'high',
      },
    ]);
  });

  it('OWASP risk factors: the rating and the refusal are base steps; every problem is listed, separated by "; "', () => {
    const factors = OWASP_EXAMPLE;
    const rated = base({ owaspRisk: factors });
    expect(rated).toEqual({
      step: 'base',
      detail: 'OWASP risk rating: likelihood 4.375 MEDIUM × technical impact 7.25 HIGH = HIGH',
      to: 'high',
    });
    const bad = base({ owaspRisk: { ...factors, skillLevel: 10, motive: -1 } });
    expect(bad.step).toBe('base');
    expect(bad.to).toBe('critical');
    expect(bad.detail).toMatch(/^OWASP risk factors not usable \(.+; .+\): the most severe level until they are fixed$/);
  });

  it('criticality adjust: set alone; a floor or cap that the rank already meets changes nothing', () => {
    const r = (extra: string, path: string, f: Partial<Finding>) => rateFinding(finding({ path, ...f }), withPolicy(`${comps}\n${extra}`));
    expect(r('criticality: {low: {set: critical}}', 'tool/a.js', { level: 'note' }).severity).toBe('critical');
    // floor high on a critical finding: stays critical; cap medium on a low one: stays low.
    expect(r('criticality: {high: {floor: high}}', 'pay/a.js', { level: undefined, securitySeverity: 9.5 }).severity).toBe('critical');
    expect(r('criticality: {high: {floor: high}}', 'pay/a.js', { level: 'note' }).severity).toBe('high');
    expect(r('criticality: {low: {cap: medium}}', 'tool/a.js', { level: 'note' }).severity).toBe('low');
    expect(r('criticality: {low: {cap: medium}}', 'tool/a.js', { level: 'error' }).severity).toBe('medium');
    expect(r('criticality: {low: {floor: medium}}', 'tool/a.js', { level: 'warning' }).severity).toBe('medium');
    expect(r('criticality: {low: {cap: medium}}', 'tool/a.js', { level: 'warning' }).severity).toBe('medium');
  });

  it('rules: a floor or cap that the rank already meets changes nothing (and says "matched, no change")', () => {
    const floor = withPolicy('  rules:\n    - {name: F, when: {tool: CodeQL}, floor: high}');
    const crit = rateFinding(finding({ level: undefined, securitySeverity: 9.5 }), floor);
    expect(crit.severity).toBe('critical');
    expect(crit.explanation[1]).toEqual({ step: 'rule', detail: 'rule "F" (matched, no change)', from: 'critical', to: 'critical' });
    expect(rateFinding(finding({ level: 'note' }), floor).severity).toBe('high');
    expect(rateFinding(finding({ level: 'error' }), floor).severity).toBe('high');
    const cap = withPolicy('  rules:\n    - {name: C, when: {tool: CodeQL}, cap: medium}');
    expect(rateFinding(finding({ level: 'note' }), cap).severity).toBe('low');
    expect(rateFinding(finding({ level: 'warning' }), cap).severity).toBe('medium');
    expect(rateFinding(finding({ level: 'error' }), cap).severity).toBe('medium');
  });

  it('rateFinding: a finding out of the gate is gated: false with its reason; no component owner member without an owner', () => {
    const r = rateFinding(finding({ resultKind: 'pass' }), p);
    expect(r.gated).toBe(false);
    expect(r.notGatedReason).toBe('SARIF result kind "pass" is not a failure');
    const s = rateFinding(finding({ suppressions: [{ kind: 'inSource' }] }), p);
    expect([s.gated, s.notGatedReason]).toEqual([false, 'suppressed by the scanner (inSource)']);
    const plain = rateFinding(finding({ path: 'plain/a.js' }), withPolicy(comps));
    expect(plain.component).toBe('plain');
    expect(Object.hasOwn(plain, 'componentOwner')).toBe(false);
    expect(Object.hasOwn(plain, 'criticality')).toBe(false);
    expect(Object.hasOwn(plain, 'score')).toBe(false);
  });

  it('rateAllInPlace: a finding out of the gate is gated: false too', () => {
    const [r] = rateAllInPlace([finding({ resultKind: 'review' })], p);
    expect([r?.gated, r?.notGatedReason]).toEqual([false, 'SARIF result kind "review" is not a failure']);
  });

  it('a SARIF level that from-level does not map falls to severity.default', () => {
    const partial = policyFrom(
      BASE_POLICY.replace('from-level: {error: high, warning: medium, note: low, none: info}', 'from-level: {error: high}'),
    );
    expect(base({ level: 'note' }, partial)).toEqual({ step: 'default', detail: 'nothing to rate by: severity.default', to: 'medium' });
    expect(base({ level: 'error' }, partial)).toEqual({ step: 'base', detail: 'SARIF level "error"', to: 'high' });
  });

  it('rateFinding never writes to its input, also when no component matches', () => {
    const f = Object.freeze(finding({ path: 'x.js', level: 'error' }));
    const r = rateFinding(f, withPolicy(comps));
    expect(r).not.toBe(f);
    expect(r.severity).toBe('high');
    expect(f).not.toHaveProperty('severity');
  });

  it('a step shared by two different explanations is one object', () => {
    const pol = withPolicy('  rules:\n    - {name: R, when: {path: "r/**"}, lower: 1}');
    const a = rateFinding(finding({ level: 'error', path: 'r/a.js' }), pol);
    const b = rateFinding(finding({ level: 'error', path: 'x/a.js' }), pol);
    expect(a.explanation).not.toBe(b.explanation);
    expect(a.explanation[0]).toBe(b.explanation[0]);
  });

  it('at most 10,000 distinct steps and explanations are kept per policy; past that, findings get their own', () => {
    const pol = withPolicy('');
    // 10,000 distinct scores: 10,000 distinct base steps and explanations.
    for (let i = 0; i < 10_000; i++) rateFinding(finding({ level: undefined, securitySeverity: 1 + i / 100_000 }), pol);
    const a = rateFinding(finding({ level: undefined, securitySeverity: 9.99 }), pol);
    const b = rateFinding(finding({ level: undefined, securitySeverity: 9.99 }), pol);
    expect(a.explanation).toEqual(b.explanation);
    expect(a.explanation).not.toBe(b.explanation);
    expect(a.explanation[0]).not.toBe(b.explanation[0]);
    // One already kept is still shared.
    const c = rateFinding(finding({ level: undefined, securitySeverity: 1 }), pol);
    const d = rateFinding(finding({ level: undefined, securitySeverity: 1 }), pol);
    expect(c.explanation).toBe(d.explanation);
  });
});
