import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dependencyCheckParser, dependencyCheckXmlParser } from '../../src/ingest/formats/dependency-check';
import type { FormatParser } from '../../src/ingest/types';
import { packageFingerprint } from '../../src/ingest/fingerprint';
import { CORPUS, DEFECTDOJO, corpusDocsOf, expectClaimsExactly, filePaths, ingester, load } from '../support/corpus';

const PARSERS: FormatParser[] = [dependencyCheckParser, dependencyCheckXmlParser];
const DD = `${DEFECTDOJO}/dependency_check`;
const JSON_FILE = `${CORPUS}/other/dependency_check/dependency-check-6.4.1-report.json`;

const ingest = ingester(PARSERS);
const xmlFiles = filePaths(DD, '.xml');

describe('dependency-check detection', () => {
  it('claims exactly the Dependency-Check files of the corpus', () => {
    expectClaimsExactly(
      (doc) => dependencyCheckParser.detect(doc) || dependencyCheckXmlParser.detect(doc),
      (file) => file.includes('/dependency_check/'),
    );
  });
  it('each of its files is claimed by the parser of its syntax (JSON or XML)', () => {
    const docs = corpusDocsOf((file) => file.includes('/dependency_check/'));
    expect(docs.some(({ file }) => file.endsWith('.xml'))).toBe(true);
    expect(
      docs.map(({ file, doc }) => [file, (file.endsWith('.xml') ? dependencyCheckXmlParser : dependencyCheckParser).detect(doc)]),
    ).toEqual(docs.map(({ file }) => [file, true]));
  });
  it('does not claim error objects, null or empty arrays', () => {
    for (const d of [null, [], {}, { error: 'x' }, { dependencies: [] }, { analysis: 'x' }]) {
      expect(dependencyCheckParser.detect(d)).toBe(false);
      expect(dependencyCheckXmlParser.detect(d)).toBe(false);
    }
  });
});

describe('dependency-check-xml corpus', () => {
  it.each(xmlFiles)('%s: one finding per (suppressed) vulnerability, no errors', (file) => {
    const text = readFileSync(file, 'utf8');
    const expected = (text.match(/<vulnerability[\s>]/g) ?? []).length + (text.match(/<suppressedVulnerability[\s>]/g) ?? []).length;
    const r = ingest(file);
    expect(r.format).toBe('dependency-check-xml');
    expect(r.errors).toEqual([]);
    expect(r.findings).toHaveLength(expected);
    expect(r.findings.filter((f) => f.suppressions.length)).toHaveLength((text.match(/<suppressedVulnerability[\s>]/g) ?? []).length);
    expect(r.tools).toHaveLength(1);
    for (const f of r.findings) {
      expect(f.kind).toBe('sca');
      expect(f.fingerprintSource).toBe('package');
      expect(f.package?.name).toBeTruthy();
    }
  });

  it('reads a CVSS v3 vulnerability with its purl package', () => {
    const r = ingest(`${DD}/version-6.5.3.xml`);
    expect(r.tools).toEqual([{ name: 'Dependency-Check', version: '6.5.3' }]);
    const f = r.findings[0];
    expect(f).toMatchObject({
      ruleId: 'CVE-2020-9488',
      cve: ['CVE-2020-9488'],
      scannerSeverity: 'low',
      package: {
        ecosystem: 'maven',
        name: 'org.apache.logging.log4j:log4j-api',
        version: '2.12.4',
        purl: 'pkg:maven/org.apache.logging.log4j/log4j-api@2.12.4',
      },
      helpUri: 'https://nvd.nist.gov/vuln/detail/CVE-2020-9488',
    });
    expect(f?.cvss).toEqual({ version: '3.1', score: 3.7, vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N' });
    expect(f?.fingerprint).toBe(
      packageFingerprint({ ecosystem: 'maven', name: 'org.apache.logging.log4j:log4j-api', version: '2.12.4' }, 'CVE-2020-9488'),
    );
  });

  it('reads mixed-case and unscored severities, legacy schema, non-CVE names and suppressed vulnerabilities', () => {
    const legacy = ingest(`${DD}/single_vuln.xml`).findings;
    expect(legacy).toHaveLength(1);
    expect(legacy[0]).toMatchObject({
      scannerSeverity: 'moderate',
      cwe: [],
      cvss: { score: 7.5 },
      package: { ecosystem: 'maven', name: 'org.owasp:library', version: '6.7.8' },
    });
    expect(legacy[0]?.location).toBeDefined();
    expect(legacy[0]?.path).toBeUndefined();
    const multi = ingest(`${DD}/multiple_vulnerabilities_has_multiple_findings.xml`).findings;
    const npm = multi.find((f) => f.ruleId === '1500');
    expect(npm).toMatchObject({ scannerSeverity: 'low', cve: [], package: { ecosystem: 'npm', name: 'yargs-parser', version: '5.0.0' } });
    expect(npm?.tags).toContain('unscored');
    expect(multi.find((f) => f.ruleId.startsWith('CWE-400'))?.cwe).toEqual(['CWE-400']);
    const suppressed = multi.filter((f) => f.suppressions.length);
    expect(suppressed.map((f) => f.ruleId).sort()).toEqual(['CVE-2017-1000487', 'CVE-2019-7238']);
    expect(suppressed[0]?.suppressions[0]).toMatchObject({ kind: 'external', status: 'accepted' });
    expect(suppressed[0]?.cvss).toMatchObject({ score: 9.8 });
    expect(new Set(['critical', 'high', 'medium', 'low', 'moderate'])).toEqual(
      new Set([...ingest(`${DD}/PR6439.xml`).findings, ...legacy, ...multi].map((f) => f.scannerSeverity)),
    );
  });

  it('returns zero findings for empty reports and reports without vulnerabilities', () => {
    for (const f of ['dc_empty.xml', 'single_dependency_with_related_no_vulnerability.xml']) {
      const r = ingest(join(DD, f));
      expect(r.format).toBe('dependency-check-xml');
      expect(r.findings).toEqual([]);
      expect(r.errors).toEqual([]);
    }
    expect(ingest(join(DD, 'dc_empty.xml')).tools).toEqual([{ name: 'Dependency-Check', version: '6.5.3' }]);
  });

  it('reports text where dependencies are expected', () => {
    const r = ingest(
      'bad.xml',
      '<analysis xmlns="https://jeremylong.github.io/DependencyCheck/dependency-check.2.5.xsd"><scanInfo/><dependencies>oops</dependencies></analysis>',
    );
    expect(r.findings).toEqual([]);
    expect(r.errors[0]).toMatchObject({ jsonPath: '/analysis/dependencies', severity: 'partial' });
  });
});

describe('dependency-check JSON', () => {
  it('parses the 6.4.1 report', () => {
    const raw = load(JSON_FILE) as { dependencies: { vulnerabilities?: unknown[]; suppressedVulnerabilities?: unknown[] }[] };
    const expected = raw.dependencies.reduce(
      (n, d) => n + (d.vulnerabilities?.length ?? 0) + (d.suppressedVulnerabilities?.length ?? 0),
      0,
    );
    const r = ingest(JSON_FILE);
    expect(r.format).toBe('dependency-check');
    expect(r.errors).toEqual([]);
    expect(r.findings).toHaveLength(expected);
    expect(r.tools).toEqual([{ name: 'Dependency-Check', version: '6.4.1' }]);
    const f = r.findings.find((x) => x.ruleId === 'CVE-2017-15945');
    expect(f).toMatchObject({
      cve: ['CVE-2017-15945'],
      cwe: ['CWE-732'],
      scannerSeverity: 'high',
      cvss: { version: '3.0', score: 7.8, vector: 'CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H' },
      package: { ecosystem: 'golang', name: 'github.com/go-sql-driver/mysql', version: '1.6.0', fixedVersions: ['5.6.36'] },
      kind: 'sca',
      component: 'github.com/go-sql-driver/mysql:1.6.0',
    });
    // Virtual dependency: the manifest, outside the workspace → location; inside it → path.
    expect(f?.location).toBe('/src/go.mod');
    const inWs = ingest(JSON_FILE, undefined, { workspace: '/src' }).findings.find((x) => x.ruleId === 'CVE-2017-15945');
    expect(inWs?.path).toBe('go.mod');
    expect(r.findings.find((x) => x.ruleId === 'CVE-2007-1420')).toMatchObject({
      scannerSeverity: 'low',
      cwe: [],
      cvss: { version: '2.0', score: 2.1 },
    });
  });

  it('reports suppressed vulnerabilities, bad members and __proto__ keys without throwing', () => {
    const hostile = '<img src=x onerror=alert(1)> ${{ secrets.TOKEN }}';
    const text = `{"reportSchema":"1.1","scanInfo":{"engineVersion":"9.0.9"},"dependencies":[
      {"fileName":"lodash-4.17.20.tgz","filePath":"node_modules/lodash/package.json","packages":[{"id":"pkg:npm/lodash@4.17.20"}],
       "__proto__":{"polluted":true},
       "vulnerabilities":[{"source":"NVD","name":"CVE-2021-23337","severity":"HIGH","description":${JSON.stringify(hostile)},"cvssv3":{"baseScore":7.2,"baseSeverity":"HIGH"}}],
       "suppressedVulnerabilities":[{"source":"NVD","name":"CVE-2020-28500","severity":"MEDIUM","notes":"not reachable"}]},
      {"fileName":"x.jar","vulnerabilities":"oops"},
      42]}`;
    const r = ingest('dc.json', text);
    expect(r.findings).toHaveLength(2);
    expect(r.findings[0]).toMatchObject({
      message: hostile,
      path: 'node_modules/lodash/package.json',
      package: { ecosystem: 'npm', name: 'lodash', version: '4.17.20' },
    });
    expect(r.findings[1]?.suppressions).toEqual([{ kind: 'external', status: 'accepted', justification: 'not reachable' }]);
    expect(r.errors.map((e) => [e.jsonPath, e.message])).toEqual([
      ['$.dependencies[1].vulnerabilities', 'expected an array, found a string'],
      ['$.dependencies[2]', 'expected an object, found a number'],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const wrong = ingest('dc2.json', '{"reportSchema":"1.1","scanInfo":{"engineVersion":"9"},"dependencies":[]}');
    expect(wrong.findings).toEqual([]);
    expect(wrong.tools).toEqual([{ name: 'Dependency-Check', version: '9' }]);
  });
});
