import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { ingestText } from '../../src/ingest/index';
import { explainLine, rateFinding } from '../../src/rate/rate';
import { BASE_POLICY, finding, policyFrom } from '../helpers';

const withPolicy = (extra: string) => policyFrom(BASE_POLICY.replace('gates:', `${extra}\ngates:`));

describe('scores computed from CVSS vectors', () => {
  const p = withPolicy('');

  it('rates a vector without a score by the score the calculator gives it, and shows the vector', () => {
    const r = rateFinding(
      finding({ kind: 'sca', level: undefined, cvss: { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' } }),
      p,
    );
    expect(r.severity).toBe('critical');
    expect(r.score).toBe(9.8);
    expect(r.explanation[0]?.detail).toBe('CVSS 3.1 base score 9.8 computed from CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H: 9.8 >= 9.0');
  });

  it('reads a bare cvssVector (manual findings) and a 4.0 vector', () => {
    const r = rateFinding(finding({ level: undefined, cvssVector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N' }), p);
    expect(r.severity).toBe('critical');
    expect(explainLine(r)).toContain('CVSS 4.0 CVSS-B score 9.3 computed from');
  });

  it('keeps the scanner score when its vector agrees (no score field added)', () => {
    const r = rateFinding(finding({ cvss: { version: '3.1', score: 7.5, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N' } }), p);
    expect(r.severity).toBe('high');
    expect(r.score).toBeUndefined();
    expect(r.explanation[0]?.detail).toBe('CVSS 3.1 score 7.5 (CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N): 7.5 >= 7.0');
  });

  it('never rates a vector-only finding lower than the severity given with it (a reporter\'s "critical" stays critical)', () => {
    // 8.1 (high) computed from the vector; the person who reported it said critical: the higher is kept, and explained.
    const stated = finding({
      kind: 'pentest',
      level: undefined,
      scannerSeverity: 'critical',
      cvssVector: 'CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N',
    });
    const r = rateFinding(stated, p);
    expect(r.severity).toBe('critical');
    expect(r.explanation[0]?.detail).toBe(
      'scanner severity "critical", higher than CVSS 3.1 base score 8.1 computed from CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N: 8.1 >= 7.0 (high)',
    );
    // A stated severity lower than the vector's score does not lower it.
    expect(rateFinding({ ...stated, scannerSeverity: 'low' }, p).severity).toBe('high');
  });

  const disagree = finding({ cvss: { version: '3.1', score: 5.3, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' } });

  it('takes the higher of a scanner score and its vector score when they disagree (default), and says so', () => {
    const r = rateFinding(disagree, p);
    expect(r.severity).toBe('critical');
    expect(r.score).toBe(9.8);
    expect(r.explanation[0]?.detail).toContain(
      'CVSS 3.1 score 5.3 from the scanner, 9.8 computed from CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H: the higher taken',
    );
    const lowVector = finding({ cvss: { version: '3.1', score: 9.8, vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N' } });
    expect(rateFinding(lowVector, p).severity).toBe('critical');
  });

  it('cvss.on-mismatch: vector or scanner picks one side', () => {
    expect(rateFinding(disagree, withPolicy('cvss: {on-mismatch: scanner}')).severity).toBe('medium');
    const v = rateFinding(disagree, withPolicy('cvss: {on-mismatch: vector}'));
    expect(v.severity).toBe('critical');
    expect(v.explanation[0]?.detail).toContain("the vector's taken (cvss.on-mismatch: vector)");
  });

  it('an invalid vector is never used, and the explanation says why (the scanner score still rates)', () => {
    // The vector of DefectDojo's generic_report_kev_cvssv4.json: a 3.x vector labelled 4.0.
    const r = rateFinding(finding({ cvss: { version: '4.0', score: 7.3, vector: 'CVSS:4.0/AV:N/AC:L/PR:H/UI:R/S:C/C:L/I:L/A:N' } }), p);
    expect(r.severity).toBe('high');
    expect(r.explanation[0]?.detail).toBe(
      'CVSS vector "CVSS:4.0/AV:N/AC:L/PR:H/UI:R/S:C/C:L/I:L/A:N" not used: "R" is not a value of CVSS 4.0 metric UI (expected X, N, P, A); CVSS 4.0 score 7.3 >= 7.0',
    );
  });

  it('security-severity still comes first', () => {
    const r = rateFinding(finding({ securitySeverity: 3.0, cvssVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }), p);
    expect(r.severity).toBe('low');
  });

  it('a rule matching on score sees the computed score', () => {
    const q = withPolicy('');
    const rules = policyFrom(
      BASE_POLICY.replace('gates:', '  rules:\n    - {name: Very high, when: {score: ">= 9.5"}, set: critical}\ngates:'),
    );
    const f = finding({ level: 'note', cvssVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' });
    expect(explainLine(rateFinding(f, rules))).toContain('rule "Very high" (matched, no change)');
    expect(rateFinding(f, q).severity).toBe('critical');
  });
});

describe('environmental score by component criticality (end to end on a real Trivy report)', () => {
  // CVE-2023-37920 (certifi) in DefectDojo's trivy/cvss_severity_source.json: ghsa vector C:N/I:H/A:N, 7.5. The report
  // scanned an SBOM; as two `trivy fs` scans of two services of one repository, its target is their lock file.
  const text = readFileSync('__fixtures__/corpus/defectdojo/trivy/cvss_severity_source.json', 'utf8');
  const scan = (target: string) =>
    ingestText(
      text
        .replace('"ArtifactType": "cyclonedx"', '"ArtifactType": "filesystem"')
        .replaceAll('"Target": "requirements.txt"', `"Target": "${target}"`),
      {
        file: `${target}.trivy.json`,
        workspace: '/repo',
      },
    ).findings.find((f) => f.cve.includes('CVE-2023-37920'));
  const payments = scan('services/payments/requirements.txt');
  const internal = scan('tools/admin/requirements.txt');
  const policy = withPolicy(`components:
  - {name: payments, paths: ["services/payments/**"], criticality: high}
  - {name: admin-tool, paths: ["tools/**"], criticality: low}
cvss:
  rate-by: environmental
  requirements:
    high: {confidentiality: high, integrity: high, availability: high}
    low: {confidentiality: low, integrity: low, availability: low}`);

  it('finds the CVE in both scans, with the same vector and score, at the two paths', () => {
    expect([payments?.path, internal?.path]).toEqual(['services/payments/requirements.txt', 'tools/admin/requirements.txt']);
    expect(payments?.cvss).toEqual({ version: '3.1', score: 7.5, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N' });
    expect(internal?.cvss).toEqual(payments?.cvss);
  });

  it('rates it critical in the payments service and medium in the internal tool, with both scores explained', () => {
    const a = rateFinding(payments as NonNullable<typeof payments>, policy);
    const b = rateFinding(internal as NonNullable<typeof internal>, policy);
    // 3.1 formula: IR:H → MISS 0.84 → 6.42 × 0.84 + 3.887 = 9.28 → 9.3; IR:L → 0.28 → 5.68 → 5.7.
    expect([a.severity, a.score]).toEqual(['critical', 9.3]);
    expect([b.severity, b.score]).toEqual(['medium', 5.7]);
    expect(a.explanation[0]?.detail).toBe(
      'CVSS 3.1 environmental score 9.3 from CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N/CR:H/IR:H/AR:H (requirements of criticality high (component payments); CVSS 3.1 score 7.5 (CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N)): 9.3 >= 9.0',
    );
    expect(b.explanation[0]?.detail).toContain('CR:L/IR:L/AR:L (requirements of criticality low (component admin-tool)');
  });

  it("a component's own requirements win over its criticality's; no component counts as medium", () => {
    const own = withPolicy(`components:
  - {name: payments, paths: ["services/payments/**"], criticality: low, requirements: {confidentiality: low, integrity: high, availability: low}}
cvss: {rate-by: environmental}`);
    const a = rateFinding(payments as NonNullable<typeof payments>, own);
    expect(a.score).toBe(9.3);
    expect(a.explanation[0]?.detail).toContain('(requirements of component payments;');
    const none = rateFinding(internal as NonNullable<typeof internal>, own);
    // Medium requirements leave a 3.1 score as it was: 7.5, the scanner's, so no separate `score` is recorded.
    expect([none.severity, none.score]).toEqual(['high', undefined]);
    expect(none.explanation[0]?.detail).toContain('requirements of criticality medium (no component)');
  });
});

describe('invalid vectors in scanner files are input errors at the record', () => {
  it('a Trivy vector with a value CVSS 3.1 does not have: a partial error at the vulnerability, the finding kept', () => {
    const text = readFileSync('__fixtures__/corpus/defectdojo/trivy/cvss_severity_source.json', 'utf8').replace(
      '"V3Vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N"',
      '"V3Vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:Q"',
    );
    const r = ingestText(text, { file: 'trivy.json' });
    const f = r.findings.find((x) => x.cve.includes('CVE-2023-37920'));
    expect(f).toBeDefined();
    expect(r.errors).toEqual([
      {
        file: 'trivy.json',
        jsonPath: f?.source.pointer,
        message:
          'invalid CVSS vector "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:Q": "Q" is not a value of CVSS 3.1 metric A (expected X, N, L, H)',
        hint: 'the finding is kept and rated without the vector; fix the vector (or report the scanner bug)',
        severity: 'partial',
      },
    ]);
    expect(f?.source.pointer).toMatch(/^\$\.Results\[0\]\.Vulnerabilities\[1\]$/);
  });

  it('the vectors of every Trivy, Grype, npm audit, OSV, Snyk and Dependency-Check corpus file are valid: no new errors', () => {
    const dirs = ['trivy', 'anchore_grype', 'npm_audit', 'npm_audit_7_plus', 'osv_scanner', 'snyk', 'dependency_check'];
    let vectors = 0;
    for (const d of dirs) {
      for (const name of readdirSync(`__fixtures__/corpus/defectdojo/${d}`).filter((n) => n.endsWith('.json'))) {
        const r = ingestText(readFileSync(`__fixtures__/corpus/defectdojo/${d}/${name}`, 'utf8'), { file: name });
        vectors += r.findings.filter((f) => f.cvss?.vector).length;
        expect(r.errors.filter((e) => e.message.startsWith('invalid CVSS vector'))).toEqual([]);
      }
    }
    expect(vectors).toBeGreaterThan(100);
  });
});
