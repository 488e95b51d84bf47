import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestText } from '../src/ingest/index';
import { parseCsv } from '../src/ingest/csv';
import { cvssVectorProblem } from '../src/ingest/formats/findings-schema';
import { defectDojoJsonParser, readDate } from '../src/ingest/formats/defectdojo';
import { findingsParser } from '../src/ingest/formats/findings';
import { expectClaimsExactly, parsedCorpus } from './support/corpus';
import { formatInputError } from '../src/model';
import { runCli } from '../src/cli';
import { runEngine } from '../src/engine';
import { emptyBook } from '../src/ledger/schema';
import { computeMetrics } from '../src/metrics/compute';
import { buildReport } from '../src/report/json';
import { defaultPolicy, policyFrom } from './helpers';

const M = '__fixtures__/manual';
const GENERIC = '__fixtures__/corpus/defectdojo/generic';
const read = (file: string) => ingestText(readFileSync(file, 'utf8'), { file });
const errorsOf = (text: string, file = 'f.yml') => ingestText(text, { file }).errors.map(formatInputError);

const HEAD = 'kind: defect-gate/findings\nversion: 1\nsource: pentest\nfindings:\n';

describe('manual findings file (kind: defect-gate/findings)', () => {
  it('reads the pentest report: 12 findings, id as fingerprint, reported-on as first detection, fixed ones marked', () => {
    const r = read(`${M}/pentest-2026-q4.yml`);
    expect(r.format).toBe('findings');
    expect(r.errors.filter((e) => e.severity !== 'scanner')).toEqual([]);
    expect(r.findings).toHaveLength(12);
    expect(r.tools).toEqual([{ name: 'pentest' }]);
    const idor = r.findings.find((f) => f.fingerprint === 'PT-2026-001');
    expect(idor).toMatchObject({
      ruleId: 'PT-2026-001',
      kind: 'pentest',
      tool: { name: 'pentest' },
      component: 'orders',
      location: 'component orders',
      cwe: ['CWE-639'],
      scannerSeverity: 'critical',
      cvss: { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N' },
      firstDetected: '2026-11-02T00:00:00.000Z',
      reportedBy: 'Acme Security',
      helpUri: 'https://tracker.example/SEC-88',
      source: { file: `${M}/pentest-2026-q4.yml`, format: 'findings', pointer: '$.findings[0]' },
    });
    expect(r.findings.find((f) => f.fingerprint === 'PT-2026-002')).toMatchObject({
      path: 'services/admin/reports.py',
      startLine: 88,
      cvss: { version: '4.0' },
    });
    expect(r.findings.find((f) => f.fingerprint === 'PT-2026-007')?.owaspRisk).toMatchObject({ skillLevel: 6, lossOfAccountability: 7 });
    expect(r.findings.filter((f) => f.fixed).map((f) => [f.fingerprint, f.fixed?.on])).toEqual([
      ['PT-2026-004', '2026-11-20T00:00:00.000Z'],
      ['PT-2026-006', '2026-11-05T00:00:00.000Z'],
      ['PT-2026-010', '2026-11-25T00:00:00.000Z'],
    ]);
    // PT-2026-011 has only a CVSS vector: one warning for the file says it falls back to severity.default.
    expect(r.errors.map((e) => [e.severity, e.message])).toEqual([
      ['scanner', expect.stringContaining('1 finding(s) are rated only by a CVSS vector')],
    ]);
  });

  it('the fingerprint is the id: editing the title keeps it', () => {
    const a = ingestText(`${HEAD}  - {id: X-1, title: One, reported-on: 2026-01-02, severity: high, component: web}\n`, { file: 'a.yml' });
    const b = ingestText(`${HEAD}  - {id: X-1, title: 'One, reworded', reported-on: 2026-01-02, severity: high, component: web}\n`, {
      file: 'b.yml',
    });
    expect(a.findings[0]?.fingerprint).toBe('X-1');
    expect(b.findings[0]?.fingerprint).toBe('X-1');
  });

  it('reads the threat model export (JSON): source threat-model', () => {
    const r = read(`${M}/threat-model-payments.json`);
    expect(r.format).toBe('findings');
    expect(r.findings.map((f) => [f.fingerprint, f.kind, f.tool.name])).toEqual([
      ['TM-PAY-01', 'threat-model', 'threat-model'],
      ['TM-PAY-02', 'threat-model', 'threat-model'],
      ['TM-PAY-03', 'threat-model', 'threat-model'],
    ]);
  });

  it('every error is at its line and column, and a bad finding costs only itself', () => {
    const text = [
      HEAD.trimEnd(),
      '  - id: A-1', // no rating, no location
      '    title: no rating',
      '    reported-on: 2026-01-02',
      '  - id: A-2',
      '    title: bad date and unknown key',
      '    reported-on: 2026-02-30',
      '    severity: high',
      '    component: web',
      '    colour: red',
      '  - id: A-3',
      '    title: fixed without fixed-on',
      '    reported-on: 2026-01-02',
      '    severity: high',
      '    component: web',
      '    status: fixed',
      '  - id: A-4',
      '    title: fine',
      '    reported-on: 2026-01-02',
      '    severity: high',
      '    path: src/a.ts',
      '  - id: A-4',
      '    title: same id',
      '    reported-on: 2026-01-02',
      '    severity: low',
      '    component: web',
      '  - id: A-5',
      '    title: bad vector, bad OWASP factor, line without path',
      '    reported-on: 2026-01-02',
      '    cvss: "CVSS:3.1/AV:N/AC:L"',
      '    owasp-risk: {skill-level: 10}',
      '    component: web',
      '    line: 3',
      '  - id: A-6',
      '    title: fixed before reported',
      '    reported-on: 2026-03-02',
      '    severity: low',
      '    component: web',
      '    status: fixed',
      '    fixed-on: 2026-03-01',
      '',
    ].join('\n');
    const r = ingestText(text, { file: 'f.yml' });
    expect(r.findings.map((f) => f.fingerprint)).toEqual(['A-4']);
    const errs = r.errors.map(formatInputError);
    expect(errs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^f\.yml:5:5: finding A-1 has no rating: give `cvss`/),
        expect.stringMatching(/^f\.yml:5:5: finding A-1 has no location/),
        expect.stringMatching(/^f\.yml:10:18: a real calendar date/),
        expect.stringMatching(/^f\.yml:13:5: unknown key "colour": a finding has id, title/),
        expect.stringMatching(/^f\.yml:19:5: `status: fixed` needs `fixed-on`/),
        expect.stringMatching(/^f\.yml:25:9: id A-4 is already used by findings\[3\]/),
        expect.stringMatching(/^f\.yml:33:11: the CVSS 3\.1 base metrics PR, UI, S, C, I, A are missing/),
        expect.stringMatching(/^f\.yml:34:31: Too big: expected number to be <=9/),
        expect.stringMatching(/^f\.yml:34:17: missing required key "motive"/),
        expect.stringMatching(/^f\.yml:43:15: `fixed-on` 2026-03-01 is before `reported-on` 2026-03-02/),
      ]),
    );
    // Checks across keys run on findings that pass the schema.
    expect(errorsOf(`${HEAD}  - {id: L-1, title: t, reported-on: 2026-01-02, severity: low, component: web, line: 3}\n`)).toEqual([
      expect.stringMatching(/^f\.yml:5:81: `line` needs `path`/),
    ]);
    expect(r.errors.every((e) => e.severity === 'partial')).toBe(true);
  });

  it('a wrong top level, a YAML syntax error, a duplicate key, an alias bomb and __proto__ are fatal, at their position', () => {
    expect(errorsOf('kind: defect-gate/findings\nversion: 2\nfindings: []\n')).toEqual([
      'f.yml:2:10: Invalid input: expected 1 (the file was not read: correct it (docs/manual-findings.md has the format))',
    ]);
    expect(errorsOf('kind: defect-gate/findings\nversion: 1\n')).toEqual([
      expect.stringMatching(/^f\.yml:1:1: missing required key "findings"/),
    ]);
    expect(errorsOf('kind: defect-gate/findings\nversion: 1\nversion: 1\nfindings: []\n')).toEqual([
      expect.stringMatching(/^f\.yml:3:1: duplicate key/),
    ]);
    expect(errorsOf('kind: defect-gate/findings\nversion: 1\nfindings: [\n')).toEqual([
      expect.stringMatching(/^f\.yml:\d+:\d+: YAML syntax error/),
    ]);
    expect(errorsOf(`kind: defect-gate/findings\nversion: 1\n__proto__: {}\nfindings: []\n`)).toEqual([
      expect.stringMatching(/^f\.yml:3:1: a key named "__proto__" is not allowed/),
    ]);
    const bomb = [
      'kind: defect-gate/findings',
      'version: 1',
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...Array.from(
        { length: 8 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
            .fill(`*${String.fromCharCode(97 + i)}`)
            .join(', ')}]`,
      ),
      'findings: []',
      '',
    ].join('\n');
    expect(errorsOf(bomb)).toEqual([expect.stringMatching(/YAML aliases expand too much/)]);
    // JSON files of the format get positions too.
    expect(
      errorsOf(
        '{"kind": "defect-gate/findings", "version": 1, "source": "pentest",\n "findings": [{"id": "J-1", "title": "t", "reported-on": "2026-1-2", "severity": "high", "component": "web"}]}',
        'f.json',
      ),
    ).toEqual([expect.stringMatching(/^f\.json:2:58: a date as YYYY-MM-DD/)]);
  });

  it('YAML that is not a findings file is still an unrecognized input, with a hint', () => {
    const r = ingestText('kind: something-else\nfindings: []\n', { file: 'x.yml' });
    expect(r.format).toBeUndefined();
    expect(r.errors[0]?.hint).toContain('only defect-gate findings files');
  });

  it('validates CVSS vectors of each version', () => {
    expect(cvssVectorProblem('CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N')).toBeUndefined();
    expect(cvssVectorProblem('CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N/E:P/RL:O')).toBeUndefined();
    expect(cvssVectorProblem('CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N')).toBeUndefined();
    expect(cvssVectorProblem('CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:Q')).toContain('metric A cannot be "Q"');
    expect(cvssVectorProblem('CVSS:3.1/AV:N/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N')).toContain('given twice');
    expect(cvssVectorProblem('CVSS:4.0/AV:N/AC:L/PR:L/UI:N/C:H/I:H/A:N')).toBe('unknown CVSS 4.0 metric "C"');
    expect(cvssVectorProblem('CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:N')).toBe('the CVSS 4.0 base metrics SC, SI, SA are missing');
    expect(cvssVectorProblem('AV:N/AC:L/Au:N/C:P/I:P/A:P')).toContain('expected a CVSS 3.0, 3.1 or 4.0 vector');
  });
});

describe('CSV reader', () => {
  it('reads quotes, doubled quotes, embedded newlines, CRLF, a BOM and empty fields', () => {
    const r = parseCsv('\uFEFFa,b,c\r\n"x, ""y""\r\nz",,3\r\n\r\n1,2,\r\n');
    expect(r).toEqual({
      ok: true,
      value: {
        syntax: 'csv',
        header: ['a', 'b', 'c'],
        records: [
          { line: 2, cells: ['x, "y"\nz', '', '3'] },
          { line: 5, cells: ['1', '2', ''] },
        ],
      },
    });
  });
  it('malformed quoting is an error at its line and column', () => {
    expect(parseCsv('a,b\n1,"2')).toMatchObject({ ok: false, line: 2, column: 3 });
    expect(parseCsv('a,b\n1,"2"x\n')).toMatchObject({ ok: false, line: 2, column: 6 });
    expect(parseCsv('a,b\n1,2"\n')).toMatchObject({ ok: false, line: 2, column: 4 });
  });
});

describe('DefectDojo Generic Findings Import', () => {
  it('detection claims exactly the generic JSON files of the corpus, and the findings format none', () => {
    expectClaimsExactly(defectDojoJsonParser.detect, (file) => file.includes('/defectdojo/generic/'));
    expect(parsedCorpus().filter(({ doc }) => findingsParser.detect(doc))).toEqual([]);
  });

  it('reads every DefectDojo sample (JSON and CSV); the broken ones are errors, never silent zeros', () => {
    const files = readdirSync(GENERIC).filter((f) => /\.(json|csv)$/.test(f));
    expect(files.length).toBeGreaterThan(25);
    const outcome = Object.fromEntries(
      files.map((f) => {
        const r = read(`${GENERIC}/${f}`);
        return [f, `${r.format ?? 'unread'} ${r.findings.length} ${r.errors.filter((e) => e.severity !== 'scanner').length}`];
      }),
    );
    expect(outcome).toMatchObject({
      'generic_report1.json': 'defectdojo 2 0',
      'generic_report3.json': 'defectdojo 4 0',
      'generic_report1.csv': 'defectdojo-csv 5 0',
      'generic_report3.csv': 'defectdojo-csv 2 0',
      'generic_csv_defect_dojo.csv': 'defectdojo-csv 4 0',
      'test_import_report1.json': 'defectdojo 4 0',
      // DefectDojo refuses these too: a finding without its required fields, unknown keys, a CSV quote never closed.
      'generic_empty.json': 'defectdojo 0 1',
      'generic_invalid.json': 'defectdojo 1 2',
      'generic_report_kev_cvssv4.csv': 'unread 0 1',
      // No severity: an error per finding, each kept (rated by severity.default).
      'generic_report4.csv': 'defectdojo-csv 4 4',
    });
    expect(read(`${GENERIC}/generic_report_kev_cvssv4.csv`).errors.map(formatInputError)[0]).toMatch(
      /generic_report_kev_cvssv4\.csv:2:222: not well-formed CSV: a quoted field opened here never ends/,
    );
  });

  it('maps the fields: fingerprint from unique_id_from_tool, dates, mitigated → fixed, false_p → suppressed, scores', () => {
    const r = read(`${M}/defectdojo-pentest.json`);
    expect(r.format).toBe('defectdojo');
    expect(r.tools).toEqual([{ name: 'Mobile Pentest' }]);
    const [pin, keys, logs, shot] = r.findings;
    expect(pin).toMatchObject({
      fingerprintSource: 'defectdojo:unique_id_from_tool',
      scannerSeverity: 'high',
      cwe: ['CWE-295'],
      firstDetected: '2026-09-12T00:00:00.000Z',
      tags: ['verified'],
      helpUri: expect.stringContaining('mas.owasp.org'),
    });
    expect(keys).toMatchObject({
      path: 'android/app/src/main/res/values/strings.xml',
      startLine: 12,
      kind: 'sast',
      fixed: { on: '2026-09-30T00:00:00.000Z' },
    });
    expect(logs).toMatchObject({ firstDetected: '2026-09-14T00:00:00.000Z', cvss: { version: '3.1', score: 6.2 } });
    expect(shot?.suppressions).toEqual([{ kind: 'external', status: 'accepted', justification: 'DefectDojo: false positive' }]);
    // Same unique id, edited title: same fingerprint.
    const edited = ingestText(
      readFileSync(`${M}/defectdojo-pentest.json`, 'utf8').replace('Certificate pinning can be bypassed', 'Pinning bypass'),
      { file: 'x.json' },
    );
    expect(edited.findings[0]?.fingerprint).toBe(pin?.fingerprint);
  });

  it('reads the CSV with CRLF and quoted multi-line fields; duplicates are suppressed, ambiguous dates warned', () => {
    const r = read(`${M}/defectdojo-webapp.csv`);
    expect(r.format).toBe('defectdojo-csv');
    expect(r.findings).toHaveLength(4);
    expect(r.findings[0]).toMatchObject({
      message: 'The page can be framed by any origin:\nno X-Frame-Options, no frame-ancestors.',
      location: 'https://app.example.com/settings',
      kind: 'dast',
      cwe: ['CWE-1021'],
    });
    expect(r.findings[1]?.fixed).toEqual({ on: '2026-10-09T00:00:00.000Z' });
    expect(r.findings[3]?.suppressions[0]?.justification).toBe('DefectDojo: duplicate');
    expect(r.errors.map((e) => [e.severity, e.message])).toEqual([
      ['scanner', expect.stringContaining('1 date(s) such as the one at line 5 column Date read as either mm/dd/yyyy or dd/mm/yyyy')],
    ]);
    expect(r.findings[2]?.firstDetected).toBe('2026-02-10T00:00:00.000Z');
  });

  it('reads dates as DefectDojo does, the earlier reading when ambiguous', () => {
    expect(readDate('01/30/2018')).toEqual({ iso: '2018-01-30T00:00:00.000Z' });
    expect(readDate('28/02/2021')).toEqual({ iso: '2021-02-28T00:00:00.000Z' });
    expect(readDate('02/03/2021')).toEqual({ iso: '2021-02-03T00:00:00.000Z', ambiguous: true });
    expect(readDate('2024-01-24T11:02:11Z')).toEqual({ iso: '2024-01-24T11:02:11.000Z' });
    expect(readDate('31/31/2021').problem).toContain('expected a date');
  });
});

describe('manual findings through the engine and the ledger', () => {
  const now = new Date('2026-12-01T12:00:00Z');
  it('first seen = reported-on, SLA from reported-on, fixed ones closed on fixed-on and not gated, coverage counts the activities', () => {
    const files = [read(`${M}/pentest-2026-q4.yml`), read(`${M}/threat-model-payments.json`)];
    const r = runEngine({ files, policy: defaultPolicy(), environment: 'production', onInputError: 'fail', now, ledger: emptyBook() });
    const idor = r.findings.find((f) => f.fingerprint === 'PT-2026-001');
    expect(idor).toMatchObject({
      severity: 'critical',
      gated: true,
      firstSeen: '2026-11-02T00:00:00.000Z',
      sla: { start: '2026-11-02T00:00:00.000Z', state: 'breached' },
    });
    const fixedOne = r.findings.find((f) => f.fingerprint === 'PT-2026-004');
    expect(fixedOne).toMatchObject({ gated: false, notGatedReason: 'fixed on 2026-11-20, as its input file says' });
    const entry = r.nextLedger.entries['PT-2026-004'];
    expect(entry).toMatchObject({
      state: 'fixed',
      firstSeen: '2026-11-03T00:00:00.000Z',
      fixedAt: '2026-11-20T00:00:00.000Z',
      gated: true,
      kind: 'pentest',
    });
    // A vector without a score: scored from the vector (src/rate/cvss.ts), and the explanation says so.
    expect(r.findings.find((f) => f.fingerprint === 'PT-2026-011')?.explanation[0]?.detail).toBe(
      'CVSS 3.1 base score 5.3 computed from CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N: 5.3 >= 4.0',
    );
    // A component-only finding gets the policy component by name.
    // Metrics: MTTR of the fixed ones, coverage of the two activities.
    const m = computeMetrics(r.nextLedger, { now, levels: r.levels, sla: r.sla, since: new Date('2026-10-01T00:00:00Z') });
    expect(m.coverage.activities).toEqual(['sast', 'sca', 'secret', 'iac', 'dast', 'pentest', 'threat-model']);
    expect(m.coverage.repository.pentest).toEqual(['pentest']);
    expect(m.coverage.missing).not.toContain('pentest');

    // A later run without the threat model fixes nothing of it; the pentest file edited to fix PT-2026-001 closes it.
    const edited = readFileSync(`${M}/pentest-2026-q4.yml`, 'utf8').replace(
      '    references: [https://tracker.example/SEC-88]\n',
      '    references: [https://tracker.example/SEC-88]\n    status: fixed\n    fixed-on: 2026-12-03\n',
    );
    const later = new Date('2026-12-05T00:00:00Z');
    const r2 = runEngine({
      files: [ingestText(edited, { file: 'p.yml' })],
      policy: defaultPolicy(),
      environment: 'production',
      onInputError: 'fail',
      now: later,
      ledger: r.nextLedger,
    });
    expect(r2.nextLedger.entries['TM-PAY-01']?.state).toBe('open');
    expect(r2.fixed.map((f) => [f.fingerprint, f.fixedAt])).toEqual([['PT-2026-001', '2026-12-03T00:00:00.000Z']]);
    expect(r2.nextLedger.entries['PT-2026-001']).toMatchObject({ state: 'fixed', firstSeen: '2026-11-02T00:00:00.000Z', reopenedCount: 0 });
  });
});

describe('CLI check on manual findings with a file ledger and --now', () => {
  let ws: string;
  beforeAll(() => {
    ws = mkdtempSync(join(tmpdir(), 'dg-manual-'));
    for (const f of ['pentest-2026-q4.yml', 'threat-model-payments.json', 'defectdojo-pentest.json', 'defectdojo-webapp.csv'])
      copyFileSync(`${M}/${f}`, join(ws, f));
    writeFileSync(join(ws, 'policy.yml'), readFileSync('policies/default.yml', 'utf8').replace(/^components:.*$/m, '$&'));
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
      now: () => new Date('2026-12-01T00:00:00Z'),
    });
    return { code, stdout, stderr };
  }

  it('rates, tracks and gates every format; SLA clocks start at reported-on; fixed ones are closed', async () => {
    const r = await cli([
      'check',
      '--format',
      'json',
      '--policy',
      'policy.yml',
      '--ledger',
      'file:.dg/ledger.json',
      '--now',
      '2026-12-01',
      'pentest-2026-q4.yml',
      'threat-model-payments.json',
      'defectdojo-pentest.json',
      'defectdojo-webapp.csv',
    ]);
    expect(r.stderr).toBe('ledger file:.dg/ledger.json (scope default) updated\n');
    const report = JSON.parse(r.stdout) as {
      inputs: { file: string; format: string; findings: number }[];
      findings: { fingerprint: string; firstSeen?: string; slaDue?: string; gated: boolean; severity: string }[];
      verdict: { status: string };
    };
    expect(report.inputs.map((i) => [i.file, i.format, i.findings])).toEqual([
      ['pentest-2026-q4.yml', 'findings', 12],
      ['threat-model-payments.json', 'findings', 3],
      ['defectdojo-pentest.json', 'defectdojo', 4],
      ['defectdojo-webapp.csv', 'defectdojo-csv', 4],
    ]);
    const sqli = report.findings.find((f) => f.fingerprint === 'PT-2026-002');
    expect(sqli).toMatchObject({
      severity: 'high',
      firstSeen: '2026-11-02T00:00:00.000Z',
      slaDue: '2026-12-02T00:00:00.000Z',
      slaReason: 'first seen 2026-11-02 + 30 days (high)',
    });
    expect(report.verdict.status).toBe('fail');
    expect(r.code).toBe(1);
    const ledger = JSON.parse(readFileSync(join(ws, '.dg/ledger.json'), 'utf8')) as {
      books: { default: { entries: Record<string, { state: string; fixedAt?: string }> } };
    };
    const entries = ledger.books.default.entries;
    expect(entries['PT-2026-006']).toMatchObject({ state: 'fixed', fixedAt: '2026-11-05T00:00:00.000Z' });
    expect(entries['TM-PAY-02']).toMatchObject({ state: 'fixed', fixedAt: '2026-10-30T00:00:00.000Z' });
  });
});

describe('manual findings in the JSON report', () => {
  it('carries reported-by, fixed-on, OWASP factors, references and the CVSS vector; passwords in links are redacted', () => {
    const text = readFileSync(`${M}/pentest-2026-q4.yml`, 'utf8').replace(
      'https://tracker.example/SEC-88',
      'https://bot:hunter2secret@tracker.example/SEC-88',
    );
    const r = runEngine({
      files: [ingestText(text, { file: 'p.yml' })],
      policy: defaultPolicy(),
      environment: 'production',
      onInputError: 'fail',
      now: new Date('2026-12-01T00:00:00Z'),
    });
    const report = buildReport(r, 'default');
    expect(report.findings.find((f) => f.fingerprint === 'PT-2026-007')).toMatchObject({
      reportedBy: 'Acme Security',
      owaspRisk: { skillLevel: 6 },
    });
    expect(report.findings.find((f) => f.fingerprint === 'PT-2026-004')).toMatchObject({
      fixedOn: '2026-11-20T00:00:00.000Z',
      gated: false,
    });
    const idor = report.findings.find((f) => f.fingerprint === 'PT-2026-001');
    expect(idor?.scanner.cvss).toEqual({ version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N' });
    expect(JSON.stringify(report)).not.toContain('hunter2secret');
    expect(idor?.references?.[0]).toMatch(/^https:\/\/bot:\[REDACTED/);
  });
});

describe('manual findings in policies: rules, components, exceptions, gates', () => {
  it('rules match kind and tool, components match by name, exceptions by id, gates count them', () => {
    const policy = policyFrom(`version: 1
severity:
  levels: [critical, high, medium, low]
  from-scanner: {critical: critical, high: high, medium: medium, low: low}
  default: medium
  rules:
    - {name: Pentest findings are confirmed, when: {kind: pentest, cwe: 639}, raise: 1}
components:
  - {name: accounts, paths: ["services/accounts/**"], owner: "@acme/identity", criticality: high}
criticality: {high: {raise: 1}}
gates:
  production:
    - {name: No critical pentest findings, severity: critical, tool: pentest, max: 0}
exceptions:
  max-days: {critical: 30, high: 90, medium: 180, low: 365}
  entries:
    - {id: EX-PT-3, type: accepted-risk, match: {fingerprint: PT-2026-003}, reason: Cookie set by the legacy SSO, approved-by: security-team, approved-on: 2026-11-10, expires: 2026-12-31}
`);
    const r = runEngine({
      files: [read(`${M}/pentest-2026-q4.yml`)],
      policy,
      environment: 'production',
      onInputError: 'fail',
      now: new Date('2026-12-01T00:00:00Z'),
    });
    const byId = (id: string) => r.findings.find((f) => f.fingerprint === id);
    expect(byId('PT-2026-001')?.explanation.map((s) => s.detail)).toEqual([
      'scanner severity "critical"',
      'rule "Pentest findings are confirmed" (matched, no change)',
    ]);
    // OWASP Risk Rating (likelihood 7.125 HIGH × technical impact 4 MEDIUM = HIGH), raised one level on a high-criticality component.
    expect(byId('PT-2026-007')).toMatchObject({
      component: 'accounts',
      criticality: 'high',
      owners: ['@acme/identity'],
      severity: 'critical',
    });
    expect(byId('PT-2026-003')?.exception).toMatchObject({ id: 'EX-PT-3', state: 'active' });
    expect(r.verdict.status).toBe('fail');
    expect(r.verdict.blocking.sort()).toEqual(['PT-2026-001', 'PT-2026-007', 'PT-2026-008']);
  });
});
