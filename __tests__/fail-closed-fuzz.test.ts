import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { child } from '../src/ingest/formats/dependency-findings';
import { ingestText } from '../src/ingest/index';
import { ingestSarifFile } from '../src/io/file-bytes';
import { documentedAbsence } from './support/bypass';

/**
 * Regression tests for the bypasses `__tests__/fuzz-bypass.test.ts` found (FUZZ_CASES=1500, FUZZ_SEED=777): each
 * mutation used to lower the verdict without an input error.
 */

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dg-fail-closed-fuzz-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const errs = (text: string) => ingestText(text, { file: 'x.json' }).errors.map((e) => [e.severity, e.jsonPath, e.message]);

describe('npm audit 7+: a vulnerable package without via', () => {
  const report = (via: string) =>
    `{"auditReportVersion":2,"vulnerabilities":{"debug":{"name":"debug","severity":"high","isDirect":true${via},"effects":[],"range":"<=2.6.8","nodes":["node_modules/debug"],"fixAvailable":true}},"metadata":{}}`;

  it('is an input error at $.vulnerabilities.<pkg>.via when via is missing, null, not an array or empty', () => {
    for (const [via, found] of [
      ['', 'missing'],
      [',"via":null', 'expected an array, found null'],
      [',"via":{"source":1}', 'expected an array, found an object'],
      [',"via":"ms"', 'expected an array, found a string'],
      [',"via":[]', 'empty'],
    ] as const) {
      const r = ingestText(report(via), { file: 'x.json' });
      expect(r.format).toBe('npm-audit');
      expect(r.findings).toEqual([]);
      expect(r.errors.map((e) => [e.severity, e.jsonPath, e.message])).toEqual([
        [
          'partial',
          '$.vulnerabilities.debug.via',
          `${found}: npm audit lists the advisories of vulnerable package "debug" in \`via\`, so its advisories cannot be read`,
        ],
      ]);
    }
  });

  it('still reads the other packages, and the corpus file as written', () => {
    const doc = JSON.parse(readFileSync('__fixtures__/corpus/defectdojo/npm_audit_7_plus/many_vulns.json', 'utf8')) as {
      vulnerabilities: Record<string, { via?: unknown }>;
    };
    const all = ingestText(JSON.stringify(doc), { file: 'x.json' });
    expect(all.errors).toEqual([]);
    const [first] = Object.keys(doc.vulnerabilities);
    delete doc.vulnerabilities[first as string]?.via;
    const r = ingestText(JSON.stringify(doc), { file: 'x.json' });
    expect(r.errors.map((e) => e.jsonPath)).toEqual([child(child('$.vulnerabilities', first as string), 'via')]);
    expect(r.findings.length).toBeGreaterThan(0);
  });
});

describe('Trivy: unknown members that may hold findings', () => {
  const vuln = '{"VulnerabilityID":"CVE-2024-0001","PkgName":"openssl","InstalledVersion":"3.0.1","Severity":"CRITICAL"}';
  const image = (result: string, top = '') =>
    `{"SchemaVersion":2,"ArtifactName":"app:1","ArtifactType":"container_image"${top},"Results":[{"Target":"app:1 (debian 12)","Class":"os-pkgs","Type":"debian"${result}}]}`;

  it('a re-cased or misspelt Vulnerabilities in a result is an error naming the member Trivy writes', () => {
    expect(ingestText(image(`,"Vulnerabilities":[${vuln}]`), { file: 'x.json' }).findings).toHaveLength(1);
    for (const key of ['vulnerabilities', 'Vulnerabilities_', 'Vulnerabilitiess', 'Vulnerability', 'VULNERABILITIES']) {
      expect(errs(image(`,${JSON.stringify(key)}:[${vuln}]`))).toEqual([
        [
          'partial',
          '$.Results[0]',
          `unknown member ${JSON.stringify(key)} in $.Results[0]: Trivy writes Vulnerabilities; what it holds was not read`,
        ],
      ]);
    }
    expect(errs(image(`,"misconfigurations":[]`))[0]?.[2]).toMatch(
      /^unknown member "misconfigurations" in \$\.Results\[0\]: Trivy writes Misconfigurations/,
    );
    expect(errs(image(`,"Secret":[{"RuleID":"x"}]`))[0]?.[2]).toMatch(/: Trivy writes Secrets/);
  });

  it('any unknown array of objects in a result or at the top is an error; unknown scalars and objects are not', () => {
    expect(errs(image(`,"Vulnerabilities":[${vuln}],"Detections":[${vuln}]`))).toEqual([
      [
        'partial',
        '$.Results[0]',
        'unknown member "Detections" in $.Results[0]: it holds 1 object(s) that may be findings, and Trivy writes no such member in a result; what it holds was not read',
      ],
    ]);
    expect(
      errs(image(`,"Vulnerabilities":[${vuln}],"Layer":{"Digest":"sha256:1"},"Note":"x","Tags":["a"]`, ',"Extra":{"a":1},"Build":7')),
    ).toEqual([]);
  });

  it('a renamed or re-cased Results at the top is an error (a filesystem report without Results is clean)', () => {
    const fs = (key: string) =>
      `{"SchemaVersion":2,"ArtifactName":".","ArtifactType":"filesystem",${JSON.stringify(key)}:[{"Target":"package-lock.json","Class":"lang-pkgs","Type":"npm","Vulnerabilities":[${vuln}]}]}`;
    expect(errs('{"SchemaVersion":2,"ArtifactName":".","ArtifactType":"filesystem"}')).toEqual([]);
    for (const key of ['results', 'Results_', 'Resultss', 'RESULTS']) {
      expect(errs(fs(key))).toEqual([
        ['partial', '$', `unknown member ${JSON.stringify(key)} in $: Trivy writes Results; what it holds was not read`],
      ]);
    }
    // A container of another level at the top of an image report.
    expect(errs(image(`,"Vulnerabilities":[${vuln}]`, `,"Vulnerabilities":[${vuln}]`))[0]?.[2]).toBe(
      'unknown member "Vulnerabilities" in $: Trivy does not write Vulnerabilities in a report; what it holds was not read',
    );
  });

  it('Kubernetes reports: unknown members of the report and of a resource are errors; Findings (report all) is read', () => {
    const res = `{"Namespace":"default","Kind":"Deployment","Name":"app","Results":[{"Target":"app","Class":"os-pkgs","Type":"debian","Vulnerabilities":[${vuln}]}]}`;
    expect(ingestText(`{"ClusterName":"c","Resources":[${res}]}`, { file: 'x.json' })).toMatchObject({
      format: 'trivy',
      errors: [],
      findings: [expect.anything()],
    });
    expect(ingestText(`{"ClusterName":"c","Findings":[${res}]}`, { file: 'x.json' })).toMatchObject({
      format: 'trivy',
      errors: [],
      findings: [expect.anything()],
    });
    expect(errs(`{"ClusterName":"c","Resources":[],"resources":[${res}]}`)).toEqual([
      ['partial', '$', 'unknown member "resources" in $: Trivy writes Resources; what it holds was not read'],
    ]);
    expect(errs(`{"ClusterName":"c","Resources":[{"Namespace":"default","Kind":"Pod","Name":"p","results":[]}]}`)).toEqual([
      ['partial', '$.Resources[0]', 'unknown member "results" in $.Resources[0]: Trivy writes Results; what it holds was not read'],
    ]);
  });

  it('Kubernetes: a resource whose scan failed (Error) is an incomplete scan', () => {
    const r = ingestText(
      '{"ClusterName":"c","Resources":[{"Namespace":"default","Kind":"Deployment","Name":"app","Error":"unable to pull image\\nmore"}]}',
      { file: 'x.json' },
    );
    expect(r.errors).toEqual([
      expect.objectContaining({
        severity: 'partial',
        jsonPath: '$.Resources[0].Error',
        message: 'scan incomplete: Trivy could not scan default/Deployment/app ("unable to pull image"): findings may be missing',
        incompleteScan: { tool: 'Trivy' },
      }),
    ]);
  });

  it('every Trivy file of the corpus has no unknown member', () => {
    const files = ['__fixtures__/corpus/defectdojo/trivy', '__fixtures__/edge/trivy'].flatMap((d) => readdirSync(d).map((f) => join(d, f)));
    for (const f of files) {
      const r = ingestText(readFileSync(f, 'utf8'), { file: f });
      expect([f, r.errors.filter((e) => e.message.startsWith('unknown member'))]).toEqual([f, []]);
    }
  });
});

describe('Trivy: a null findings container', () => {
  it('is an error in SchemaVersion 2 (Trivy leaves it out), and "none" in the legacy array format', () => {
    const v2 = (key: string) =>
      `{"SchemaVersion":2,"ArtifactName":"app:1","ArtifactType":"container_image","Results":[{"Target":"app:1 (debian 12)","Class":"os-pkgs","Type":"debian",${JSON.stringify(key)}:null}]}`;
    for (const key of ['Vulnerabilities', 'Misconfigurations', 'Secrets']) {
      expect(errs(v2(key))).toEqual([
        ['partial', `$.Results[0].${key}`, 'expected an array, found null (Trivy leaves the member out when it has none)'],
      ]);
    }
    // The legacy array format writes `"Vulnerabilities": null` for a target without vulnerabilities (corpus legacy_trivy_mix.json).
    expect(errs('[{"Target":"app:1 (alpine 3.12)","Type":"alpine","Vulnerabilities":null}]')).toEqual([]);
    // (That file has another, older error: a record without VulnerabilityID.)
    expect(
      errs(readFileSync('__fixtures__/corpus/defectdojo/trivy/legacy_trivy_mix.json', 'utf8')).filter((e) => String(e[2]).includes('null')),
    ).toEqual([]);
    // Absent: a clean result.
    expect(
      errs(
        '{"SchemaVersion":2,"ArtifactName":"app:1","ArtifactType":"container_image","Results":[{"Target":"app:1 (debian 12)","Class":"os-pkgs","Type":"debian"}]}',
      ),
    ).toEqual([]);
  });
});

describe('SARIF: toolExecutionNotifications that are not an array', () => {
  const log = (notes: string) =>
    `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"CodeQL"}},"invocations":[{"executionSuccessful":true${notes}}],"results":[]}]}`;
  let n = 0;
  const both = (text: string) => {
    const path = join(dir, `f${n++}.sarif`);
    writeFileSync(path, text);
    const mem = ingestText(text, { file: 'in.sarif' });
    const streamed = ingestSarifFile(path, { file: 'in.sarif' }, undefined, { chunkSize: 5 });
    expect(streamed.errors).toEqual(mem.errors);
    return mem.errors.map((e) => [e.severity, e.jsonPath, e.message]);
  };

  it('an array with an error-level notification is a scanner warning (as before)', () => {
    expect(both(log(',"toolExecutionNotifications":[{"level":"error","message":{"text":"could not extract a.js"}}]'))).toEqual([
      [
        'scanner',
        '$.runs[0].invocations[0].toolExecutionNotifications',
        'CodeQL reported 1 error(s) while scanning (first: "could not extract a.js"): the affected files may not have been scanned',
      ],
    ]);
    expect(both(log(''))).toEqual([]);
    expect(both(log(',"toolExecutionNotifications":[]'))).toEqual([]);
  });

  it('null, an object, a string or a number is an input error at its JSON path, read whole or streamed', () => {
    for (const [v, found] of [
      ['null', 'null'],
      ['{"level":"error","message":{"text":"x"}}', 'an object'],
      ['"error"', 'a string'],
      ['3', 'a number'],
    ] as const) {
      const e = both(log(`,"toolExecutionNotifications":${v}`));
      expect(e).toHaveLength(1);
      expect(e[0]?.slice(0, 2)).toEqual(['partial', '$.runs[0].invocations[0].toolExecutionNotifications']);
      expect(e[0]?.[2]).toMatch(new RegExp(`^expected an array of notifications, found ${found}`));
    }
  });

  it('invocations: null is an error too (absent invocations are allowed)', () => {
    const run = (inv: string) => `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"CodeQL"}}${inv},"results":[]}]}`;
    expect(both(run(''))).toEqual([]);
    expect(both(run(',"invocations":null'))).toEqual([
      ['partial', '$.runs[0].invocations', 'expected an array of invocations, found null'],
    ]);
  });

  it('a notification that is not an object is an error at its index', () => {
    expect(both(log(',"toolExecutionNotifications":[null,{"level":"note","message":{"text":"ok"}}]'))).toEqual([
      ['partial', '$.runs[0].invocations[0].toolExecutionNotifications[0]', 'expected a notification object, found null'],
    ]);
  });
});

describe('the bypass oracle: documented absences', () => {
  it('exempts only the omitempty containers of Trivy, by op and JSON path', () => {
    expect(documentedAbsence('trivy', 'dropContainer $.Results')).toMatch(/omitempty/);
    expect(documentedAbsence('trivy', 'dropContainer $.Results[3].Vulnerabilities')).toBeDefined();
    expect(documentedAbsence('trivy', 'dropContainer $.Resources[0].Results[1].Misconfigurations')).toBeDefined();
    expect(documentedAbsence('trivy', 'nullContainer $[2].Vulnerabilities')).toMatch(/legacy/);
    // Not documented: null in SchemaVersion 2, renames, other formats, other members.
    expect(documentedAbsence('trivy', 'nullContainer $.Results[0].Vulnerabilities')).toBeUndefined();
    expect(documentedAbsence('trivy', 'renameContainer $.Results[0].Vulnerabilities')).toBeUndefined();
    expect(documentedAbsence('grype', 'dropContainer $.Results')).toBeUndefined();
    expect(documentedAbsence('trivy', 'dropContainer $.Results[0].Vulnerabilities[0].CVSS')).toBeUndefined();
    expect(documentedAbsence(undefined, 'dropContainer $.Results')).toBeUndefined();
    expect(documentedAbsence('sarif', 'dropContainer $.runs[0].invocations[1].toolExecutionNotifications')).toMatch(/optional/);
    expect(documentedAbsence('sarif', 'dropContainer $.runs[2].invocations')).toBeDefined();
    expect(documentedAbsence('sarif', 'nullContainer $.runs[0].invocations[0].toolExecutionNotifications')).toBeUndefined();
    expect(documentedAbsence('sarif', 'dropContainer $.runs[0].results')).toBeUndefined();
  });
});
