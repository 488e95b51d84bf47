import { describe, expect, it } from '@jest/globals';
import type { Finding, RatedFinding } from '../../src/model';
import { groupSimilar } from '../../src/rate/group';
import { owaspRisk, owaspRiskProblems } from '../../src/rate/owasp-risk';
import { rateAll } from '../../src/rate/rate';
import { BASE_POLICY, finding, first, policyFrom } from '../helpers';

/**
 * src/rate/group.ts and src/rate/owasp-risk.ts exactly: line ranges that touch, groups that grow, which member leads,
 * the explanation when no CWE is common to all, and the bounds; OWASP factors at the edges of 0–9. Written against the
 * mutants StrykerJS left alive (MUTATE_SCOPE=rate npm run mutate).
 */

const p = policyFrom(BASE_POLICY);
const sast = (tool: string, over: Partial<Finding>) =>
  finding({
    fingerprint: `fp-${tool}`,
    tool: { name: tool },
    ruleId: `${tool}/rule`,
    cwe: ['CWE-89'],
    path: 'src/db.js',
    level: 'warning',
    ...over,
  });
const run = (fs: Finding[]) => groupSimilar(rateAll(fs, p), p);

describe('which findings group', () => {
  it('ranges that share one line group, on either side; one line apart do not', () => {
    const a = sast('A', { startLine: 10, endLine: 12 });
    expect(run([a, sast('B', { startLine: 12 })])).toHaveLength(1);
    expect(run([a, sast('B', { startLine: 8, endLine: 10 })])).toHaveLength(1);
    expect(run([a, sast('B', { startLine: 13 })])).toHaveLength(2);
    expect(run([a, sast('B', { startLine: 7, endLine: 9 })])).toHaveLength(2);
  });

  it('an end line before the start line counts as the start line alone', () => {
    expect(run([sast('A', { startLine: 10, endLine: 5 }), sast('B', { startLine: 7 })])).toHaveLength(2);
    expect(run([sast('A', { startLine: 10, endLine: 5 }), sast('B', { startLine: 10 })])).toHaveLength(1);
  });

  it('a group grows: its lines and CWEs are those of all its members so far', () => {
    // B widens the group to lines 10–20 and adds CWE-20; C overlaps only B's lines and shares only B's CWE.
    const a = sast('A', { startLine: 10, cwe: ['CWE-89'] });
    const b = sast('B', { startLine: 10, endLine: 20, cwe: ['CWE-89', 'CWE-20'] });
    const c = sast('C', { startLine: 18, cwe: ['CWE-20'] });
    const out = run([a, b, c]);
    expect(out).toHaveLength(1);
    expect(first(out).alsoReportedBy).toEqual([{ name: 'B' }, { name: 'C' }]);
    expect(first(out).cwe).toEqual(['CWE-89', 'CWE-20']);
    // No CWE common to all three: the explanation lists them all.
    expect(first(out).explanation.at(-1)?.detail).toBe(
      "group-similar: A (A/rule: medium), B (B/rule: medium), C (C/rule: medium) agree at src/db.js:10, CWE-89, CWE-20: the highest rating is A's",
    );
    // Widening downwards too.
    const d = sast('D', { startLine: 3, endLine: 10 });
    const e = sast('E', { startLine: 4 });
    expect(run([a, d, e])).toHaveLength(1);
  });

  it('the leader is the tool whose name sorts first (case-insensitive), then the lowest fingerprint', () => {
    const out = run([sast('zed', { startLine: 1 }), sast('Alpha', { startLine: 1 })]);
    expect(first(out).tool.name).toBe('Alpha');
    expect(first(out).alsoReportedBy).toEqual([{ name: 'zed' }]);
    const two = run([
      sast('B', { startLine: 1, fingerprint: 'b2' }),
      sast('B', { startLine: 1, fingerprint: 'b1' }),
      sast('A', { startLine: 1 }),
    ]);
    expect(two.map((f) => f.fingerprint)).toEqual(['b2', 'fp-A']);
    expect(two[1]?.alsoReportedBy).toEqual([{ name: 'B' }]);
  });

  it("the group's finding is listed once, where its leader is in the input; the other members are not listed", () => {
    const other = finding({ fingerprint: 'other', ruleId: 'x', cwe: [] });
    const out = run([other, sast('B', { startLine: 1 }), sast('A', { startLine: 1 })]);
    expect(out.map((f) => f.fingerprint)).toEqual(['other', 'fp-A']);
  });

  it('nothing to group: the same array back (fewer than two candidates, or one tool in any case)', () => {
    const one = rateAll([sast('A', { startLine: 1 }), finding({ cwe: [] })], p);
    expect(groupSimilar(one, p)).toBe(one);
    const sameTool = rateAll([sast('A', { startLine: 1 }), sast('a', { startLine: 1, fingerprint: 'x' })], p);
    expect(groupSimilar(sameTool, p)).toBe(sameTool);
  });

  it('only findings with a path, a start line and a CWE are candidates', () => {
    const a = sast('A', { startLine: 1 });
    expect(run([a, sast('B', { startLine: 1, path: undefined })])).toHaveLength(2);
    expect(run([a, sast('B', { startLine: undefined })])).toHaveLength(2);
  });

  it('bounded: a finding is compared with the last 256 groups of its file only (a merge can be missed, never a finding)', () => {
    // 257 groups of tool A in one file, then a finding of tool B on the lines of the first: past the bound, it stays apart.
    const many = Array.from({ length: 257 }, (_, i) => sast('A', { fingerprint: `a${String(i).padStart(3, '0')}`, startLine: 10 * i + 1 }));
    const late = sast('B', { startLine: 1 });
    expect(run([...many, late])).toHaveLength(258);
    // On the lines of the second group (within the last 256): merged.
    expect(run([...many, sast('B', { startLine: 11 })])).toHaveLength(257);
  });
});

describe('which findings group: identity, ties and order', () => {
  it('a candidate that groups with nothing comes back as it was (the same object)', () => {
    const rated = rateAll([sast('A', { startLine: 1 }), sast('B', { startLine: 1, cwe: ['CWE-79'] })], p);
    const out = groupSimilar(rated, p);
    expect(out).toHaveLength(2);
    expect(out[0]).toBe(rated[0]);
    expect(out[1]).toBe(rated[1]);
  });

  it('findings without a path, or without a start line, are not candidates: the same array back', () => {
    const noPath = rateAll([sast('A', { startLine: 1, path: undefined }), sast('B', { startLine: 1, path: undefined })], p);
    expect(groupSimilar(noPath, p)).toBe(noPath);
    const noLine = rateAll([sast('A', { startLine: 1 }), sast('B', { startLine: undefined })], p);
    expect(groupSimilar(noLine, p)).toBe(noLine);
    const noPathOther = rateAll([sast('A', { startLine: 1 }), sast('B', { startLine: 1, path: undefined })], p);
    expect(groupSimilar(noPathOther, p)).toBe(noPathOther);
  });

  it('tool names compare lower-cased: "Weiß" and "WEISS" are two tools (upper-cased they would be one)', () => {
    expect(run([sast('Weiß', { startLine: 1 }), sast('WEISS', { startLine: 1 })])).toHaveLength(1);
  });

  it('the leader is chosen on lower-cased names: "a_tool" sorts before "ab" (upper-cased it would not)', () => {
    expect(first(run([sast('ab', { startLine: 1 }), sast('a_tool', { startLine: 1 })])).tool.name).toBe('a_tool');
  });

  it('two findings of one tool with the same fingerprint: the first in the input is grouped', () => {
    const a1 = sast('A', { startLine: 10, fingerprint: 'same', title: 'first' });
    const a2 = sast('A', { startLine: 10, fingerprint: 'same', title: 'second' });
    const out = run([a1, a2, sast('B', { startLine: 10 })]);
    expect(out.map((f) => [f.title, f.alsoReportedBy?.length ?? 0])).toEqual([
      ['first', 1],
      ['second', 0],
    ]);
  });

  it('in any input order, every group is led by the tool that sorts first (40 pairs, shuffled)', () => {
    const pairs = Array.from({ length: 40 }, (_, i) => [
      sast('alpha', { fingerprint: `a${i}`, startLine: 10 * i + 1 }),
      sast('beta', { fingerprint: `b${i}`, startLine: 10 * i + 1 }),
    ]).flat();
    // A fixed shuffle (multiplicative step, coprime with 80): every order of the two tools occurs.
    const shuffled = pairs.map((_, i) => pairs[(i * 37) % pairs.length] as Finding);
    const out = run(shuffled);
    expect(out).toHaveLength(40);
    expect(new Set(out.map((f) => f.tool.name))).toEqual(new Set(['alpha']));
    expect(out.every((f) => f.alsoReportedBy?.[0]?.name === 'beta')).toBe(true);
  });
});

describe('the group finding', () => {
  it('keeps the score of the member whose rating it takes, from its score, security-severity or CVSS score', () => {
    const a = sast('A', { startLine: 1, level: 'note' });
    expect(first(run([a, sast('B', { startLine: 1, level: undefined, securitySeverity: 7.5 })])).score).toBe(7.5);
    expect(first(run([a, sast('B', { startLine: 1, level: undefined, cvss: { score: 8.1 } })])).score).toBe(8.1);
    const computed = first(
      run([a, sast('B', { startLine: 1, level: undefined, cvssVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' })]),
    );
    expect(computed.score).toBe(9.8);
    // The leader's own rating taken: no score added.
    const led = first(
      run([sast('A', { startLine: 1, level: 'error' }), sast('B', { startLine: 1, level: undefined, cvss: { score: 2.0 } })]),
    );
    expect(led).not.toHaveProperty('score');
    // The leader's rating taken, the leader with a score: still nothing added (its score is its own).
    const ledScored = first(run([sast('A', { startLine: 1, securitySeverity: 9.5 }), sast('B', { startLine: 1, level: 'note' })]));
    expect(ledScored).not.toHaveProperty('score');
    // Another member's rating taken, that member without any score: no score member at all.
    const noScore = first(run([sast('A', { startLine: 1, level: 'note' }), sast('B', { startLine: 1, level: 'error' })]));
    expect(noScore.severity).toBe('high');
    expect(noScore).not.toHaveProperty('score');
  });

  it('the CWEs named: the common ones joined, else all of them, whichever member leads', () => {
    const two = ['CWE-89', 'CWE-20'];
    const detail = (fs: Finding[]) => first(run(fs)).explanation.at(-1)?.detail;
    expect(detail([sast('A', { startLine: 1, cwe: two, level: 'error' }), sast('B', { startLine: 1, cwe: two })])).toBe(
      "group-similar: A (A/rule: high), B (B/rule: medium) agree at src/db.js:1, CWE-89, CWE-20: the highest rating is A's",
    );
    expect(detail([sast('A', { startLine: 1, cwe: two }), sast('B', { startLine: 1, cwe: two, level: 'error' })])).toBe(
      "group-similar: A (A/rule: medium), B (B/rule: high) agree at src/db.js:1, CWE-89, CWE-20: the highest rating (B's) taken",
    );
    // None common to all three, another member's rating taken: every CWE listed.
    const a = sast('A', { startLine: 10, cwe: ['CWE-89'] });
    const b = sast('B', { startLine: 10, endLine: 20, cwe: ['CWE-89', 'CWE-20'] });
    const c = sast('C', { startLine: 18, cwe: ['CWE-20'], level: 'error' });
    expect(detail([a, b, c])).toBe(
      "group-similar: A (A/rule: medium), B (B/rule: medium), C (C/rule: high) agree at src/db.js:10, CWE-89, CWE-20: the highest rating (C's) taken",
    );
  });

  it('gated when any member is, and then without a reason to be out of the gate; not gated when none is', () => {
    const off = { resultKind: 'review' as const };
    const g = first(run([sast('A', { startLine: 1, ...off }), sast('B', { startLine: 1 })]));
    expect(g.gated).toBe(true);
    expect(g).not.toHaveProperty('notGatedReason');
    const n = first(run([sast('A', { startLine: 1, ...off }), sast('B', { startLine: 1, ...off })]));
    expect(n.gated).toBe(false);
    expect(n.notGatedReason).toBe('SARIF result kind "review" is not a failure');
  });

  it('tools already grouped (alsoReportedBy) are kept once, the leader never among them', () => {
    const a: RatedFinding = { ...first(rateAll([sast('A', { startLine: 1 })], p)), alsoReportedBy: [{ name: 'C' }, { name: 'a' }] };
    const b: RatedFinding = { ...first(rateAll([sast('B', { startLine: 1 })], p)), alsoReportedBy: [{ name: 'c' }, { name: 'D' }] };
    expect(first(groupSimilar([a, b], p)).alsoReportedBy).toEqual([{ name: 'C' }, { name: 'B' }, { name: 'D' }]);
  });
});

describe('OWASP factors at their edges', () => {
  const all = (n: number) => ({
    skillLevel: n,
    motive: n,
    opportunity: n,
    size: n,
    easeOfDiscovery: n,
    easeOfExploit: n,
    awareness: n,
    intrusionDetection: n,
    lossOfConfidentiality: n,
    lossOfIntegrity: n,
    lossOfAvailability: n,
    lossOfAccountability: n,
  });

  it('0 and 9 are factors; -1, 10, 4.5 and "5" are not, each named with what was found', () => {
    expect(owaspRiskProblems(all(0))).toEqual([]);
    expect(owaspRiskProblems(all(9))).toEqual([]);
    expect(owaspRiskProblems({ ...all(5), motive: -1 })).toEqual(['motive must be a whole number from 0 to 9, found -1']);
    expect(owaspRiskProblems({ ...all(5), size: 4.5 })).toEqual(['size must be a whole number from 0 to 9, found 4.5']);
    expect(owaspRiskProblems({ ...all(5), size: '5' as unknown as number })).toEqual([
      'size must be a whole number from 0 to 9, found "5"',
    ]);
    expect(owaspRiskProblems({ ...all(5), lossOfIntegrity: 10 })).toEqual(['lossOfIntegrity must be a whole number from 0 to 9, found 10']);
  });

  it('the technical impact needs all four factors without a business impact', () => {
    const { lossOfAccountability: _x, ...noAcc } = all(5);
    expect(owaspRiskProblems(noAcc)).toEqual(['lossOfAccountability is missing']);
  });

  it('with a business impact, technical factors may be left out but are still checked when given', () => {
    const business = { financialDamage: 1, reputationDamage: 2, nonCompliance: 1, privacyViolation: 5 };
    const { lossOfAccountability: _x, ...noAcc } = all(5);
    expect(owaspRiskProblems({ ...noAcc, ...business })).toEqual([]);
    expect(owaspRiskProblems({ ...all(5), ...business, lossOfIntegrity: 11 })).toEqual([
      'lossOfIntegrity must be a whole number from 0 to 9, found 11',
    ]);
    const r = owaspRisk({ ...noAcc, ...business });
    expect(r).toEqual({
      likelihood: 5,
      likelihoodLevel: 'MEDIUM',
      impact: 2.25,
      impactLevel: 'LOW',
      impactFrom: 'business',
      severity: 'LOW',
    });
  });

  it('owaspRisk refuses unusable factors with every problem, separated by "; "', () => {
    const { motive: _m, size: _s, ...two } = all(5);
    expect(() => owaspRisk(two)).toThrow('OWASP risk factors: motive is missing; size is missing');
  });

  it('the averages are of all the factors of the group', () => {
    const f = { ...all(0), skillLevel: 8, lossOfConfidentiality: 8 };
    expect(owaspRisk(f)).toMatchObject({ likelihood: 1, impact: 2, impactFrom: 'technical' });
  });
});
