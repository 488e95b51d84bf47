import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { semgrepParser } from '../../src/ingest/formats/semgrep';
import { DEFECTDOJO, EDGE as EDGES, fileNames, fileParser, load } from '../support/corpus';
import { at } from '../helpers';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DIR = `${DEFECTDOJO}/semgrep`;
const EDGE = `${EDGES}/semgrep`;
const parse = fileParser(semgrepParser);
const files = fileNames(DIR);

describe('semgrep parser: corpus', () => {
  for (const f of files) {
    it(`parses ${f}`, () => {
      const raw = load(path.join(DIR, f)) as J;
      expect(semgrepParser.detect(raw)).toBe(true);
      const r = semgrepParser.parse(raw, { file: f });
      expect(r.findings).toHaveLength(((raw.results ?? raw.vulns) as unknown[]).length);
      expect(r.errors).toHaveLength(((raw.errors as unknown[] | undefined) ?? []).length);
      expect(r.tools).toEqual([raw.version ? { name: 'Semgrep', version: raw.version } : { name: 'Semgrep' }]);
      for (const x of r.findings) {
        expect(x.kind).toBe(raw.vulns ? 'sca' : 'sast');
        expect(x.fingerprint).not.toBe('requires login');
        expect(x.snippet).not.toBe('requires login');
      }
    });
  }

  it('reads result fields (close_old_findings_report_line31.json)', () => {
    const r = parse(path.join(DIR, 'close_old_findings_report_line31.json'));
    expect(r.tools).toEqual([{ name: 'Semgrep', version: '1.97.0' }]);
    const f = at(r.findings, 0);
    expect(f).toMatchObject({
      ruleId: 'python.lang.security.audit.dangerous-subprocess-use-tainted-env-args.dangerous-subprocess-use-tainted-env-args',
      path: 'sample/brute.py',
      startLine: 31,
      endLine: 31,
      startColumn: 29,
      endColumn: 58,
      scannerSeverity: 'error',
      cwe: ['CWE-78'],
      helpUri: 'https://sg.run/pLGg',
      fingerprintSource: 'semgrep:fingerprint',
      kind: 'sast',
    });
    expect(f.tags).toEqual(expect.arrayContaining(['owasp:A01:2017', 'confidence:medium', 'category:security']));
    expect(f.snippet).toContain('subprocess.run');
  });

  it("uses Semgrep's fingerprint, stable when the finding moves", () => {
    const a = at(parse(path.join(DIR, 'close_old_findings_report_line31.json')).findings, 0);
    const b = at(parse(path.join(DIR, 'close_old_findings_report_second_run_line24.json')).findings, 0);
    const c = at(parse(path.join(DIR, 'close_old_findings_report_third_run_different_unique_id.json')).findings, 0);
    expect(a.startLine).toBe(31);
    expect(b.startLine).toBe(24);
    expect(b.fingerprint).toBe(a.fingerprint);
    expect(c.fingerprint).not.toBe(a.fingerprint);
  });

  it('computes a fingerprint when Semgrep gives the "requires login" placeholder', () => {
    const r = parse(path.join(DIR, 'fingerprint_test.json'));
    for (const f of r.findings) {
      expect(f.fingerprint).toMatch(/^[0-9a-f]{32}$/);
      expect(f.fingerprintSource).toBe('computed:message');
      expect(f.snippet).toBeUndefined();
    }
    const withLines = semgrepParser.parse(load(path.join(DIR, 'fingerprint_test.json')), {
      file: 'x',
      sourceLine: () => 'cursor.execute(q)',
    });
    expect(at(withLines.findings, 0).fingerprintSource).toBe('computed:line');
  });

  it('computes a fingerprint from extra.lines when there is no fingerprint (one_finding.json)', () => {
    expect(parse(path.join(DIR, 'one_finding.json')).findings[0]).toMatchObject({ fingerprintSource: 'computed:line', cwe: ['CWE-696'] });
  });

  it('reads a CWE list and severity words', () => {
    expect(at(parse(path.join(DIR, 'cwe_list.json')).findings, 0).cwe).toEqual(['CWE-352']);
    const sev = parse(path.join(DIR, 'many_vulns.json')).findings.map((f) => f.scannerSeverity);
    expect(new Set(sev)).toEqual(new Set(['error', 'warning', 'info'].filter((s) => sev.includes(s))));
  });

  it('reads the Semgrep App supply-chain listing (sca-deployments-vulns.json)', () => {
    const r = parse(path.join(DIR, 'sca-deployments-vulns.json'));
    const f = at(r.findings, 0);
    expect(f).toMatchObject({
      ruleId: 'ssc-82207871-bbda-49be-b1af-49fd927a2f93',
      kind: 'sca',
      cve: ['CVE-2023-1428', 'GHSA-6628-q6j9-w8vg'],
      cwe: ['CWE-617'],
      scannerSeverity: 'high',
      path: 'requirements3.txt',
      startLine: 222,
      fingerprintSource: 'package',
      package: { name: 'grpcio', version: '1.47.0', fixedVersions: ['1.53.0'] },
    });
    expect(r.findings.map((x) => x.scannerSeverity)).toContain('critical');
  });
});

describe('semgrep parser: edge cases', () => {
  it('reports Semgrep errors as scanner InputErrors and keeps the findings; keeps hostile messages verbatim', () => {
    const r = parse(path.join(EDGE, 'errors.json'));
    expect(r.findings).toHaveLength(2);
    expect(r.errors.map((e) => [e.jsonPath, e.severity])).toEqual([
      ['$.results[2]', 'partial'],
      ['$.errors[0]', 'scanner'],
      ['$.errors[1]', 'scanner'],
    ]);
    expect(at(r.errors, 1).message).toContain('PartialParsing');
    expect(at(r.errors, 1).message).toContain('src/broken.js');
    expect(at(r.errors, 2).message).toContain('Timeout');
    const xss = at(r.findings, 0);
    expect(xss.message).toBe('User input <script>alert(document.cookie)</script> reaches innerHTML\n`${{ secrets.X }}`');
    expect(xss.title).toBe('User input <script>alert(document.cookie)</script> reaches innerHTML');
    expect(xss.suppressions).toEqual([{ kind: 'inSource', status: 'accepted', justification: 'nosemgrep' }]);
    expect(xss.cwe).toEqual(['CWE-79']);
    expect(at(r.findings, 1).fingerprintSource).toBe('computed:line');
  });

  it('reads supply-chain results (extra.sca_info)', () => {
    const f = at(parse(path.join(EDGE, 'sca-info.json')).findings, 0);
    expect(f).toMatchObject({
      kind: 'sca',
      cve: ['CVE-2021-23337', 'GHSA-35jh-r3h4-6jhm'],
      scannerSeverity: 'high',
      fingerprintSource: 'package',
      path: 'package-lock.json',
      package: { name: 'lodash', version: '4.17.20', ecosystem: 'npm', fixedVersions: ['4.17.21'] },
    });
    expect(f.tags).toContain('unreachable');
  });

  it('detects an empty report but not other formats with "results"', () => {
    expect(semgrepParser.detect({ results: [], errors: [] })).toBe(true);
    expect(semgrepParser.detect({ results: [], errors: [], metrics: {}, generated_at: 'x' })).toBe(false); // Bandit
    expect(semgrepParser.detect({ results: [], experimental_config: {} })).toBe(false); // OSV-Scanner
    expect(semgrepParser.detect({ results: [{ packages: [] }], errors: [] })).toBe(false);
  });

  it('never throws', () => {
    for (const d of [
      null,
      1,
      [],
      { results: 3, errors: 'x' },
      { results: [{ check_id: 'a', extra: 5, start: null }] },
      { vulns: [1, {}], hasMore: false },
    ]) {
      expect(() => semgrepParser.parse(d, { file: 'x' })).not.toThrow();
    }
    const r = semgrepParser.parse({ results: 3, errors: [] }, { file: 'x' });
    expect(r.errors[0]).toMatchObject({ jsonPath: '$.results', message: 'expected an array, found a number' });
  });
});
