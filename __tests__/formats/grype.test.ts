import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { grypeParser } from '../../src/ingest/formats/grype';
import { DEFECTDOJO, EDGE as EDGES, fileNames, fileParser, load } from '../support/corpus';
import { at } from '../helpers';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DIR = `${DEFECTDOJO}/anchore_grype`;
const EDGE = `${EDGES}/grype`;
const parse = fileParser(grypeParser);
const files = fileNames(DIR);

describe('grype parser: corpus', () => {
  for (const f of files) {
    it(`parses ${f}`, () => {
      const raw = load(path.join(DIR, f)) as J;
      expect(grypeParser.detect(raw)).toBe(true);
      const r = grypeParser.parse(raw, { file: f });
      expect(r.findings).toHaveLength((raw.matches as unknown[]).length + ((raw.ignoredMatches as unknown[] | undefined)?.length ?? 0));
      expect(r.errors).toEqual([]);
      expect(r.tools).toEqual([raw.descriptor?.version ? { name: 'Grype', version: raw.descriptor.version } : { name: 'Grype' }]);
      for (const x of r.findings) {
        expect(x.fingerprintSource).toBe('package');
        expect(x.kind === 'sca' || x.kind === 'container').toBe(true);
        expect(x.cve.length).toBeGreaterThan(0);
      }
    });
  }

  it('reads all fields (check_all_fields.json)', () => {
    const r = parse(path.join(DIR, 'check_all_fields.json'));
    expect(r.tools).toEqual([{ name: 'Grype', version: '0.28.0' }]);
    const f = at(r.findings, 0);
    expect(f).toMatchObject({
      ruleId: 'CVE-2004-0971',
      scannerSeverity: 'negligible',
      kind: 'container',
      location: '/var/lib/dpkg/status',
      tags: expect.arrayContaining(['fix:not-fixed', 'matcher:dpkg-matcher']),
      package: {
        name: 'libgssapi-krb5-2',
        version: '1.17-3+deb10u3',
        ecosystem: 'deb',
        purl: 'pkg:deb/debian/libgssapi-krb5-2@1.17-3+deb10u3?arch=amd64',
      },
    });
    // No CVSS on the vulnerability itself: the related NVD entry's is used.
    expect(f.cvss).toEqual({ version: '2.0', score: 2.1, vector: 'AV:L/AC:L/Au:N/C:N/I:P/A:N' });
    expect(f.path).toBeUndefined();
    const severities = new Set(r.findings.map((x) => x.scannerSeverity));
    expect([...severities].every((s) => ['negligible', 'low', 'medium', 'high', 'critical', 'unknown'].includes(s ?? ''))).toBe(true);
  });

  it('reads EPSS and the GHSA ↔ CVE aliases (anchore_grype_epss_problem.json)', () => {
    const f = at(parse(path.join(DIR, 'anchore_grype_epss_problem.json')).findings, 0);
    expect(f.ruleId).toBe('GHSA-4374-p667-p6c8');
    expect(f.cve).toEqual(['CVE-2023-39325', 'GHSA-4374-p667-p6c8']);
    expect(f.exploit).toEqual({ epss: 0.00163, epssPercentile: 0.37957 });
    expect(f.package).toMatchObject({ ecosystem: 'golang', fixedVersions: ['0.17.0'] });
    expect(f.cvss?.score).toBe(7.5);
  });

  it('reads EPSS values (many_vulns_with_epss_values.json)', () => {
    const r = parse(path.join(DIR, 'many_vulns_with_epss_values.json'));
    expect(r.findings.every((f) => typeof f.exploit?.epss === 'number')).toBe(true);
    expect(at(r.findings, 0).exploit).toEqual({ epss: 0.0719, epssPercentile: 0.91123 });
  });

  it('reads fix states and versions', () => {
    expect(at(parse(path.join(DIR, 'fix_available.json')).findings, 0).tags).toContain('fix:fixed');
    expect(at(parse(path.join(DIR, 'fix_not_available.json')).findings, 0).tags).toContain('fix:unknown');
  });

  it('reads the old layout (cvssV2, fixedInVersion)', () => {
    const r = parse(path.join(DIR, 'many_vulns.json'));
    expect(at(r.findings, 0).cvss).toEqual({ version: '2.0', score: 4.3, vector: 'AV:N/AC:M/Au:N/C:P/I:N/A:N' });
    const raw = load(path.join(DIR, 'many_vulns.json')) as J;
    const i = (raw.matches as J[]).findIndex((m) => m.vulnerability.fixedInVersion);
    expect(at(r.findings, i).package?.fixedVersions).toEqual([raw.matches[i].vulnerability.fixedInVersion]);
  });

  it('keeps the same CVE in one package at different paths as two findings with one identity', () => {
    const r = parse(path.join(DIR, 'same_cve_different_paths.json'));
    expect(r.findings).toHaveLength(2);
    expect(at(r.findings, 0).fingerprint).toBe(at(r.findings, 1).fingerprint); // disambiguated by the ingest layer
  });
});

describe('grype parser: edge cases', () => {
  it('reads KEV, image name, and ignored matches as suppressed', () => {
    const r = parse(path.join(EDGE, 'pair-grype.json'));
    expect(r.findings).toHaveLength(3);
    const libc = at(r.findings, 0);
    expect(libc.exploit).toEqual({ kev: true, kevDateAdded: '2025-05-01', kevDueDate: '2025-05-22', epss: 0.93, epssPercentile: 0.998 });
    expect(libc.component).toBe('app:1');
    expect(libc.cvss).toEqual({ version: '3.1', score: 7.3, vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:H/A:H' });
    const ignored = at(r.findings, 2);
    expect(ignored.source.pointer).toBe('$.ignoredMatches[0]');
    expect(ignored.suppressions).toEqual([
      { kind: 'external', status: 'accepted', justification: 'Grype ignore rule: not exploitable in our container' },
    ]);
  });

  it('reports a wrong matches value with its JSON path', () => {
    expect(grypeParser.detect(load(path.join(EDGE, 'matches-not-array.json')))).toBe(true);
    const r = parse(path.join(EDGE, 'matches-not-array.json'));
    expect(r.findings).toEqual([]);
    expect(r.errors).toEqual([expect.objectContaining({ jsonPath: '$.matches', message: 'expected an array, found an object' })]);
    expect(r.tools).toEqual([{ name: 'Grype', version: '0.92.2' }]);
  });

  it('skips broken matches, never throws', () => {
    const doc = {
      matches: [
        null,
        { vulnerability: 3 },
        { vulnerability: { id: 'CVE-1' }, artifact: {} },
        { vulnerability: { id: 'CVE-2021-1' }, artifact: { name: 'x', __proto__: { polluted: 1 } } },
      ],
    };
    const r = grypeParser.parse(doc, { file: 'x.json' });
    expect(r.findings).toHaveLength(1);
    expect(r.errors.map((e) => e.jsonPath)).toEqual([
      '$.matches[0]',
      '$.matches[1].vulnerability',
      '$.matches[1].artifact',
      '$.matches[2]',
    ]);
    for (const d of [null, 5, [], { matches: 'x' }, { matches: [[]] }]) expect(() => grypeParser.parse(d, { file: 'x' })).not.toThrow();
    expect(({} as J).polluted).toBeUndefined();
  });
});
