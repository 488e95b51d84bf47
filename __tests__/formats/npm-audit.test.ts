import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { npmAuditParser } from '../../src/ingest/formats/npm-audit';
import { DEFECTDOJO as CORPUS, EDGE as EDGES, fileNames, fileParser, load } from '../support/corpus';
import { at } from '../helpers';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const EDGE = `${EDGES}/npm-audit`;
const parse = fileParser(npmAuditParser);
const files = ['npm_audit', 'npm_audit_7_plus'].flatMap((d) => fileNames(path.join(CORPUS, d)).map((f) => `${d}/${f}`));

/** v1: one per advisory and installed version; v2: one per advisory object in `via`. */
function expectedCount(raw: J): number {
  if (raw.auditReportVersion === 2) {
    return Object.values(raw.vulnerabilities as Record<string, J>).reduce(
      (n, v) => n + (v.via as unknown[]).filter((x) => typeof x === 'object').length,
      0,
    );
  }
  return Object.values(raw.advisories as Record<string, J>).reduce((n, a) => n + Math.max(1, (a.findings as unknown[]).length), 0);
}

describe('npm-audit parser: corpus', () => {
  for (const f of files.filter((x) => !x.endsWith('empty_with_error.json'))) {
    it(`parses ${f}`, () => {
      const raw = load(path.join(CORPUS, f)) as J;
      expect(npmAuditParser.detect(raw)).toBe(true);
      const r = npmAuditParser.parse(raw, { file: f });
      expect(r.findings).toHaveLength(expectedCount(raw));
      expect(r.errors).toEqual([]);
      expect(r.tools).toEqual([{ name: 'npm audit' }]);
      for (const x of r.findings) {
        expect(x.kind).toBe('sca');
        expect(x.package?.ecosystem).toBe('npm');
        expect(['info', 'low', 'moderate', 'high', 'critical']).toContain(x.scannerSeverity);
      }
    });
  }

  it('does not claim the npm error object (empty_with_error.json)', () => {
    expect(npmAuditParser.detect(load(path.join(CORPUS, 'npm_audit/empty_with_error.json')))).toBe(false);
  });

  it('reads v1 fields (one_vuln.json)', () => {
    const f = at(parse(path.join(CORPUS, 'npm_audit/one_vuln.json')).findings, 0);
    expect(f).toMatchObject({
      ruleId: 'NPM-146',
      title: 'Command Injection in growl',
      scannerSeverity: 'critical',
      cwe: ['CWE-94'],
      cve: ['CVE-2017-16042'],
      helpUri: 'https://www.npmjs.com/advisories/146',
      tags: ['dev'],
      package: { name: 'growl', version: '1.9.2', ecosystem: 'npm', fixedVersions: ['>=1.10.2'] },
      fingerprintSource: 'package',
    });
    expect(f.message).toContain('mocha-jenkins-reporter>mocha>growl');
  });

  it('reads v1 CWE lists, null CWEs and GitHub advisory ids', () => {
    const r = parse(path.join(CORPUS, 'npm_audit/multiple_cwes.json'));
    const json = r.findings.find((f) => f.package?.name === 'json-schema');
    expect(json).toMatchObject({
      ruleId: 'GHSA-896r-f27r-55mw',
      cwe: ['CWE-915', 'CWE-1321'],
      cve: ['CVE-2021-3918', 'GHSA-896r-f27r-55mw'],
    });
    const noCve = r.findings.find((f) => f.ruleId === 'GHSA-64g7-mvw6-v9qj');
    expect(noCve?.cve).toEqual(['GHSA-64g7-mvw6-v9qj']);
    expect(at(parse(path.join(CORPUS, 'npm_audit/cwe_null.json')).findings, 0).cwe).toEqual([]);
    const r2 = parse(path.join(CORPUS, 'npm_audit/multiple_cwes2.json'));
    expect(at(r2.findings, 0).cwe).toEqual(['CWE-918', 'CWE-1333']);
  });

  it('reads v2 fields (one_vuln.json) and skips transitive string entries', () => {
    const r = parse(path.join(CORPUS, 'npm_audit_7_plus/one_vuln.json'));
    expect(r.findings.map((f) => f.ruleId)).toEqual(['GHSA-gxpj-cx7g-858c', 'GHSA-9vvw-cc9w-f27h']);
    expect(r.findings[1]).toMatchObject({
      title: 'debug Inefficient Regular Expression Complexity vulnerability in debug',
      scannerSeverity: 'high',
      cwe: ['CWE-1333'],
      cvss: { version: '3.1', score: 7.5, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H' },
      location: 'node_modules/debug',
      tags: ['direct', 'fix-available'],
      package: { name: 'debug', ecosystem: 'npm' },
    });
    expect(at(r.findings, 1).package?.fixedVersions).toBeUndefined(); // the fix is upgrading express, not debug
    expect(at(r.findings, 1).message).toContain('fix: install express@4.18.3');
  });

  it('reads the v2 layout of npm 7 (many_vuln_npm7.json): old numeric sources without GHSA URL', () => {
    const r = parse(path.join(CORPUS, 'npm_audit/many_vuln_npm7.json'));
    expect(r.findings.every((f) => /^(GHSA-|NPM-)/.test(f.ruleId))).toBe(true);
  });
});

describe('npm-audit parser: edge cases', () => {
  it('skips bad records with JSON paths, ignores __proto__ keys, keeps the rest', () => {
    const r = parse(path.join(EDGE, 'v2-bad.json'));
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({
      ruleId: 'GHSA-xvch-5gv4-984h',
      package: { name: 'minimist', fixedVersions: ['0.2.4'] },
      tags: ['transitive', 'fix-available'],
    });
    expect(r.errors.map((e) => e.jsonPath)).toEqual(['$.vulnerabilities.minimist.via[1]', '$.vulnerabilities.broken']);
    expect(({} as J).polluted).toBeUndefined();
  });

  it('reports a wrong vulnerabilities value without throwing', () => {
    const r = npmAuditParser.parse({ auditReportVersion: 2, vulnerabilities: [] }, { file: 'x' });
    expect(r.errors).toEqual([expect.objectContaining({ jsonPath: '$.vulnerabilities', severity: 'fatal' })]);
    for (const d of [null, [], { advisories: 1 }, { advisories: { a: null, b: { module_name: 'x', findings: 3 } } }]) {
      expect(() => npmAuditParser.parse(d, { file: 'x' })).not.toThrow();
    }
  });

  it('detection: not GitLab, Snyk or SARIF documents', () => {
    expect(npmAuditParser.detect({ version: '15.0.0', vulnerabilities: [], scan: {} })).toBe(false);
    expect(npmAuditParser.detect({ vulnerabilities: {} })).toBe(false);
    expect(npmAuditParser.detect({ auditReportVersion: 2, vulnerabilities: {} })).toBe(true);
    expect(npmAuditParser.detect({ advisories: {}, muted: [] })).toBe(true);
  });
});
