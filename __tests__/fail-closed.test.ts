import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestText } from '../src/ingest/index';
import { ingestSarifFile } from '../src/io/file-bytes';
import { cutNote, findDuplicateKey, MAX_STRING } from '../src/ingest/json';
import { runEngine } from '../src/engine';
import { incompleteScanAction, type Policy } from '../src/policy/compile';
import { BASE_POLICY, policyFrom } from './helpers';
import { cutLongBytes } from '../src/check';

/**
 * Issue #14, "fail closed everywhere", in the scanner parsers: whatever may hide a finding is an input error with a
 * position, never a silent zero.
 */

const EDGE = '__fixtures__/edge/fail-closed';
const WS = '/home/runner/work/app/app';
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dg-fail-closed-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** Reads `text` whole and by streaming (tiny chunks); both must agree. */
function both(text: string, chunkSize = 7) {
  const path = join(dir, `f${n++}.sarif`);
  writeFileSync(path, text);
  const ctx = { file: 'in.sarif', workspace: WS };
  const mem = ingestText(text, ctx);
  const streamed = ingestSarifFile(path, ctx, undefined, { chunkSize });
  expect(streamed.errors).toEqual(mem.errors);
  expect(streamed.findings).toEqual(mem.findings);
  return mem;
}

const fixture = (name: string) => readFileSync(join(EDGE, name), 'utf8');

describe('duplicate JSON keys', () => {
  it('a second "results" in a SARIF run is a fatal error at its JSON path and position, read whole or streamed', () => {
    const r = both(fixture('duplicate-results.sarif'));
    expect(r.findings).toEqual([]);
    expect(r.errors).toEqual([
      expect.objectContaining({
        severity: 'fatal',
        jsonPath: '$.runs[0].results',
        line: 10,
        column: 7,
        message: expect.stringContaining('duplicate key "results"'),
      }),
    ]);
  });

  it('a second "runs", and keys repeated inside a result or written with escapes, are caught the same way', () => {
    const cases: [string, string][] = [
      ['{"version":"2.1.0","runs":[],"runs":[{"tool":{"driver":{"name":"T"}},"results":[]}]}', '$.runs'],
      [
        '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T"}},"results":[{"ruleId":"a","properties":{"x":[{},"s"],"security-severity":"1","security-severity":"9.8"}}]}]}',
        '$.runs[0].results[0].properties.security-severity',
      ],
      [
        '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T"}},"results":[{"ruleId":"a","\\u0072uleId":"b"}]}]}',
        '$.runs[0].results[0].ruleId',
      ],
      ['{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T","name":"U"}},"results":[]}]}', '$.runs[0].tool.driver.name'],
      ['{"version":"2.1.0","version":"2.1.0","runs":[]}', '$.version'],
    ];
    for (const [text, jsonPath] of cases) {
      for (const chunk of [5, 1 << 20])
        expect(both(text, chunk).errors).toEqual([expect.objectContaining({ severity: 'fatal', jsonPath })]);
    }
  });

  it('native formats too: a second "Vulnerabilities" in a Trivy result', () => {
    const r = ingestText(fixture('duplicate-trivy.json'), { file: 'trivy.json' });
    expect(r.findings).toEqual([]);
    expect(r.errors).toEqual([
      expect.objectContaining({ severity: 'fatal', jsonPath: '$.Results[0].Vulnerabilities', line: 8, column: 7 }),
    ]);
  });

  it('equal keys in different objects, and keys that only look alike, are fine', () => {
    expect(findDuplicateKey('{"a":{"a":1},"b":[{"a":1},{"a":2}],"A":1,"a\\"":2}')).toBeUndefined();
    expect(findDuplicateKey('[{}, "x", {"k":1,"k":2}]')).toEqual({ offset: 17, path: '$[2].k', key: 'k' });
    // Objects with many keys are checked with a Set.
    const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]));
    const text = JSON.stringify(many);
    expect(findDuplicateKey(text)).toBeUndefined();
    expect(findDuplicateKey(`${text.slice(0, -1)},"k17":0}`)?.path).toBe('$.k17');
  });
});

describe('scanner runs that did not complete (SARIF)', () => {
  const tool = { driver: { name: 'T' } };
  const log = (run: object) => JSON.stringify({ version: '2.1.0', runs: [run, { tool: { driver: { name: 'Clean' } }, results: [] }] });

  it('a run without "results", or with "results": null, is "scan incomplete" for that run; [] is a clean run', () => {
    for (const [run, what] of [
      [{ tool }, 'no "results"'],
      [{ tool, results: null }, '"results": null'],
    ] as const) {
      const r = both(log(run));
      expect(r.errors).toEqual([
        expect.objectContaining({
          severity: 'partial',
          jsonPath: '$.runs[0].results',
          message: expect.stringContaining(`scan incomplete: the T run has ${what}`),
        }),
      ]);
      // The tool did not run as far as the gate and the ledger are concerned (it fixes nothing); the clean run did.
      expect(r.tools).toEqual([{ name: 'Clean' }]);
    }
    expect(both(log({ tool, results: [] })).errors).toEqual([]);
  });

  it('executionSuccessful false (or not a boolean, or missing) is "scan incomplete", even with results', () => {
    const result = { ruleId: 'r', message: { text: 'm' } };
    for (const inv of [
      { executionSuccessful: false, exitCode: 2, exitCodeDescription: 'out of memory' },
      { executionSuccessful: 'true' },
      {},
    ]) {
      const r = both(log({ tool, invocations: [inv], results: [result] }));
      expect(r.findings).toHaveLength(1);
      expect(r.errors).toEqual([
        expect.objectContaining({
          severity: 'partial',
          jsonPath: '$.runs[0].invocations[0].executionSuccessful',
          incompleteScan: { tool: 'T' },
        }),
      ]);
    }
    expect(
      both(log({ tool, invocations: [{ executionSuccessful: false, exitCode: 2, exitCodeDescription: 'out of memory' }], results: [] }))
        .errors[0]?.message,
    ).toBe(
      'scan incomplete: T says its run did not complete (executionSuccessful is false, exit code 2: "out of memory"): findings may be missing',
    );
  });

  it('error-level toolExecutionNotifications of a successful run are a scanner warning with their count', () => {
    const r = ingestText(readFileSync('__fixtures__/corpus/defectdojo/sarif/appendix_k.sarif', 'utf8'), { file: 'k.sarif' });
    expect(r.errors).toEqual([
      expect.objectContaining({
        severity: 'scanner',
        jsonPath: '$.runs[0].invocations[0].toolExecutionNotifications',
        message: expect.stringMatching(/^CodeScanner reported 1 error\(s\) while scanning \(first: "Exception evaluating rule \\"C2001\\"/),
      }),
    ]);
  });

  const spotbugs = () =>
    ingestText(readFileSync('__fixtures__/corpus/defectdojo/sarif/spotbugs.sarif', 'utf8'), { file: 'spotbugs.sarif' });
  const run = (policy: Policy) =>
    runEngine({ files: [spotbugs()], policy, environment: 'default', onInputError: 'fail', now: new Date('2026-11-25T12:00:00Z') });

  it('the corpus SpotBugs log (executionSuccessful false, 56 results) fails the gate by default', () => {
    const res = run(policyFrom(BASE_POLICY));
    expect(res.findings).toHaveLength(56);
    expect(res.errors).toEqual([expect.objectContaining({ severity: 'partial', incompleteScan: { tool: 'SpotBugs' } })]);
    expect(res.verdict.status).toBe('fail');
    expect(res.verdict.reasons).toEqual([expect.stringMatching(/^failed: 1 input file could not be read completely/)]);
  });

  it('incomplete-scans: {SpotBugs: warn} accepts its partial results with a warning (tool names case-insensitive)', () => {
    const res = run(policyFrom(`${BASE_POLICY}incomplete-scans: {default: fail, spotbugs: warn}\n`));
    expect(res.findings).toHaveLength(56);
    expect(res.errors).toEqual([
      expect.objectContaining({ severity: 'scanner', message: expect.stringContaining('accepted as a warning: incomplete-scans') }),
    ]);
    expect(res.verdict.status).toBe('warn');
    // Other tools keep the default; tool names are looked up in a Map (no Object.prototype members).
    const p = policyFrom(`${BASE_POLICY}incomplete-scans: {Other: warn}\n`);
    expect(run(p).verdict.status).toBe('fail');
    expect(incompleteScanAction(p.incompleteScans, 'constructor')).toBe('fail');
    expect(incompleteScanAction(p.incompleteScans, '__proto__')).toBe('fail');
    expect(
      incompleteScanAction(policyFrom(`${BASE_POLICY}incomplete-scans: {default: warn, SpotBugs: fail}\n`).incompleteScans, 'toString'),
    ).toBe('warn');
  });
});

describe('native reports whose findings container is missing', () => {
  const read = (name: string) => ingestText(fixture(name), { file: name });
  const where = (name: string) => read(name).errors.map((e) => [e.severity, e.jsonPath, e.message]);

  it('Trivy: an image report without Results is incomplete (a clean image lists its OS target); a filesystem one is clean', () => {
    expect(where('trivy-image-no-results.json')).toEqual([
      ['partial', '$.Results', expect.stringMatching(/^scan incomplete: the container_image report has no Results/)],
    ]);
    // Trivy writes Results with omitempty: a filesystem scan that found no target to scan has none.
    expect(read('trivy-fs-no-results.json')).toMatchObject({ format: 'trivy', errors: [], findings: [] });
    const nul = ingestText('{"SchemaVersion":2,"ArtifactName":".","ArtifactType":"filesystem","Results":null}', { file: 't.json' });
    expect(nul.errors).toEqual([expect.objectContaining({ severity: 'partial', jsonPath: '$.Results' })]);
  });

  it('Trivy: an unknown SchemaVersion warns while its Results are read, and is an error when they are not there', () => {
    const r = read('trivy-schema-3.json');
    expect(r.findings).toHaveLength(1);
    expect(where('trivy-schema-3.json')).toEqual([
      ['scanner', '$.SchemaVersion', 'Trivy report SchemaVersion 3 is not known (expected 2): read as version 2'],
    ]);
    // (`Findings` is not a member of a Trivy image report: named as unknown, besides the missing Results.)
    expect(where('trivy-schema-3-renamed.json').map((e) => e[0])).toEqual(['partial', 'partial', 'partial']);
  });

  it('Checkov: results without failed_checks, and a summary that counts failures it does not list, are errors', () => {
    expect(where('checkov-no-failed-checks.json')).toEqual([
      ['partial', '$.results.failed_checks', 'missing: a Checkov report lists its failed checks in results.failed_checks'],
    ]);
    expect(where('checkov-summary-failed.json')).toEqual([
      ['partial', '$.results', 'missing: the summary counts 3 failed check(s) but the report lists none'],
    ]);
    // The summary Checkov writes when it found no file to check is a clean report (corpus checkov2-report-0-vuln.json).
    expect(
      ingestText(readFileSync('__fixtures__/corpus/defectdojo/checkov/checkov2-report-0-vuln.json', 'utf8'), { file: 'c.json' }).errors,
    ).toEqual([]);
  });

  it('ZAP: a site without alerts is an error, in JSON and XML (an empty <alerts></alerts> is a clean site)', () => {
    expect(where('zap-site-no-alerts.json')).toEqual([['partial', '$.site[0].alerts', 'missing: a ZAP site lists its findings in alerts']]);
    expect(where('zap-site-no-alerts.xml')).toEqual([
      ['partial', '/OWASPZAPReport/site[0]/alerts', 'missing: a ZAP site lists its findings in <alerts>'],
    ]);
    expect(ingestText(readFileSync('__fixtures__/corpus/defectdojo/zap/empty_2.9.0.xml', 'utf8'), { file: 'z.xml' }).errors).toEqual([]);
  });

  it('Snyk: a project without vulnerabilities (and without an error) is an error', () => {
    expect(where('snyk-project-no-vulnerabilities.json')).toEqual([
      ['partial', '$[1].vulnerabilities', 'missing: a Snyk project lists its findings in vulnerabilities'],
    ]);
  });

  it('Dependency-Check XML: a report without <dependencies> is an error (<dependencies/> is a clean one)', () => {
    expect(where('dependency-check-no-dependencies.xml')).toEqual([
      ['partial', '/analysis/dependencies', 'missing: a Dependency-Check report lists what it scanned in <dependencies>'],
    ]);
    expect(
      ingestText(readFileSync('__fixtures__/corpus/defectdojo/dependency_check/dc_empty.xml', 'utf8'), { file: 'd.xml' }).errors,
    ).toEqual([]);
  });

  it('GitLab: scan.status "failure" is an incomplete scan of that analyzer, which the policy may accept', () => {
    const r = read('gitlab-scan-failed.json');
    expect(r.errors).toEqual([
      expect.objectContaining({
        severity: 'partial',
        jsonPath: '$.scan.status',
        incompleteScan: { tool: 'Semgrep' },
        message: 'scan incomplete: Semgrep reports scan status "failure" ("analyzer ran out of memory"): findings may be missing',
      }),
    ]);
    const policy = policyFrom(`${BASE_POLICY}incomplete-scans: {semgrep: warn}\n`);
    expect(
      runEngine({ files: [r], policy, environment: 'default', onInputError: 'fail', now: new Date('2026-11-25T12:00:00Z') }).verdict.status,
    ).toBe('warn');
  });

  it('formats that must list their findings (also when the format is forced): Grype, Bandit, Semgrep, OSV-Scanner, Gitleaks', () => {
    // Forced, a report without its findings list is fatal: either the format's own "missing" error, or (where detection
    // needs the list) the forced format does not fit the content. Never 0 findings and a pass.
    const cases: [string, string, RegExp][] = [
      [
        '{"source":{"type":"image"},"descriptor":{"name":"grype"}}',
        'grype',
        /missing: a Grype report lists its findings in matches|forced as grype, but the content is not Grype JSON/,
      ],
      [
        '{"errors":[],"metrics":{},"generated_at":"2026-12-01T00:00:00Z"}',
        'bandit',
        /missing: a Bandit report lists its findings in results|forced as bandit, but the content is not Bandit JSON/,
      ],
      [
        '{"errors":[],"version":"1.90.0"}',
        'semgrep',
        /missing: a Semgrep report lists its findings in results|forced as semgrep, but the content is not Semgrep JSON/,
      ],
      [
        '{"results":[{"source":{"path":"package-lock.json","type":"lockfile"}}]}',
        'osv-scanner',
        /missing: an OSV-Scanner source lists its vulnerable packages in packages|forced as osv-scanner, but the content is not OSV-Scanner JSON/,
      ],
      ['null', 'gitleaks', /expected an array, found null: a Gitleaks report is a JSON array of leaks \(\[\] when none\)/],
    ];
    for (const [text, format, message] of cases) {
      const errors = ingestText(text, { file: 'x.json' }, format).errors;
      expect(errors.map((e) => e.severity)).toEqual(['fatal']);
      expect(errors[0]?.message).toMatch(message);
    }
  });
});

describe('scores that are not numbers from 0 to 10', () => {
  it('SARIF security-severity "99", "9,8", 1e400, "-9.8" are errors at their JSON path, read whole or streamed', () => {
    const r = both(fixture('scores.sarif'));
    expect(r.errors.map((e) => [e.severity, e.jsonPath, e.message])).toEqual([
      ['partial', '$.runs[0].tool.driver.rules[0].properties.security-severity', 'expected a score from 0 to 10, found "99"'],
      ['partial', '$.runs[0].tool.driver.rules[1].properties.security-severity', 'expected a score from 0 to 10, found "9,8"'],
      ['partial', '$.runs[0].results[0].properties.security-severity', 'expected a score from 0 to 10, found a number out of range'],
      ['partial', '$.runs[0].results[1].properties.security-severity', 'expected a score from 0 to 10, found "-9.8"'],
    ]);
    // A severity word where the score should be (Semgrep OSS SARIF) is read as the scanner's severity word.
    expect(r.findings[2]).toMatchObject({ ruleId: 'r-word', scannerSeverity: 'critical', securitySeverity: undefined });
    expect(r.findings[3]?.securitySeverity).toBe(9.8);
  });

  it('results that are not objects, locations that are not an array, a message that is not an object: errors at their JSON path', () => {
    const text = JSON.stringify({
      version: '2.1.0',
      runs: [
        {
          tool: { driver: { name: 't' } },
          results: [7, { ruleId: 'r', locations: {}, message: 'm' }, { ruleId: 'r', message: { text: 'ok' } }],
        },
      ],
    });
    const r = both(text);
    expect(r.errors.map((e) => [e.severity, e.jsonPath, e.message])).toEqual([
      ['partial', '$.runs[0].results[0]', 'expected a result object, found a number'],
      ['partial', '$.runs[0].results[1].locations', 'expected an array of locations, found an object'],
      ['partial', '$.runs[0].results[1].message', 'expected a message object, found a string'],
    ]);
    expect(r.findings.map((f) => f.source.pointer)).toEqual(['$.runs[0].results[1]', '$.runs[0].results[2]']);
  });

  it('native CVSS scores out of range are errors at their JSON path, in every format that carries scores', () => {
    const errs = (text: string, format: string) => ingestText(text, { file: 'x' }, format).errors.map((e) => [e.jsonPath, e.message]);
    const trivy =
      '{"SchemaVersion":2,"ArtifactName":"a","ArtifactType":"container_image","Results":[{"Target":"t","Class":"os-pkgs","Type":"debian","Vulnerabilities":[{"VulnerabilityID":"CVE-2024-1","PkgName":"p","InstalledVersion":"1","CVSS":{"nvd":{"V3Score":"99","V3Vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}}]}]}';
    expect(errs(trivy, 'trivy')).toEqual([
      ['$.Results[0].Vulnerabilities[0].CVSS.nvd.V3Score', 'expected a score from 0 to 10, found "99"'],
    ]);
    const grype =
      '{"matches":[{"vulnerability":{"id":"CVE-2024-1","cvss":[{"version":"3.1","vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","metrics":{"baseScore":-9.8}}]},"artifact":{"name":"p","version":"1"}}],"source":{"type":"image"},"descriptor":{"name":"grype"}}';
    expect(errs(grype, 'grype')).toEqual([
      ['$.matches[0].vulnerability.cvss[0].metrics.baseScore', 'expected a score from 0 to 10, found -9.8'],
    ]);
    const npm =
      '{"auditReportVersion":2,"vulnerabilities":{"lodash":{"name":"lodash","severity":"critical","via":[{"source":1,"name":"lodash","title":"t","url":"https://github.com/advisories/GHSA-xxxx-xxxx-xxxx","severity":"critical","range":"<4","cvss":{"score":"9,8","vectorString":null}}]}}}';
    expect(errs(npm, 'npm-audit')).toEqual([['$.vulnerabilities.lodash.via[0].cvss.score', 'expected a score from 0 to 10, found "9,8"']]);
    const snyk =
      '{"ok":false,"packageManager":"npm","vulnerabilities":[{"id":"SNYK-JS-X-1","packageName":"x","version":"1","severity":"high","cvssScore":1e400}]}';
    expect(errs(snyk, 'snyk')).toEqual([['$.vulnerabilities[0].cvssScore', 'expected a score from 0 to 10, found a number out of range']]);
    const semgrep =
      '{"results":[{"check_id":"r","path":"a.py","start":{"line":1},"end":{"line":1},"extra":{"message":"m","severity":"ERROR","metadata":{"security-severity":"-9.8"}}}],"errors":[]}';
    expect(errs(semgrep, 'semgrep')).toEqual([
      ['$.results[0].extra.metadata.security-severity', 'expected a score from 0 to 10, found "-9.8"'],
    ]);
    const osv =
      '{"results":[{"source":{"path":"package-lock.json","type":"lockfile"},"packages":[{"package":{"name":"x","version":"1","ecosystem":"npm"},"vulnerabilities":[{"id":"GHSA-aaaa-bbbb-cccc"}],"groups":[{"ids":["GHSA-aaaa-bbbb-cccc"],"max_severity":"11"}]}]}]}';
    expect(errs(osv, 'osv-scanner')).toEqual([
      ['$.results[0].packages[0].groups[0].max_severity', 'expected a score from 0 to 10, found "11"'],
    ]);
    const dc =
      '<?xml version="1.0"?><analysis><scanInfo><engineVersion>8</engineVersion></scanInfo><dependencies><dependency><fileName>a.jar</fileName><vulnerabilities><vulnerability><name>CVE-2024-1</name><severity>HIGH</severity><cvssV3><baseScore>98</baseScore></cvssV3></vulnerability></vulnerabilities></dependency></dependencies></analysis>';
    expect(errs(dc, 'dependency-check-xml')).toEqual([
      [
        '/analysis/dependencies/dependency[0]/vulnerabilities/vulnerability[0]/cvssV3/baseScore',
        'expected a score from 0 to 10, found "98"',
      ],
    ]);
  });
});

describe('XML errors name line and column', () => {
  it('a ZAP report cut off in the middle: the end of the file, and the elements left open', () => {
    const full = readFileSync('__fixtures__/corpus/defectdojo/zap/empty_2.9.0.xml', 'utf8');
    const cut = full.slice(0, full.indexOf('<alerts>') + '<alerts>'.length);
    const r = ingestText(cut, { file: 'zap.xml' });
    expect(r.errors).toEqual([
      expect.objectContaining({
        severity: 'fatal',
        line: 2,
        column: 77,
        message:
          'not well-formed XML: the document ends before the closing tag of <alerts> (elements still open: <OWASPZAPReport>, <site>, <alerts>)',
      }),
    ]);
  });

  it('a wrong closing tag and a repeated attribute: where they are', () => {
    expect(ingestText('<?xml version="1.0"?>\n<analysis>\n  <dependencies>x</dependency>\n</analysis>', { file: 'dc.xml' }).errors).toEqual(
      [expect.objectContaining({ line: 3, column: 18, message: expect.stringContaining("Expected closing tag 'dependencies'") })],
    );
    expect(
      ingestText('<OWASPZAPReport version="2.9.0">\n<site name="a" name="b"><alerts></alerts></site></OWASPZAPReport>', { file: 'z.xml' })
        .errors,
    ).toEqual([expect.objectContaining({ line: 2, column: 16, message: "not well-formed XML: Attribute 'name' is repeated." })]);
  });
});

describe('long scanner strings', () => {
  const sarif = (message: string, snippet = 'x') =>
    JSON.stringify({
      version: '2.1.0',
      runs: [
        {
          tool: { driver: { name: 'T' } },
          results: [
            {
              ruleId: 'r',
              message: { text: message },
              locations: [
                { physicalLocation: { artifactLocation: { uri: 'a.js' }, region: { startLine: 1, snippet: { text: snippet } } } },
              ],
            },
          ],
        },
      ],
    });

  it(`are cut at ${MAX_STRING} characters with a note of how many were left out, read whole or streamed`, () => {
    const long = 'A'.repeat(MAX_STRING + 1000);
    const r = both(sarif(long, `${'é'.repeat(MAX_STRING)}tail\n${'😀'.repeat(500)}`), 1 << 12);
    expect(r.errors).toEqual([]);
    expect(r.findings[0]?.message).toBe(`${'A'.repeat(MAX_STRING)}${cutNote(1000)}`);
    expect(r.findings[0]?.snippet).toBe(`${'é'.repeat(MAX_STRING)}${cutNote(5 + 1000)}`);
    // Strings up to the limit (and a little beyond) are kept whole.
    expect(both(sarif('B'.repeat(MAX_STRING + 10))).findings[0]?.message).toHaveLength(MAX_STRING + 10);
  });

  it('never splits an escape or a surrogate pair, counts what escapes stand for, and never hides a syntax error', () => {
    for (const pad of [0, 1, 2, 3, 4, 5, 6]) {
      const text = `${'a'.repeat(MAX_STRING - pad)}${'\n\u0001😀"\\'.repeat(40)}`;
      const r = both(sarif(text), 1 << 12);
      const m = r.findings[0]?.message ?? '';
      const kept = m.slice(0, m.indexOf('… [cut: '));
      expect(text.startsWith(kept)).toBe(true);
      expect(Number(/\[cut: (\d+) characters\]$/.exec(m)?.[1])).toBe(text.length - kept.length);
    }
    // A raw line break in the part that would be cut is still invalid JSON.
    const bad = sarif(`${'a'.repeat(MAX_STRING + 100)}`).replace('aaaa"}', 'aa\naa"}');
    expect(ingestText(bad, { file: 'b.sarif' }).errors).toEqual([
      expect.objectContaining({ severity: 'fatal', message: expect.stringContaining('control character') }),
    ]);
  });

  it('files read whole are cut on their bytes, before decoding: the same findings as cutting the text (JSON), and XML text too', () => {
    const trivy = (d: string) =>
      `{"SchemaVersion":2,"ArtifactName":"a","ArtifactType":"container_image","Results":[{"Target":"t","Class":"os-pkgs","Type":"debian","Vulnerabilities":[{"VulnerabilityID":"CVE-2024-1","PkgName":"p","InstalledVersion":"1","Severity":"HIGH","Title":"t","Description":"${d}"}]}]}`;
    const doc = trivy(`${'é'.repeat(MAX_STRING - 1)}\\u00e9${'€'.repeat(MAX_STRING * 2)}`);
    const bytes = Buffer.from(doc, 'utf8');
    const cut = cutLongBytes(bytes);
    expect(cut !== undefined && cut.length < MAX_STRING + 500).toBe(true);
    expect(ingestText(cut as string, { file: 't.json' })).toEqual(ingestText(doc, { file: 't.json' }));
    // Nothing long: nothing to cut (the text is decoded as it is).
    expect(cutLongBytes(Buffer.from(trivy('short')))).toBeUndefined();
    // ZAP XML: character data longer than MAX_STRING is cut with the same note, never inside an entity.
    const zap = (desc: string) =>
      `<?xml version="1.0"?>\n<OWASPZAPReport version="2.14.0"><site name="http://x" host="x" port="80" ssl="false"><alerts><alertitem><pluginid>10020</pluginid><alertRef>10020</alertRef><alert>X-Frame</alert><name>X-Frame</name><riskcode>2</riskcode><confidence>2</confidence><riskdesc>Medium (Medium)</riskdesc><desc>${desc}</desc><instances><instance><uri>http://x/</uri><method>GET</method></instance></instances><count>1</count><solution>s</solution><cweid>1021</cweid><wascid>15</wascid><sourceid>1</sourceid></alertitem></alerts></site></OWASPZAPReport>\n`;
    const xml = cutLongBytes(Buffer.from(zap(`${'d'.repeat(MAX_STRING - 2)}&amp;${'e'.repeat(MAX_STRING)}`)));
    expect(xml).toBe(zap(`${'d'.repeat(MAX_STRING - 2)}${cutNote(5 + MAX_STRING)}`));
    const r = ingestText(xml as string, { file: 'z.xml' });
    expect(r.errors).toEqual([]);
    expect(JSON.stringify(r.findings)).toContain(cutNote(5 + MAX_STRING));
  });

  it('in native formats too (a Trivy description)', () => {
    const doc = `{"SchemaVersion":2,"ArtifactName":"a","ArtifactType":"container_image","Results":[{"Target":"t","Class":"os-pkgs","Type":"debian","Vulnerabilities":[{"VulnerabilityID":"CVE-2024-1","PkgName":"p","InstalledVersion":"1","Severity":"HIGH","Description":"${'D'.repeat(MAX_STRING * 3)}"}]}]}`;
    const r = ingestText(doc, { file: 't.json' });
    expect(r.findings[0]?.message).toContain(cutNote(MAX_STRING * 2));
    expect(r.findings[0]?.message.length).toBeLessThan(MAX_STRING + 500);
  });
});
