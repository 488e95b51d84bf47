import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gitlabParser } from '../../src/ingest/formats/gitlab';
import { packageFingerprint } from '../../src/ingest/fingerprint';
import { DEFECTDOJO as DD, expectClaimsExactly, filePaths, ingester, load } from '../support/corpus';

const DIRS = ['gitlab_sast', 'gitlab_dep_scan', 'gitlab_container_scan', 'gitlab_secret_detection_report', 'gitlab_dast'];

const ingest = ingester([gitlabParser]);
/** `gitlab_dast/empty_with_error.json` is yarn's NDJSON error output, not a report: the generic layer rejects it. */
const INVALID = `${DD}/gitlab_dast/empty_with_error.json`;
const files = DIRS.flatMap((d) => filePaths(join(DD, d))).filter((f) => f !== INVALID);
const KIND_BY_DIR: Record<string, string> = {
  gitlab_sast: 'sast',
  gitlab_dep_scan: 'sca',
  gitlab_container_scan: 'container',
  gitlab_secret_detection_report: 'secret',
  gitlab_dast: 'dast',
};

describe('gitlab detection', () => {
  it('claims exactly the GitLab reports of the corpus', () => {
    // (INVALID is not a GitLab report: not claimed, and not one of ours.)
    expectClaimsExactly(
      (doc) => gitlabParser.detect(doc),
      (file) => file.includes('/gitlab_') && file !== INVALID,
    );
  });
  it('does not claim error objects, null, empty arrays or other formats with vulnerabilities', () => {
    for (const d of [
      null,
      [],
      {},
      { error: 'x' },
      { vulnerabilities: {} },
      { ok: true, packageManager: 'npm', vulnerabilities: [] },
      { auditReportVersion: 2, vulnerabilities: [] },
      { bomFormat: 'CycloneDX', version: 1, vulnerabilities: [] },
      { vulnerabilities: [{ id: 'x' }] },
    ]) {
      expect(gitlabParser.detect(d)).toBe(false);
    }
  });
  it('leaves the NDJSON error output to the generic layer', () => {
    const r = ingest(INVALID);
    expect(r.format).toBeUndefined();
    expect(r.errors[0]).toMatchObject({ severity: 'fatal' });
  });
});

describe('gitlab corpus', () => {
  it.each(files)('%s: one finding per vulnerability, no errors', (file) => {
    const raw = load(file) as { vulnerabilities: unknown[] };
    const r = ingest(file);
    expect(r.format).toBe('gitlab');
    expect(r.errors).toEqual([]);
    expect(r.findings).toHaveLength(raw.vulnerabilities.length);
    const dir = file.split('/').slice(-2)[0] ?? '';
    for (const f of r.findings) {
      if (dir === 'gitlab_sast') expect(['sast', 'secret']).toContain(f.kind);
      else expect(f.kind).toBe(KIND_BY_DIR[dir]);
      // Same rule, file and message (no source line in tests) repeat: the generic layer numbers repeats.
      expect(f.fingerprint).toMatch(/^[0-9a-f]{32}(~\d+)?$/);
      expect(f.tool.name).toBeTruthy();
      expect([undefined, 'critical', 'high', 'medium', 'low', 'info', 'unknown']).toContain(f.scannerSeverity);
    }
    // Every vulnerability with a severity keeps it (not only: "if there is one, it is a known word").
    const withSeverity = (raw.vulnerabilities as { severity?: unknown }[]).filter(
      (v) => typeof v?.severity === 'string' && v.severity !== '',
    ).length;
    expect(r.findings.filter((f) => f.scannerSeverity !== undefined)).toHaveLength(withSeverity);
  });

  it('reads SAST findings: tool version, CWE, path, lines', () => {
    const r = ingest(`${DD}/gitlab_sast/gl-sast-report-cwe_v15.json`);
    expect(r.tools).toEqual([{ name: 'Find Security Bugs', version: '4.2.0' }]);
    expect(r.findings[0]).toMatchObject({
      ruleId: 'XSS_REQUEST_PARAMETER_TO_SERVLET_WRITER',
      title: 'Servlet reflected cross site scripting vulnerability',
      kind: 'sast',
      cwe: ['CWE-79'],
      cve: [],
      scannerSeverity: 'high',
      path: 'src/main/java/servlets/module/lesson/XssLesson.java',
      startLine: 96,
      endLine: 96,
      fingerprintSource: 'computed:message',
    });
    // Old SAST reports put secret scanners under `sast`: those are secrets.
    const many = ingest(`${DD}/gitlab_sast/gl-sast-report-many-vuln_v14.json`);
    expect(many.findings.filter((f) => f.kind === 'secret').length).toBeGreaterThan(0);
    expect(many.tools.map((t) => t.name)).toEqual(expect.arrayContaining(['TruffleHog', 'Gitleaks']));
    const v15 = ingest(`${DD}/gitlab_sast/gl-sast-report-many-vuln_v15.json`);
    expect(v15.tools.map((t) => t.name)).toEqual(expect.arrayContaining(['trufflehog', 'gitleaks', 'bandit']));
    expect(v15.findings.map((f) => f.kind)).toEqual(many.findings.map((f) => f.kind));
  });

  it('keeps SAST fingerprints when only the line number changes', () => {
    const text = readFileSync(`${DD}/gitlab_sast/gl-sast-report-cwe_v15.json`, 'utf8');
    const moved = text.split('XssLesson.java:96').join('XssLesson.java:120').split('"start_line": 96').join('"start_line": 120');
    expect(ingest('b.json', moved).findings[0]?.fingerprint).toBe(ingest('a.json', text).findings[0]?.fingerprint);
  });

  it('reads dependency scanning findings with package identity', () => {
    const r = ingest(`${DD}/gitlab_dep_scan/gl-dependency-scanning-report-many-vuln_v14.json`);
    expect(r.tools).toEqual([{ name: 'Gemnasium', version: '2.24.1' }]);
    const f = r.findings[0];
    expect(f).toMatchObject({
      ruleId: 'CVE-2020-29652',
      cve: ['CVE-2020-29652'],
      kind: 'sca',
      path: 'service/go.sum',
      package: { ecosystem: 'golang', name: 'golang.org/x/crypto', version: 'v0.0.0-20190219172222-a4c6cb3142f2' },
      fingerprintSource: 'package',
    });
    expect(f?.fingerprint).toBe(
      packageFingerprint(
        { ecosystem: 'golang', name: 'golang.org/x/crypto', version: 'v0.0.0-20190219172222-a4c6cb3142f2' },
        'CVE-2020-29652',
      ),
    );
    const missing = ingest(`${DD}/gitlab_dep_scan/gl-dependency-scanning-report-2-vuln-missing-component_v15.json`).findings;
    expect(missing[0]?.package).toBeUndefined();
    expect(missing[0]?.scannerSeverity).toBe('unknown');
  });

  it('reads container scanning findings: image as location, OS ecosystem', () => {
    const r = ingest(`${DD}/gitlab_container_scan/gl-container-scanning-report-1-vuln_v15.json`);
    expect(r.tools).toEqual([{ name: 'Trivy', version: '0.16.0' }]);
    expect(r.findings[0]).toMatchObject({
      ruleId: 'CVE-2019-3462',
      cve: ['CVE-2019-3462'],
      kind: 'container',
      scannerSeverity: 'high',
      package: { ecosystem: 'deb', name: 'apt', version: '1.4.8' },
      location: expect.stringMatching(/^registry\.gitlab\.com\/gitlab-org\/security-products\/dast\/webgoat-8\.0@sha256:/),
    });
    expect(r.findings[0]?.path).toBeUndefined();
    expect(ingest(`${DD}/gitlab_container_scan/issue6639_v15.json`).findings.every((f) => f.kind === 'container')).toBe(true);
  });

  it('reads secret detection findings', () => {
    const r = ingest(`${DD}/gitlab_secret_detection_report/gitlab_secret_detection_report_1_vuln_v14.json`);
    expect(r.tools).toEqual([{ name: 'Gitleaks', version: 'v7.5.0' }]);
    expect(r.findings[0]).toMatchObject({
      ruleId: 'AWS',
      kind: 'secret',
      scannerSeverity: 'critical',
      path: 'README.md',
      startLine: 5,
      fingerprintSource: 'computed:line',
    });
  });

  it('reads DAST findings: URL location, plugin id, no per-run UUIDs in the fingerprint', () => {
    const r = ingest(`${DD}/gitlab_dast/gitlab_dast_many_vul_v15.json`);
    expect(r.tools).toEqual([{ name: 'OWASP Zed Attack Proxy (ZAP)', version: 'D-2020-08-26' }]);
    expect(r.findings[0]).toMatchObject({
      ruleId: '10062',
      kind: 'dast',
      cwe: ['CWE-359'],
      location: 'http://api-server/v1/trees',
      scannerSeverity: 'high',
      fingerprintSource: 'computed:url',
    });
    const text = readFileSync(`${DD}/gitlab_dast/gitlab_dast_one_vul_v14.json`, 'utf8');
    const a = ingest('a.json', text).findings[0];
    const b = ingest('b.json', text.replace(/"id": "[^"]+"/, '"id": "00000000-0000-4000-8000-000000000000"')).findings[0];
    expect(b?.fingerprint).toBe(a?.fingerprint);
    // Report without `scan`: the kind comes from the location, the tool from the vulnerability.
    expect(ingest(`${DD}/gitlab_dast/gitlab_dast_one_vul_v15.json`).findings[0]?.kind).toBe('dast');
    expect(ingest(`${DD}/gitlab_dast/gitlab_dast_zero_vul.json`)).toMatchObject({ format: 'gitlab', findings: [], errors: [] });
  });

  it('zero-finding reports still list the tool', () => {
    expect(ingest(`${DD}/gitlab_container_scan/gl-container-scanning-report-0-vuln.json`).tools).toEqual([
      { name: 'Trivy', version: '0.16.0' },
    ]);
    expect(ingest(`${DD}/gitlab_secret_detection_report/gitlab_secret_detection_report_0_vuln.json`).tools).toEqual([
      { name: 'Gitleaks', version: 'v7.5.0' },
    ]);
  });

  it('uses v15 tracking signatures without line numbers as fingerprints', () => {
    const r = ingest('__fixtures__/edge/gitlab/sast-v15-tracking.json');
    expect(r.tools).toEqual([{ name: 'Semgrep', version: '1.50.0' }]);
    expect(r.findings[0]).toMatchObject({
      ruleId: 'bandit.B608',
      cwe: ['CWE-89'],
      fingerprintSource: 'gitlab:tracking/scope_offset',
      path: 'app/db.py',
      startLine: 42,
      endLine: 43,
    });
  });

  it('reports structurally wrong parts without throwing, keeps hostile text, ignores __proto__', () => {
    const hostile = '<script>alert(1)</script>\n::warning::x';
    const text = `{"version":"15.0.0","scan":{"type":"sast","scanner":{"id":"x","name":"X"}},"dependency_files":7,"vulnerabilities":[null,
      {"__proto__":{"polluted":true},"name":"n","description":${JSON.stringify(hostile)},"severity":"Medium","location":{"file":"a.js","start_line":"x"},"identifiers":"no"}]}`;
    const r = ingest('g.json', text);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ message: hostile, path: 'a.js', ruleId: 'n', scannerSeverity: 'medium' });
    expect(r.findings[0]?.startLine).toBeUndefined();
    expect(r.errors.map((e) => [e.jsonPath, e.message])).toEqual([
      ['$.dependency_files', 'expected an array, found a number'],
      ['$.vulnerabilities[0]', 'expected an object, found null'],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
