import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import type { FormatParser } from '../../src/ingest/types';
import { trivyParser } from '../../src/ingest/formats/trivy';
import { grypeParser } from '../../src/ingest/formats/grype';
import { semgrepParser } from '../../src/ingest/formats/semgrep';
import { gitleaksParser } from '../../src/ingest/formats/gitleaks';
import { npmAuditParser } from '../../src/ingest/formats/npm-audit';
import { osvScannerParser } from '../../src/ingest/formats/osv-scanner';
import { DEFECTDOJO as CORPUS, EDGE, fileNames, fileParser, load, parsedCorpus } from '../support/corpus';
import { at } from '../helpers';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DIR = path.join(CORPUS, 'trivy');
const parse = fileParser(trivyParser);
const files = fileNames(DIR);
/** Files that are deliberately not a Trivy report. */
const INVALID = new Set(['legacy_no_vuln.json']);

/** Count computed independently: every vulnerability with an id and package, misconfiguration and secret. */
function expectedCount(raw: unknown): number {
  const countResults = (results: J[] | null | undefined): number =>
    (results ?? []).reduce(
      (n, r) =>
        n +
        (r.Vulnerabilities ?? []).filter((v: J) => v.VulnerabilityID && v.PkgName).length +
        (r.Misconfigurations ?? []).length +
        (r.Secrets ?? []).length,
      0,
    );
  if (Array.isArray(raw)) return countResults(raw as J[]);
  const doc = raw as J;
  if (doc.ClusterName !== undefined) {
    return ['Resources', 'Vulnerabilities', 'Misconfigurations'].reduce(
      (n, k) => n + ((doc[k] ?? []) as J[]).reduce((m, res) => m + countResults(res.Results), 0),
      0,
    );
  }
  return countResults(doc.Results);
}

describe('trivy parser: corpus', () => {
  for (const f of files.filter((x) => !INVALID.has(x))) {
    it(`parses ${f}`, () => {
      const raw = load(path.join(DIR, f));
      expect(trivyParser.detect(raw)).toBe(true);
      const r = trivyParser.parse(raw, { file: f });
      expect(r.findings).toHaveLength(expectedCount(raw));
      const expectedErrors = f === 'legacy_trivy_mix.json' ? 1 : 0; // one record with only a PkgName
      expect(r.errors).toHaveLength(expectedErrors);
      expect(r.tools).toEqual([expect.objectContaining({ name: 'Trivy' })]);
      for (const x of r.findings) {
        expect(x.fingerprint).toMatch(/^[0-9a-f]{32}$/);
        expect(x.source.format).toBe('trivy');
        expect(x.resultKind === 'fail' || x.resultKind === 'pass').toBe(true);
        expect(x.title).not.toContain('\n');
      }
    });
  }

  it('reads vulnerability fields (cvssv4_severity_source.json)', () => {
    const r = parse(path.join(DIR, 'cvssv4_severity_source.json'));
    expect(r.tools).toEqual([{ name: 'Trivy', version: '0.69.1' }]);
    const f = at(r.findings, 0);
    expect(f.ruleId).toBe('CVE-2025-66614');
    expect(f.cve).toEqual(['CVE-2025-66614', 'GHSA-fpj8-gq4v-p354']);
    expect(f.cwe).toEqual(['CWE-20']);
    expect(f.kind).toBe('sca');
    expect(f.scannerSeverity).toBe('medium');
    expect(f.tags).toContain('status:fixed');
    expect(f.helpUri).toBe('https://avd.aquasec.com/nvd/cve-2025-66614');
    expect(f.package).toEqual({
      name: 'org.apache.tomcat:tomcat-catalina',
      ecosystem: 'maven',
      version: '9.0.109',
      purl: 'pkg:maven/org.apache.tomcat/tomcat-catalina@9.0.109',
      fixedVersions: ['11.0.14', '10.1.49', '9.0.112'],
    });
    // The severity source (ghsa) has only CVSS v4; a v3 score is preferred, from the next source that has one.
    expect(f.cvss).toEqual({ version: '3.1', score: 5.3, vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:N/A:N' });
    expect(f.path).toBe('catalina.jar');
    expect(f.fingerprintSource).toBe('package');
  });

  it('prefers the CVSS of the severity source, then nvd', () => {
    const r = parse(path.join(DIR, 'cvss_severity_source.json'));
    // SeveritySource ubuntu has no CVSS entry: nvd is used.
    expect(at(r.findings, 0).cvss).toEqual({ version: '3.1', score: 6.5, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N' });
    expect(at(r.findings, 0).package?.ecosystem).toBe('deb'); // from the purl, not from Type "pip"
  });

  it('marks OS packages of images as container findings with a text location', () => {
    const r = parse(path.join(DIR, 'scheme_2_many_vulns.json'));
    const f = at(r.findings, 0);
    expect(f.kind).toBe('container');
    expect(f.path).toBeUndefined();
    expect(f.location).toBe('teamdojo:latest (alpine 3.9.4)');
    expect(f.package?.ecosystem).toBe('apk');
  });

  it('keeps vendor statuses as tags, never as suppressions (all_statuses.json)', () => {
    const r = parse(path.join(DIR, 'all_statuses.json'));
    const statuses = r.findings.flatMap((f) => f.tags.filter((t) => t.startsWith('status:')));
    expect(statuses).toEqual(
      expect.arrayContaining(['status:affected', 'status:fixed', 'status:will_not_fix', 'status:not_affected', 'status:end_of_life']),
    );
    expect(r.findings.every((f) => f.suppressions.length === 0)).toBe(true);
  });

  it('reads misconfigurations and secrets', () => {
    const r = parse(path.join(DIR, 'misconfigurations_and_secrets.json'));
    expect(r.findings.map((f) => f.kind)).toEqual(['sca', 'sca', 'iac', 'secret', 'secret']);
    const mis = at(r.findings, 2);
    expect(mis.ruleId).toBe('DS002');
    expect(mis.scannerSeverity).toBe('high');
    expect(mis.path).toBe('Dockerfile');
    expect(mis.message).toContain('Resolution: Add');
    const sec = r.findings[4];
    expect(sec).toMatchObject({ ruleId: 'github-pat', scannerSeverity: 'critical', path: 'secret.txt', startLine: 1 });
    expect(JSON.stringify(sec)).not.toContain('GITHUB_PAT=');
  });

  it('reads Kubernetes reports (both layouts)', () => {
    const k = parse(path.join(DIR, 'kubernetes.json'));
    const vuln = k.findings.find((f) => f.kind === 'container');
    expect(vuln?.component).toBe('default/Deployment/redis-follower');
    const iac = k.findings.find((f) => f.kind === 'iac');
    expect(iac).toMatchObject({ ruleId: 'KSV001', startLine: 132, endLine: 143 });
    expect(iac?.path).toBeUndefined();
    const r = parse(path.join(DIR, 'issue_10991.json'));
    expect(r.findings.every((f) => f.kind === 'iac' && f.location !== undefined)).toBe(true);
  });

  it('reads the legacy array layout', () => {
    const r = parse(path.join(DIR, 'legacy_trivy_mix.json'));
    expect(r.errors[0]).toMatchObject({ jsonPath: '$[0].Vulnerabilities[0]', severity: 'partial' });
    const lodash = r.findings.find((f) => f.package?.name === 'lodash');
    expect(lodash).toMatchObject({
      kind: 'sca',
      path: 'node-app/package-lock.json',
      package: { ecosystem: 'npm', fixedVersions: ['>=4.17.11'] },
    });
    const curl = r.findings.find((f) => f.package?.name === 'curl');
    expect(curl).toMatchObject({ kind: 'container', package: { ecosystem: 'apk' } });
  });

  it('does not report license results', () => {
    expect(parse(path.join(DIR, 'license_scheme.json')).findings).toHaveLength(0);
  });

  it('tool ran even with zero findings', () => {
    const r = parse(path.join(DIR, 'scheme_2_no_vuln.json'));
    expect(r.findings).toHaveLength(0);
    expect(r.tools).toEqual([{ name: 'Trivy' }]);
  });
});

describe('trivy parser: edge cases', () => {
  it('reports a structurally wrong document without throwing', () => {
    const r = parse(path.join(EDGE, 'trivy/results-not-array.json'));
    expect(r.findings).toHaveLength(0);
    expect(r.errors).toEqual([
      expect.objectContaining({ jsonPath: '$.Results', message: 'expected an array, found a number', severity: 'partial' }),
    ]);
  });

  it('skips malformed records and keeps the rest; keeps hostile text verbatim', () => {
    const r = parse(path.join(EDGE, 'trivy/malformed-records.json'));
    expect(r.errors.map((e) => e.jsonPath)).toEqual([
      '$.Results[0].Vulnerabilities',
      '$.Results[1]',
      '$.Results[2].Vulnerabilities[0]',
      '$.Results[3].Misconfigurations',
    ]);
    expect(r.findings).toHaveLength(1);
    const f = at(r.findings, 0);
    expect(f.title).toBe('<script>alert(1)</script> ${{ github.token }} \u001b[31m');
    expect(f.message).toContain('<img src=x onerror=alert(1)>');
    expect(f.cvss?.score).toBe(7.5);
    expect(f.package).toMatchObject({ ecosystem: 'golang', name: 'golang.org/x/net', fixedVersions: ['0.17.0'] });
    expect(f.path).toBe('go.mod');
    expect(r.tools).toEqual([{ name: 'Trivy', version: '0.58.1' }]);
  });

  it('never throws on arbitrary values', () => {
    for (const doc of [
      null,
      1,
      'x',
      [],
      [1],
      {},
      { SchemaVersion: 2, Results: [null, [], { Vulnerabilities: [1, 'x'] }] },
      { ClusterName: 'c', Resources: 5 },
    ]) {
      expect(() => trivyParser.detect(doc)).not.toThrow();
      expect(() => trivyParser.parse(doc, { file: 'x.json' })).not.toThrow();
    }
  });

  it('does not pollute Object.prototype through __proto__ keys', () => {
    const r = parse(path.join(EDGE, 'trivy/proto.json'));
    expect(({} as J).polluted).toBeUndefined();
    expect(r.findings).toHaveLength(1);
    expect(at(r.findings, 0).cvss).toBeUndefined();
  });

  it('reports Trivy-suppressed findings with the reason, PASS checks as pass, and computes iac fingerprints from the line', () => {
    const r = trivyParser.parse(load(path.join(EDGE, 'trivy/suppressed.json')), {
      file: 'suppressed.json',
      sourceLine: (p, l) => (p === 'main.tf' && l === 3 ? '  resource "aws_s3_bucket" "b" {' : undefined),
    });
    const sup = r.findings.find((f) => f.ruleId === 'CVE-2021-33503');
    expect(sup?.suppressions).toEqual([
      { kind: 'external', status: 'not_affected', justification: 'vulnerable code not in execute path — vex.openvex.json' },
    ]);
    const pass = r.findings.find((f) => f.ruleId === 'AVD-AWS-0086');
    expect(pass?.resultKind).toBe('pass');
    const fail = r.findings.find((f) => f.ruleId === 'AVD-AWS-0088');
    expect(fail).toMatchObject({
      resultKind: 'fail',
      fingerprintSource: 'computed:line',
      startLine: 3,
      snippet: 'resource "aws_s3_bucket" "b" {',
    });
    // Moving the block does not change the fingerprint (line numbers are not hashed).
    const moved = JSON.parse(JSON.stringify(load(path.join(EDGE, 'trivy/suppressed.json')))) as J;
    moved.Results[1].Misconfigurations[1].CauseMetadata = {
      StartLine: 30,
      EndLine: 32,
      Code: { Lines: [{ Number: 30, Content: 'resource "aws_s3_bucket" "b" {', IsCause: true }] },
    };
    const again = trivyParser.parse(moved, { file: 'suppressed.json' }).findings.find((f) => f.ruleId === 'AVD-AWS-0088');
    expect(again?.fingerprint).toBe(fail?.fingerprint);
  });

  it('gives Trivy and Grype the same fingerprint for the same CVE in the same package@version', () => {
    const t = parse(path.join(EDGE, 'trivy/pair-trivy.json')).findings;
    const g = grypeParser.parse(load(path.join(EDGE, 'grype/pair-grype.json')), { file: 'pair-grype.json' }).findings;
    const tLibc = t.find((f) => f.package?.name === 'libc6');
    const gLibc = g.find((f) => f.package?.name === 'libc6' && f.suppressions.length === 0);
    expect(tLibc?.fingerprint).toBeDefined();
    expect(tLibc?.fingerprint).toBe(gLibc?.fingerprint);
    const tJar = t.find((f) => f.package?.ecosystem === 'maven');
    const gJar = g.find((f) => f.package?.ecosystem === 'maven');
    expect(gJar?.package?.name).toBe('org.apache.tomcat:tomcat-catalina');
    expect(tJar?.fingerprint).toBe(gJar?.fingerprint);
  });
});

describe('detection across the whole corpus', () => {
  const mine: [FormatParser, string[]][] = [
    [trivyParser, ['trivy']],
    [grypeParser, ['anchore_grype']],
    [semgrepParser, ['semgrep']],
    [gitleaksParser, ['gitleaks']],
    [npmAuditParser, ['npm_audit', 'npm_audit_7_plus']],
    [osvScannerParser, ['osv_scanner']],
  ];
  /** Deliberately not a report of their format: `null`, an npm error object, an empty file. */
  const notReports = new Set([
    'trivy/legacy_no_vuln.json',
    'gitleaks/no_findings.json',
    'npm_audit/empty_with_error.json',
    'osv_scanner/no_findings.json',
  ]);
  /** The JSON files of the DefectDojo samples (one directory per scanner); files that are not JSON are passed over. */
  const all = parsedCorpus()
    .filter(({ file }) => file.startsWith(`${CORPUS}/`) && file.endsWith('.json'))
    .map(({ file, doc }) => {
      const rel = path.relative(CORPUS, file);
      return { rel, dir: rel.split('/')[0] ?? '', doc };
    });

  it('each file is claimed by its own parser only (and by at most one of these parsers)', () => {
    expect(all.length).toBeGreaterThan(100);
    for (const { rel, dir, doc } of all) {
      const claimed = mine.filter(([p]) => p.detect(doc)).map(([p]) => p.id);
      const owner = mine.find(([, dirs]) => dirs.includes(dir))?.[0].id;
      const expected = owner && !notReports.has(rel) ? [owner] : [];
      expect({ rel, claimed }).toEqual({ rel, claimed: expected });
    }
  });

  it('claims no empty array, null, or error object', () => {
    for (const [p] of mine) {
      for (const doc of [[], null, {}, { error: { code: 'ENOAUDIT', summary: 'x' } }, { version: '2.1.0', runs: [] }])
        expect(p.detect(doc)).toBe(false);
    }
  });
});
