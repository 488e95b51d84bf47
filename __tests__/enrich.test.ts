import { describe, expect, it, beforeAll, afterAll } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseKev } from '../src/enrich/kev';
import { parseEpss } from '../src/enrich/epss';
import { enrich } from '../src/enrich/apply';
import { loadEnrichment } from '../src/io/enrichment';
import { runEngine } from '../src/engine';
import { runCheck } from '../src/check';
import { runCli } from '../src/cli';
import { emptyBook } from '../src/ledger/schema';
import { silentLogger } from '../src/logger';
import { formatInputError } from '../src/model';
import { defaultPolicy, finding } from './helpers';

const DIR = '__fixtures__/enrich';
const KEV = `${DIR}/known_exploited_vulnerabilities.json`;
const EPSS = `${DIR}/epss_scores-2026-11-24.csv`;
const read = (p: string) => readFileSync(p, 'utf8');

describe('CISA KEV catalog', () => {
  it('parses the catalog by CVE id', () => {
    const { catalog, errors } = parseKev(read(KEV), KEV);
    expect(errors).toEqual([]);
    expect(catalog.catalogVersion).toBe('2026.11.24');
    expect(catalog.entries.size).toBe(5);
    expect(catalog.entries.get('CVE-2021-44228')).toEqual({ dateAdded: '2021-12-10', dueDate: '2021-12-24', ransomware: true });
    expect(catalog.entries.get('CVE-2022-22965')?.ransomware).toBe(false);
  });

  it('names the file and the JSON path of bad entries', () => {
    const { errors } = parseKev(read(`${DIR}/kev-bad.json`), 'kev.json');
    expect(errors.map(formatInputError)).toEqual([
      expect.stringMatching(/^kev\.json at \$\.vulnerabilities\[1\]\.cveID: expected a CVE id such as "CVE-2021-44228", found "Log4Shell"/),
      expect.stringMatching(/^kev\.json at \$\.vulnerabilities\[2\]\.dueDate: expected a date as YYYY-MM-DD, found "April 25"/),
    ]);
    expect(errors.every((e) => e.severity === 'fatal')).toBe(true);
  });

  it('reports syntax errors with line and column, and wrong shapes with a path', () => {
    const syntax = parseKev('{\n  "vulnerabilities": [\n    {"cveID": "CVE-2021-44228",}\n  ]\n}', 'k.json').errors;
    expect(syntax).toHaveLength(1);
    expect(syntax[0]).toMatchObject({ file: 'k.json', line: 3, severity: 'fatal' });
    expect(parseKev('', 'k.json').errors[0]?.message).toMatch(/empty/);
    expect(parseKev('[]', 'k.json').errors[0]).toMatchObject({ jsonPath: '$', message: expect.stringMatching(/an array/) });
    expect(parseKev('{"title": "x"}', 'k.json').errors[0]).toMatchObject({
      jsonPath: '$.vulnerabilities',
      message: expect.stringMatching(/missing/),
    });
    expect(parseKev('{"vulnerabilities": [null, 3]}', 'k.json').errors.map((e) => e.jsonPath)).toEqual([
      '$.vulnerabilities[0]',
      '$.vulnerabilities[1]',
    ]);
  });
});

describe('EPSS CSV', () => {
  it('parses the comment line, header and rows', () => {
    const { scores, errors } = parseEpss(read(EPSS), EPSS);
    expect(errors).toEqual([]);
    expect(scores.modelVersion).toBe('v2025.03.14');
    expect(scores.scoreDate).toBe('2026-11-24T00:00:00+0000');
    expect(scores.entries.size).toBe(13);
    expect(scores.entries.get('CVE-2021-44228')).toEqual({ epss: 0.94358, percentile: 0.99953 });
  });

  it('tolerates a BOM, CRLF, blank lines, quoted cells and columns in another order', () => {
    const crlf = parseEpss(read(`${DIR}/epss-crlf-bom.csv`), 'e.csv');
    expect(crlf.errors).toEqual([]);
    expect(crlf.scores.entries.size).toBe(13);
    const reordered = parseEpss('percentile,cve,epss\n\n"0.5","cve-2020-0001","0.01"\n', 'e.csv');
    expect(reordered.errors).toEqual([]);
    expect(reordered.scores.entries.get('CVE-2020-0001')).toEqual({ epss: 0.01, percentile: 0.5 });
    expect(parseEpss('cve,epss\nCVE-2020-0001,1e-4\n', 'e.csv').scores.entries.get('CVE-2020-0001')).toEqual({ epss: 0.0001 });
  });

  it('names the file, line and column of bad rows', () => {
    const { errors } = parseEpss(read(`${DIR}/epss-bad.csv`), 'epss.csv');
    expect(errors.map(formatInputError)).toEqual([
      expect.stringMatching(/^epss\.csv:4:16: expected an EPSS probability between 0 and 1, found "high"/),
      expect.stringMatching(/^epss\.csv:5:1: expected a CVE id such as "CVE-2021-44228", found "not-a-cve"/),
    ]);
    expect(parseEpss('cve,epss,percentile\nCVE-2020-0001,1.5,0.3\n', 'e.csv').errors[0]).toMatchObject({ line: 2, column: 15 });
    expect(parseEpss('cve,epss,percentile\nCVE-2020-0001,0.5\n', 'e.csv').errors[0]?.message).toMatch(/expected 3 columns, found 2/);
    expect(parseEpss('id;score\n', 'e.csv').errors[0]?.message).toMatch(/header line "cve,epss,percentile"/);
    expect(parseEpss('#model_version:v1\n', 'e.csv').errors[0]?.message).toMatch(/empty or only comments/);
    expect(parseEpss('\u001f\u008b\u0008\u0000', 'e.csv').errors[0]?.message).toMatch(/binary/);
  });
});

describe('enrich', () => {
  const kev = parseKev(read(KEV), KEV).catalog;
  const epss = parseEpss(read(EPSS), EPSS).scores;

  it('sets KEV and EPSS by CVE id, aliases and case aside, without changing the input', () => {
    const f = finding({ kind: 'sca', cve: ['GHSA-jfh8-c2jp-5v3q', 'cve-2021-44228'] });
    const [out] = enrich([f], { kev, epss });
    expect(out?.exploit).toEqual({
      kev: true,
      kevDateAdded: '2021-12-10',
      kevDueDate: '2021-12-24',
      epss: 0.94358,
      epssPercentile: 0.99953,
    });
    expect(f.exploit).toBeUndefined();
  });

  it('the files win where they have the CVE; the scanner stays where they do not', () => {
    const scanner = { kev: true, kevDueDate: '2030-01-01', epss: 0.5, epssPercentile: 0.9 };
    const [listed] = enrich([finding({ cve: ['CVE-2021-44228'], exploit: { ...scanner } })], { kev, epss });
    expect(listed?.exploit).toMatchObject({ kev: true, kevDueDate: '2021-12-24', epss: 0.94358, epssPercentile: 0.99953 });
    const unlisted = finding({ cve: ['CVE-2099-0001'], exploit: { ...scanner } });
    expect(enrich([unlisted], { kev, epss })[0]).toBe(unlisted);
    const noCve = finding({ cve: [] });
    expect(enrich([noCve], { kev, epss })[0]).toBe(noCve);
  });

  it('with several CVEs: the earliest KEV due date and the highest EPSS', () => {
    const [out] = enrich([finding({ cve: ['CVE-2021-45046', 'CVE-2021-44228', 'CVE-2022-24999'] })], { kev, epss });
    expect(out?.exploit?.kevDueDate).toBe('2021-12-24');
    expect(out?.exploit?.epss).toBe(0.94358);
  });

  it('is applied before rating, and the KEV due date caps the SLA', () => {
    const f = finding({ kind: 'sca', cve: ['CVE-2021-45046'], scannerSeverity: 'medium', level: undefined, fingerprint: 'log4j' });
    const base = {
      files: [{ file: 'x.json', findings: [f], tools: [{ name: 'CodeQL' }], errors: [] }],
      policy: defaultPolicy(),
      environment: 'production',
      onInputError: 'fail' as const,
      now: new Date('2023-05-10T00:00:00Z'),
      ledger: emptyBook(),
    };
    const plain = runEngine(base);
    expect(plain.findings[0]?.severity).toBe('medium');
    const enriched = runEngine({ ...base, enrichment: { kev, epss } });
    const r = enriched.findings[0];
    expect(r?.severity).toBe('critical');
    expect(r?.explanation.map((s) => s.detail)).toContain('rule "Known exploited vulnerability"');
    expect(r?.sla?.due.slice(0, 10)).toBe('2023-05-17');
    const late = runEngine({ ...base, now: new Date('2023-05-20T00:00:00Z'), enrichment: { kev, epss } }).findings[0];
    expect(late?.sla?.reason).toMatch(/KEV/);
    expect(late?.sla?.due.slice(0, 10)).toBe('2023-05-22');
  });
});

describe('enrichment files in runCheck and the CLI', () => {
  let ws: string;
  beforeAll(() => {
    ws = mkdtempSync(join(tmpdir(), 'dg-enrich-'));
    mkdirSync(join(ws, 'data'));
    copyFileSync(`${DIR}/trivy-app.json`, join(ws, 'trivy.json'));
    copyFileSync(KEV, join(ws, 'data/kev.json'));
    copyFileSync(`${DIR}/epss_scores-2026-11-24.csv.gz`, join(ws, 'data/epss.csv.gz'));
    writeFileSync(join(ws, 'data/broken.json'), '{"vulnerabilities": [');
  });
  afterAll(() => rmSync(ws, { recursive: true, force: true }));
  const now = new Date('2026-11-25T12:00:00Z');

  it('loads a gzipped EPSS file and reports what it used', async () => {
    const r = await loadEnrichment({ kevFile: 'data/kev.json', epssFile: 'data/epss.csv.gz' }, ws);
    expect(r.errors).toEqual([]);
    expect(r.enrichment?.epss?.entries.size).toBe(13);
    expect(r.notes).toEqual([
      'data/kev.json: CISA KEV catalog 2026.11.24, 5 CVEs',
      'data/epss.csv.gz: EPSS scores (model v2025.03.14, 2026-11-24), 13 CVEs',
    ]);
  });

  it('rates with the enrichment', async () => {
    const { result } = await runCheck(
      {
        files: ['trivy.json'],
        onInputError: 'fail',
        workspace: ws,
        kevFile: 'data/kev.json',
        epssFile: 'data/epss.csv.gz',
        environment: 'production',
      },
      now,
      silentLogger,
    );
    const log4j = result.findings.find((f) => f.cve.includes('CVE-2021-45046'));
    expect(log4j?.severity).toBe('critical');
    expect(log4j?.exploit).toMatchObject({ kev: true, epss: 0.94255 });
    expect(result.errors).toEqual([]);
  });

  it('fails closed on a missing or broken enrichment file', async () => {
    const missing = await runCheck(
      { files: ['trivy.json'], onInputError: 'fail', workspace: ws, kevFile: 'data/nope.json' },
      now,
      silentLogger,
    );
    expect(missing.result.errors).toEqual([
      expect.objectContaining({
        file: 'data/nope.json',
        severity: 'fatal',
        message: expect.stringMatching(/cannot read the CISA KEV catalog: file not found/),
      }),
    ]);
    expect(missing.result.verdict.inputErrors.blocking).toBe(true);
    expect(missing.result.verdict.status).toBe('fail');
    const broken = await runCheck(
      { files: ['trivy.json'], onInputError: 'warn', workspace: ws, kevFile: 'data/broken.json', epssFile: 'data/kev.json' },
      now,
      silentLogger,
    );
    expect(broken.result.errors.map((e) => e.file).sort()).toEqual(['data/broken.json', 'data/kev.json']);
    expect(broken.result.verdict.inputErrors.blocking).toBe(false);
  });

  async function cli(args: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, {
      stdout: (s) => (stdout += s),
      stderr: (s) => (stderr += s),
      cwd: ws,
      env: {},
      isTTY: false,
      now: () => now,
    });
    return { code, stdout, stderr };
  }

  it('check --kev --epss', async () => {
    const plain = await cli(['check', '--format', 'json', '--environment', 'production', 'trivy.json']);
    const enriched = await cli([
      'check',
      '--format',
      'json',
      '--environment',
      'production',
      '--kev',
      'data/kev.json',
      '--epss',
      'data/epss.csv.gz',
      'trivy.json',
    ]);
    const sev = (out: string) =>
      (JSON.parse(out) as { findings: { ruleId: string; severity: string }[] }).findings.find((f) => f.ruleId === 'CVE-2021-45046')
        ?.severity;
    expect(sev(plain.stdout)).toBe('medium');
    expect(sev(enriched.stdout)).toBe('critical');
    const bad = await cli(['check', '--kev', 'data/broken.json', 'trivy.json']);
    expect(bad.code).toBe(2);
    expect(bad.stdout + bad.stderr).toMatch(/data\/broken\.json:1:\d+: not valid JSON/);
  });
});
