import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { osvScannerParser } from '../../src/ingest/formats/osv-scanner';
import { DEFECTDOJO, EDGE as EDGES, fileParser, load } from '../support/corpus';
import { at } from '../helpers';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DIR = `${DEFECTDOJO}/osv_scanner`;
const EDGE = `${EDGES}/osv-scanner`;
const parse = fileParser(osvScannerParser);

/** One finding per group, plus one per vulnerability that is in no group. */
function expectedCount(raw: J): number {
  let n = 0;
  for (const r of raw.results as J[]) {
    for (const p of r.packages as J[]) {
      const ids = new Set((p.vulnerabilities as J[]).map((v) => v.id as string));
      const grouped = new Set<string>();
      for (const g of (p.groups ?? []) as J[]) {
        const mine = (g.ids as string[]).filter((id) => ids.has(id) && !grouped.has(id));
        mine.forEach((id) => grouped.add(id));
        if (mine.length > 0) n++;
      }
      n += [...ids].filter((id) => !grouped.has(id)).length;
    }
  }
  return n;
}

describe('osv-scanner parser: corpus', () => {
  for (const f of ['many_findings.json', 'some_findings.json']) {
    it(`parses ${f}`, () => {
      const raw = load(path.join(DIR, f)) as J;
      expect(osvScannerParser.detect(raw)).toBe(true);
      const r = osvScannerParser.parse(raw, { file: f });
      expect(r.findings).toHaveLength(expectedCount(raw));
      expect(r.errors).toEqual([]);
      expect(r.tools).toEqual([{ name: 'OSV-Scanner' }]);
      for (const x of r.findings) {
        expect(x.kind).toBe('sca');
        expect(x.fingerprintSource).toBe('package');
      }
    });
  }

  it('no_findings.json is an empty file (not JSON): nothing to detect', () => {
    expect(fs.readFileSync(path.join(DIR, 'no_findings.json'), 'utf8')).toBe('');
  });

  it('reads fields (some_findings.json: a malicious package)', () => {
    const f = at(parse(path.join(DIR, 'some_findings.json')).findings, 0);
    expect(f).toMatchObject({
      ruleId: 'MAL-2023-1035',
      title: 'Malicious code in flot-axis (npm)',
      cve: ['GHSA-8348-2q94-ffjx', 'MAL-2023-1035'],
      cwe: ['CWE-506'],
      tags: ['malicious'],
      location: '/tmp/components/yarn.lock',
      package: { name: 'flot-axis', version: '0.0.0', ecosystem: 'npm' },
    });
    expect(f.scannerSeverity).toBeUndefined();
    expect(f.cvss).toBeUndefined();
  });

  it('reads word severities and CVSS vectors without inventing a score (many_findings.json)', () => {
    const r = parse(path.join(DIR, 'many_findings.json'));
    const withVector = r.findings.find((f) => f.cvss?.vector);
    expect(withVector?.cvss?.score).toBeUndefined();
    expect(withVector?.cvss?.version).toMatch(/^3\.[01]$/);
    const words = new Set(r.findings.map((f) => f.scannerSeverity).filter(Boolean));
    expect([...words].every((w) => ['low', 'moderate', 'high', 'critical'].includes(w as string))).toBe(true);
    const guzzle = r.findings.find((f) => f.package?.name === 'guzzlehttp/guzzle');
    expect(guzzle?.package?.ecosystem).toBe('composer');
    expect(guzzle?.package?.fixedVersions?.length).toBeGreaterThan(0);
    const git = r.findings.find((f) => f.ruleId === 'CVE-2023-50094');
    expect(git?.package?.version).toBe('f5f3c22f3ed5a6804a2a8d9ee9fa43044cfa24a6');
  });
});

describe('osv-scanner parser: edge cases', () => {
  it('folds a group into one finding with max_severity as the score', () => {
    const r = osvScannerParser.parse(load(path.join(EDGE, 'max-severity.json')), { file: 'x', workspace: '/ws' });
    expect(r.findings).toHaveLength(2);
    const [jinja, other] = r.findings;
    expect(jinja).toMatchObject({
      ruleId: 'GHSA-462w-v97r-4m45',
      cve: ['CVE-2019-10906', 'GHSA-462w-v97r-4m45', 'PYSEC-2019-217'],
      scannerSeverity: 'high',
      cvss: { version: '3.1', score: 8.6, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:N' },
      cwe: ['CWE-693'],
      path: 'requirements.txt',
      package: { name: 'jinja2', version: '2.4.1', ecosystem: 'pypi', fixedVersions: ['2.10.1'] },
    });
    expect(other).toMatchObject({ ruleId: 'GHSA-g3rq-g295-4j3m', scannerSeverity: 'moderate' });
    expect(other!.cvss).toBeUndefined();
  });

  it('reports structural problems with JSON paths and never throws', () => {
    const r = osvScannerParser.parse(
      { results: [{ source: {}, packages: 'x' }, 5, { packages: [{ package: { name: 'a' }, vulnerabilities: [{}, 3] }] }] },
      { file: 'x' },
    );
    expect(r.errors.map((e) => e.jsonPath)).toEqual([
      '$.results[0].packages',
      '$.results[1]',
      '$.results[2].packages[0].vulnerabilities[0]',
      '$.results[2].packages[0].vulnerabilities[1]',
    ]);
    for (const d of [null, [], { results: {} }, { results: [{ packages: [null] }] }])
      expect(() => osvScannerParser.parse(d, { file: 'x' })).not.toThrow();
  });

  it('detection', () => {
    expect(osvScannerParser.detect({ results: [], experimental_config: {} })).toBe(true);
    expect(osvScannerParser.detect({ results: [], errors: [] })).toBe(false);
    expect(osvScannerParser.detect({ results: [{ check_id: 'x' }] })).toBe(false);
  });
});
