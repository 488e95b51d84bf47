import { describe, expect, it, beforeAll, afterAll } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { runCli } from '../src/cli';
import { GITLAB_SCHEMA_VERSION, gitlabReportType, gitlabSeverity, type GitLabReportType } from '../src/report/gitlab-security';

// --gitlab-sast, --gitlab-dependency-scanning, --gitlab-container-scanning: GitLab's security report format, checked
// against GitLab's own published schemas v15.2.4 (schema/vendor/gitlab/, draft-07), on the examples and on real
// scanner outputs from the corpus (__fixtures__/corpus/, see its README).

const SCHEMA_DIR = 'schema/vendor/gitlab';
const FILE: Record<GitLabReportType, string> = {
  sast: 'sast-report-format.json',
  dependency_scanning: 'dependency-scanning-report-format.json',
  container_scanning: 'container-scanning-report-format.json',
};
const schemas = Object.fromEntries(
  Object.entries(FILE).map(([t, f]) => [t, JSON.parse(readFileSync(join(SCHEMA_DIR, f), 'utf8')) as Record<string, unknown>]),
) as Record<GitLabReportType, Record<string, unknown>>;
const ajv = new Ajv({ allErrors: true, strict: false });
const validators = Object.fromEntries(Object.entries(schemas).map(([t, s]) => [t, ajv.compile(s)])) as Record<
  GitLabReportType,
  ValidateFunction
>;

function schemaErrors(type: GitLabReportType, doc: unknown): unknown[] {
  const v = validators[type];
  return v(doc) ? [] : (v.errors ?? []).slice(0, 5);
}

interface Vuln {
  id: string;
  name: string;
  description: string;
  severity: string;
  solution?: string;
  identifiers: { type: string; name: string; value: string; url?: string }[];
  location: {
    file?: string;
    start_line?: number;
    image?: string;
    operating_system?: string;
    dependency?: { package: { name: string }; version: string };
  };
}
interface SecurityReport {
  version: string;
  schema: string;
  scan: {
    type: string;
    status: string;
    analyzer: { id: string };
    scanner: { name: string };
    start_time: string;
    end_time: string;
    messages?: { level: string; value: string }[];
  };
  vulnerabilities: Vuln[];
}
interface JsonReport {
  counts: { gated: number; blocking: number };
  findings: {
    fingerprint: string;
    gated: boolean;
    severity: string;
    kind: string;
    package?: { name: string };
    exception?: { state: string };
  }[];
}

let ws: string;
beforeAll(() => {
  ws = mkdtempSync(join(tmpdir(), 'dg-gitlab-security-'));
  mkdirSync(join(ws, 'reports'));
  for (const f of ['codeql', 'gitleaks', 'grype', 'semgrep']) copyFileSync(`examples/${f}.sarif`, join(ws, `reports/${f}.sarif`));
  copyFileSync('policies/default.yml', join(ws, '.defect-gate.yml'));
});
afterAll(() => rmSync(ws, { recursive: true, force: true }));

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    cwd: ws,
    env: {},
    isTTY: false,
    now: () => new Date('2026-11-25T12:00:00Z'),
  });
  return { code, stdout, stderr };
}

const ALL = (dir: string) => [
  '--gitlab-sast',
  `${dir}/sast.json`,
  '--gitlab-dependency-scanning',
  `${dir}/ds.json`,
  '--gitlab-container-scanning',
  `${dir}/cs.json`,
];
const read = (p: string) => JSON.parse(readFileSync(join(ws, p), 'utf8')) as SecurityReport;
const openFindings = (r: JsonReport) =>
  r.findings.filter((f) => f.gated && f.exception?.state !== 'active' && f.exception?.state !== 'expiring');

describe('the vendored schemas', () => {
  it("are GitLab's draft-07 schemas of the version the reports declare, one per report type", () => {
    for (const [type, s] of Object.entries(schemas)) {
      expect(s.$schema).toBe('http://json-schema.org/draft-07/schema#');
      expect((s.self as { version: string }).version).toBe(GITLAB_SCHEMA_VERSION);
      const scanType =
        (s.properties as Record<string, { properties: Record<string, { enum: string[] }> }>).scan?.properties.type?.enum ?? [];
      expect(scanType).toContain(type);
    }
  });

  it('bite: a report without vulnerabilities[].identifiers, or with a lower-case severity, is refused', () => {
    const doc = {
      version: GITLAB_SCHEMA_VERSION,
      scan: {
        analyzer: { id: 'a', name: 'a', version: '1', vendor: { name: 'a' } },
        scanner: { id: 's', name: 's', version: '1', vendor: { name: 's' } },
        type: 'sast',
        start_time: '2026-01-01T00:00:00',
        end_time: '2026-01-01T00:00:00',
        status: 'success',
      },
      vulnerabilities: [
        { id: '1', severity: 'High', identifiers: [{ type: 't', name: 'n', value: 'v' }], location: { file: 'a.js', start_line: 1 } },
      ],
    };
    expect(schemaErrors('sast', doc)).toEqual([]);
    expect(schemaErrors('sast', { ...doc, vulnerabilities: [{ ...doc.vulnerabilities[0], identifiers: undefined }] })).not.toEqual([]);
    expect(schemaErrors('sast', { ...doc, vulnerabilities: [{ ...doc.vulnerabilities[0], severity: 'high' }] })).not.toEqual([]);
    expect(schemaErrors('dependency_scanning', { ...doc, scan: { ...doc.scan, type: 'dependency_scanning' } })).not.toEqual([]); // no dependency
  });
});

describe('GitLab security reports on the examples', () => {
  it('are valid, and every open finding is in exactly one of them; the others are left out', async () => {
    const r = await cli(['check', '--environment', 'production', '--format', 'json', ...ALL('out'), 'reports/']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as JsonReport;
    const written = { sast: read('out/sast.json'), dependency_scanning: read('out/ds.json'), container_scanning: read('out/cs.json') };
    for (const [type, doc] of Object.entries(written) as [GitLabReportType, SecurityReport][]) {
      expect(schemaErrors(type, doc)).toEqual([]);
      expect(doc.version).toBe(GITLAB_SCHEMA_VERSION);
      expect(doc.schema).toBe(
        `https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/v${GITLAB_SCHEMA_VERSION}/dist/${FILE[type]}`,
      );
      expect(doc.scan).toMatchObject({
        type,
        status: 'success',
        analyzer: { id: 'defect-gate' },
        start_time: '2026-11-25T12:00:00',
        end_time: '2026-11-25T12:00:00',
      });
      expect(r.stderr).toContain(
        `GitLab ${type} report: ${join(ws, type === 'sast' ? 'out/sast.json' : type === 'dependency_scanning' ? 'out/ds.json' : 'out/cs.json')}`,
      );
    }
    const open = openFindings(report);
    expect(open.length).toBeGreaterThan(0);
    const all = Object.values(written).flatMap((d) => d.vulnerabilities);
    expect(all).toHaveLength(open.length);
    expect(new Set(all.map((v) => v.id)).size).toBe(all.length);
    // Each finding in the report type its kind and package say, with its organization severity.
    const expected = { sast: 0, dependency_scanning: 0, container_scanning: 0 };
    for (const f of open) expected[gitlabReportType({ kind: f.kind as 'sast', package: f.package })]++;
    expect(written.sast.vulnerabilities).toHaveLength(expected.sast);
    expect(written.dependency_scanning.vulnerabilities).toHaveLength(expected.dependency_scanning);
    expect(written.container_scanning.vulnerabilities).toHaveLength(expected.container_scanning);
    expect(expected.sast).toBeGreaterThan(0);
    // grype.sarif names no package (SARIF has no place for one): its findings are SAST findings on the jar file.
    expect(written.sast.vulnerabilities.some((v) => v.identifiers[0]?.type === 'grype_rule_id' && v.location.file?.endsWith('.jar'))).toBe(
      true,
    );
    const bySeverity = (docs: SecurityReport[]) =>
      docs
        .flatMap((d) => d.vulnerabilities)
        .map((v) => v.severity)
        .sort();
    expect(bySeverity(Object.values(written))).toEqual(
      open.map((f) => gitlabSeverity(f.severity, ['critical', 'high', 'medium', 'low', 'info'].indexOf(f.severity))).sort(),
    );
    // Ids are stable: the same run writes the same ids.
    await cli(['check', '--environment', 'production', ...ALL('again'), 'reports/']);
    expect(read('again/sast.json').vulnerabilities.map((v) => v.id)).toEqual(written.sast.vulnerabilities.map((v) => v.id));
  });

  it('a SAST finding keeps its file and line, its rule as the primary identifier, and its CWE', async () => {
    await cli(['check', '--gitlab-sast', 's/sast.json', 'reports/semgrep.sarif']);
    const doc = read('s/sast.json');
    expect(schemaErrors('sast', doc)).toEqual([]);
    expect(doc.vulnerabilities.length).toBeGreaterThan(0);
    for (const v of doc.vulnerabilities) {
      expect(v.identifiers[0]?.type).toMatch(/^semgrep_[a-z_]*rule_id$/);
      expect(v.location.file).toMatch(/^[^/]/);
      expect(v.location.start_line).toBeGreaterThanOrEqual(1);
    }
    expect(doc.vulnerabilities.some((v) => v.identifiers.some((i) => i.type === 'cwe' && /^\d+$/.test(i.value)))).toBe(true);
  });

  it("a report type that was not requested is named: a warning on stderr and in the written reports' scan.messages", async () => {
    mkdirSync(join(ws, 'w-in'), { recursive: true });
    copyFileSync('examples/semgrep.sarif', join(ws, 'w-in/semgrep.sarif'));
    copyFileSync('__fixtures__/corpus/defectdojo/osv_scanner/some_findings.json', join(ws, 'w-in/osv.json'));
    const r = await cli(['check', '--gitlab-sast', 'w/sast.json', 'w-in']);
    expect(r.stderr).toMatch(
      /warning: \d+ open finding\(s\) belong in a GitLab dependency_scanning report, which was not requested: they are in no GitLab security report \(add --gitlab-dependency-scanning FILE\)/,
    );
    const doc = read('w/sast.json');
    expect(schemaErrors('sast', doc)).toEqual([]);
    expect(doc.scan.messages?.some((m) => m.level === 'warn' && /--gitlab-(dependency|container)-scanning FILE/.test(m.value))).toBe(true);
  });

  it('an input that could not be read makes scan.status "failure" with the file in a fatal message; the report stays valid', async () => {
    writeFileSync(join(ws, 'broken.sarif'), '{"version": "2.1.0", "runs": [');
    const r = await cli(['check', ...ALL('b'), 'reports/semgrep.sarif', 'broken.sarif']);
    expect(r.code).toBe(2);
    const doc = read('b/sast.json');
    expect(schemaErrors('sast', doc)).toEqual([]);
    expect(doc.scan.status).toBe('failure');
    expect(doc.scan.messages?.find((m) => m.level === 'fatal')?.value).toMatch(/^broken\.sarif/);
    expect(doc.vulnerabilities.length).toBeGreaterThan(0); // what was read is still reported
  });

  it('stay valid on hostile scanner text (control characters, lone surrogates, markup, huge titles, bad URLs)', async () => {
    const nasty = `x</a>]]><!-- & "q" \u0001\u0008\u001b[31m \ud800 <script> ${'long '.repeat(200)}`;
    const sarif = {
      version: '2.1.0',
      runs: [
        {
          tool: {
            driver: {
              name: `T${nasty}`,
              rules: [
                {
                  id: `r1${nasty}`,
                  helpUri: 'javascript:alert(1)',
                  properties: { 'security-severity': '9.8', tags: ['CWE-79', 'external/cwe/cwe-abc'] },
                },
              ],
            },
          },
          results: [
            {
              ruleId: `r1${nasty}`,
              level: 'error',
              message: { text: nasty },
              locations: [{ physicalLocation: { artifactLocation: { uri: 'src/a<b>.js' }, region: { startLine: 3, endLine: 1 } } }],
            },
          ],
        },
      ],
    };
    writeFileSync(join(ws, 'nasty.sarif'), JSON.stringify(sarif));
    await cli(['check', '--gitlab-sast', 'n/sast.json', 'nasty.sarif']);
    const doc = read('n/sast.json');
    expect(schemaErrors('sast', doc)).toEqual([]);
    const v = doc.vulnerabilities[0] as Vuln;
    expect(v.name.length).toBeLessThanOrEqual(255);
    expect(v.name).not.toMatch(/[\u0001\u0008\u001b]/);
    expect(v.identifiers.every((i) => i.url === undefined || /^https:\/\//.test(i.url))).toBe(true);
    expect(v.location).toEqual({ file: 'src/a<b>.js', start_line: 3 });
  });

  it('a passing run writes reports with no vulnerabilities', async () => {
    writeFileSync(join(ws, 'empty.sarif'), JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [] }] }));
    const r = await cli(['check', ...ALL('p'), 'empty.sarif']);
    expect(r.code).toBe(0);
    for (const [type, f] of [
      ['sast', 'p/sast.json'],
      ['dependency_scanning', 'p/ds.json'],
      ['container_scanning', 'p/cs.json'],
    ] as const) {
      const doc = read(f);
      expect(schemaErrors(type, doc)).toEqual([]);
      expect(doc.vulnerabilities).toEqual([]);
    }
  });

  it('two reports on one path, or a directory, are usage errors before the run', async () => {
    mkdirSync(join(ws, 'adir'), { recursive: true });
    expect((await cli(['check', '--gitlab-sast', 'adir', 'reports/'])).stderr).toMatch(/--gitlab-sast: cannot write "adir"/);
    const same = await cli(['check', '--gitlab-sast', 'x.json', '--gitlab-dependency-scanning', 'x.json', 'reports/']);
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/--gitlab-dependency-scanning and --gitlab-sast name the same file "x.json"/);
  });
});

describe('GitLab security reports on real scanner outputs (corpus)', () => {
  const corpus = '__fixtures__/corpus/defectdojo';
  const cases: { files: string[]; type: GitLabReportType }[] = [
    { files: ['trivy/scheme_2_many_vulns.json', 'anchore_grype/check_all_fields.json'], type: 'container_scanning' },
    {
      files: [
        'npm_audit_7_plus/many_vulns.json',
        'osv_scanner/some_findings.json',
        'gitlab_dep_scan/gl-dependency-scanning-report-many-vuln_v15.json',
      ],
      type: 'dependency_scanning',
    },
    {
      files: ['checkov/checkov-report-many-vuln.json', 'gitleaks/gitleaks8_many.json', 'gitlab_sast/gl-sast-report-many-vuln_v15.json'],
      type: 'sast',
    },
  ];

  for (const { files, type } of cases) {
    it(`${files.map((f) => basename(f)).join(', ')}: every open finding in the ${type} report, valid`, async () => {
      const dir = `corpus-${type}`;
      mkdirSync(join(ws, dir), { recursive: true });
      for (const f of files) copyFileSync(join(corpus, f), join(ws, dir, basename(f)));
      const r = await cli(['check', '--format', 'json', ...ALL(`${dir}-out`), dir]);
      expect(r.stderr).not.toMatch(/Run 'defect-gate --help'/);
      const report = JSON.parse(r.stdout) as JsonReport;
      const doc = read(`${dir}-out/${type === 'sast' ? 'sast' : type === 'dependency_scanning' ? 'ds' : 'cs'}.json`);
      expect(schemaErrors(type, doc)).toEqual([]);
      expect(doc.vulnerabilities.length).toBeGreaterThan(0);
      expect(doc.vulnerabilities).toHaveLength(openFindings(report).length);
      for (const v of doc.vulnerabilities) {
        if (type === 'sast') continue;
        expect(v.location.dependency?.package.name).toBeTruthy();
        if (type === 'container_scanning') expect(v.location.image).toBeTruthy();
      }
      if (type === 'container_scanning') {
        // Trivy's target `teamdojo:latest (alpine 3.9.4)`: the image and its operating system; the CVE is the primary identifier.
        const bz = doc.vulnerabilities.find((v) => v.location.dependency?.package.name === 'libbz2');
        expect(bz?.location).toMatchObject({
          image: 'teamdojo:latest',
          operating_system: 'alpine 3.9.4',
          dependency: { version: '1.0.6-r6' },
        });
        expect(bz?.identifiers[0]).toEqual({
          type: 'cve',
          name: 'CVE-2019-12900',
          value: 'CVE-2019-12900',
          url: 'https://nvd.nist.gov/vuln/detail/CVE-2019-12900',
        });
        expect(bz?.solution).toBe('Upgrade libbz2 to 1.0.6-r7.');
      }
    });
  }

  it('a written report reads back into defect-gate with the same findings and severities (GitLab format parser)', async () => {
    mkdirSync(join(ws, 'rt'), { recursive: true });
    copyFileSync(join(corpus, 'trivy/scheme_2_many_vulns.json'), join(ws, 'rt/trivy.json'));
    copyFileSync('examples/semgrep.sarif', join(ws, 'rt/semgrep.sarif'));
    const first = JSON.parse((await cli(['check', '--format', 'json', ...ALL('rt-out'), 'rt'])).stdout) as JsonReport;
    const back = JSON.parse((await cli(['check', '--format', 'json', 'rt-out/sast.json', 'rt-out/cs.json'])).stdout) as JsonReport;
    const sev = (r: JsonReport) =>
      openFindings(r)
        .map((f) => f.severity)
        .sort();
    expect(openFindings(back)).toHaveLength(openFindings(first).length);
    expect(sev(back)).toEqual(sev(first));
  });
});

describe('severity mapping', () => {
  it("by the level's name when GitLab has it, else by rank; never Unknown", () => {
    expect(['critical', 'high', 'medium', 'low', 'info'].map((l, i) => gitlabSeverity(l, i))).toEqual([
      'Critical',
      'High',
      'Medium',
      'Low',
      'Info',
    ]);
    expect(['p1', 'p2', 'p3', 'p4', 'p5', 'p6'].map((l, i) => gitlabSeverity(l, i))).toEqual([
      'Critical',
      'High',
      'Medium',
      'Low',
      'Info',
      'Info',
    ]);
    expect(['blocker', 'critical', 'high', 'low'].map((l, i) => gitlabSeverity(l, i))).toEqual(['Critical', 'Critical', 'High', 'Low']);
    expect(gitlabSeverity('HIGH', 3)).toBe('High');
  });
});
