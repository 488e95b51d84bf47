import { describe, expect, it } from '@jest/globals';
import { basename } from 'node:path';
import { snykParser } from '../../src/ingest/formats/snyk';
import { packageFingerprint } from '../../src/ingest/fingerprint';
import { DEFECTDOJO, expectClaimsExactly, filePaths, ingester, load, parseDoc } from '../support/corpus';

const DD = `${DEFECTDOJO}/snyk`;
/** Snyk Code output is SARIF: it sits in the snyk directory but is not this format. */
const NOT_MINE = new Set(['snykcode_issue_9270.json']);

const ingest = ingester([snykParser]);
const files = filePaths(DD).filter((f) => !NOT_MINE.has(basename(f)));

interface RawVuln {
  id: string;
  name: string;
  version: string;
}
interface RawProject {
  vulnerabilities: RawVuln[];
  applications?: RawProject[];
}
function expectedCount(doc: RawProject | RawProject[]): number {
  const projects = Array.isArray(doc) ? doc : [doc];
  return projects.reduce(
    (n, p) =>
      n +
      new Set(p.vulnerabilities.map((v) => `${v.id}|${v.name}|${v.version}`)).size +
      (p.applications ? expectedCount(p.applications) : 0),
    0,
  );
}

describe('snyk detection', () => {
  it('claims exactly the Snyk Open Source / Container files of the corpus', () => {
    expectClaimsExactly(
      (doc) => snykParser.detect(doc),
      (file) => file.includes('/defectdojo/snyk/') && !NOT_MINE.has(basename(file)),
    );
  });
  it('does not claim Snyk Code SARIF, error objects, null or empty arrays', () => {
    expect(snykParser.detect(parseDoc(`${DD}/snykcode_issue_9270.json`).doc)).toBe(false);
    expect(snykParser.detect(parseDoc(`${DEFECTDOJO}/snyk_code/single_project_many_vulns.json`).doc)).toBe(false);
    for (const d of [
      null,
      [],
      {},
      { ok: false, error: 'Could not detect supported target files', path: '.' },
      [{ ok: false, error: 'x' }],
    ]) {
      expect(snykParser.detect(d)).toBe(false);
    }
  });
});

describe('snyk corpus', () => {
  it.each(files)('%s: one finding per distinct vulnerable package, no errors', (file) => {
    const raw = load(file) as RawProject | RawProject[];
    const r = ingest(file);
    expect(r.format).toBe('snyk');
    expect(r.errors).toEqual([]);
    expect(r.findings).toHaveLength(expectedCount(raw));
    expect(r.tools.length).toBeGreaterThan(0);
    for (const f of r.findings) {
      expect(['sca', 'container']).toContain(f.kind);
      expect(f.fingerprintSource).toBe('package');
      expect(['low', 'medium', 'high', 'critical']).toContain(f.scannerSeverity);
    }
  });

  it('reads a Maven vulnerability with CVE, GHSA, CWE, CVSS and fixed versions', () => {
    const r = ingest(`${DD}/single_project_many_vulns.json`);
    expect(r.tools).toEqual([{ name: 'Snyk Open Source' }]);
    const f = r.findings.find((x) => x.ruleId === 'SNYK-JAVA-COMTHOUGHTWORKSXSTREAM-1051966');
    expect(f).toMatchObject({
      title: 'Arbitrary File Deletion',
      kind: 'sca',
      cve: ['CVE-2020-26259', 'GHSA-jfvx-7wrx-43fh', 'SNYK-JAVA-COMTHOUGHTWORKSXSTREAM-1051966'],
      cwe: ['CWE-22'],
      scannerSeverity: 'medium',
      cvss: { version: '3.1', score: 5.3, vector: 'CVSS:3.1/AV:N/AC:H/PR:L/UI:N/S:U/C:N/I:H/A:N/E:P/RL:O/RC:C' },
      package: { ecosystem: 'maven', name: 'com.thoughtworks.xstream:xstream', version: '1.4.14', fixedVersions: ['1.4.15'] },
      path: 'pom.xml',
      helpUri: 'https://security.snyk.io/vuln/SNYK-JAVA-COMTHOUGHTWORKSXSTREAM-1051966',
    });
    expect(f?.tags).toEqual(expect.arrayContaining(['upgradable', 'exploit:proof-of-concept']));
    expect(f?.fingerprint).toBe(
      packageFingerprint({ ecosystem: 'maven', name: 'com.thoughtworks.xstream:xstream', version: '1.4.14' }, 'CVE-2020-26259'),
    );
  });

  it('collapses repeats per dependency path and says how many paths there were', () => {
    const r = ingest(`${DD}/single_project_upgrade_libs.json`);
    expect(r.findings).toHaveLength(52);
    expect(r.findings.some((f) => /Introduced through \d+ dependency paths/.test(f.message))).toBe(true);
  });

  it('reads container projects: OS packages, EPSS as numbers, applications in the image', () => {
    const r = ingest(`${DD}/snykcontainer_issue_epss.json`);
    expect(r.tools).toEqual([{ name: 'Snyk Container' }]);
    const os = r.findings.filter((f) => f.kind === 'container');
    expect(os).toHaveLength(1);
    expect(os[0]).toMatchObject({
      ruleId: 'SNYK-DEBIAN11-GCC10-5901313',
      cve: ['CVE-2023-4039', 'SNYK-DEBIAN11-GCC10-5901313'],
      scannerSeverity: 'low',
      package: { ecosystem: 'deb', name: 'libgcc-s1', version: '10.2.1-6' },
      exploit: { epss: 0.00046, epssPercentile: 0.14414 },
      location: 'sarim04/juiceshop:latest/juiceshop',
    });
    expect(os[0]?.path).toBeUndefined();
    const apps = r.findings.filter((f) => f.kind === 'sca');
    expect(apps).toHaveLength(12);
    expect(apps[0]?.location).toBe('sarim04/juiceshop:latest (/juice-shop/package.json)');
    expect(apps[0]?.package?.ecosystem).toBe('npm');
  });

  it('handles null CVSS, Windows target paths and --all-projects arrays', () => {
    const none = ingest(`${DD}/single_project_None_cvss.json`).findings[0];
    expect(none?.cvss).toBeUndefined();
    expect(none).toMatchObject({
      kind: 'container',
      package: { ecosystem: 'rpm', name: 'permissions', fixedVersions: ['20181225-23.12.1'] },
    });
    const all = ingest(`${DD}/all-projects_many_vulns.json`);
    expect(all.findings.map((f) => f.path)).toEqual(['pom.xml', 'project-a/pom.xml', 'project-a/pom.xml', 'project-b/pom.xml']);
    const noVulns = ingest(`${DD}/all-projects_no_vulns.json`);
    expect(noVulns.findings).toEqual([]);
    expect(noVulns.tools).toEqual([{ name: 'Snyk Open Source' }]);
    const licenses = ingest(`${DD}/all_projects_issue4277.json`).findings.filter((f) => f.tags.includes('license'));
    expect(licenses.length).toBeGreaterThan(0);
    expect(licenses.every((f) => f.cve.length === 0)).toBe(true);
  });

  it('reports ignored issues with an external suppression', () => {
    const r = ingest('__fixtures__/edge/snyk/ignored.json');
    expect(r.errors).toEqual([]);
    expect(r.findings).toHaveLength(2);
    expect(r.findings[0]?.suppressions).toEqual([]);
    expect(r.findings[1]).toMatchObject({
      ruleId: 'SNYK-JS-MINIMIST-559764',
      suppressions: [{ kind: 'external', status: 'accepted', justification: 'dev dependency only' }],
    });
  });

  it('reports structurally wrong parts with their JSON path, keeps hostile text, ignores __proto__', () => {
    const hostile = '</details><script>alert(1)</script> @here';
    const text = `[{"ok":false,"packageManager":"npm","displayTargetFile":"package-lock.json","vulnerabilities":[
      {"__proto__":{"polluted":true},"id":"SNYK-JS-X-1","title":"t","severity":"high","description":${JSON.stringify(hostile)},"packageName":"x","name":"x","version":"1.0.0","from":["a@1","x@1.0.0"],"epssDetails":{"probability":"not a number"}},
      "bad"]},
      {"ok":false,"packageManager":"npm","vulnerabilities":{"oops":1}},
      {"ok":false,"error":"Could not detect supported target files","path":"sub"}]`;
    const r = ingest('s.json', text);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]?.message.startsWith(hostile)).toBe(true);
    expect(r.findings[0]?.exploit).toBeUndefined();
    expect(r.errors.map((e) => [e.jsonPath, e.message])).toEqual([
      ['$[0].vulnerabilities[1]', 'expected an object, found a string'],
      ['$[1].vulnerabilities', 'expected an array, found an object'],
      ['$[2]', 'Snyk could not test this project: Could not detect supported target files'],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
