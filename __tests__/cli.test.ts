import { describe, expect, it, beforeAll, afterAll } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helpText, runCli } from '../src/cli';
import { ReportSchema } from '../src/report/schema';

const CORPUS = '__fixtures__/corpus/defectdojo';
let ws: string;

beforeAll(() => {
  ws = mkdtempSync(join(tmpdir(), 'dg-cli-'));
  mkdirSync(join(ws, 'results'));
  copyFileSync(`${CORPUS}/sarif/codeQL-output.sarif`, join(ws, 'results/codeql.sarif'));
  copyFileSync(`${CORPUS}/sarif/cxf-3.4.6.sarif`, join(ws, 'results/grype.sarif'));
  copyFileSync(`${CORPUS}/trivy/scheme_2_many_vulns.json`, join(ws, 'results/trivy.json'));
  writeFileSync(join(ws, 'broken.sarif'), '{"version": "2.1.0",\n "runs": [\n');
  writeFileSync(
    join(ws, 'lenient.yml'),
    'version: 1\nseverity:\n  levels: [high, low]\n  from-level: {error: high, warning: low, note: low, none: low}\ngates:\n  default:\n    - {name: No high, severity: high, max: 1000}\n',
  );
  writeFileSync(
    join(ws, 'bad-policy.yml'),
    'version: 1\nseverity:\n  levels: [high, low]\ngates:\n  default:\n    - {name: X, severity: ">= critical"}\n',
  );
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

describe('defect-gate CLI', () => {
  it('--help documents every flag', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const flag of [
      '--policy',
      '--environment',
      '--on-input-error',
      '--report',
      '--sarif-output',
      '--format',
      '--input-format',
      '--workspace',
      '--no-color',
      '--help',
      '--version',
    ]) {
      expect(r.stdout).toContain(flag);
    }
    expect(r.stdout).toBe(await helpText());
  });

  it('exits 1 when the gate fails, with a readable table', async () => {
    const r = await cli(['check', '--environment', 'production', 'results/']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^defect-gate FAIL {2}environment: production/);
    expect(r.stdout).toContain('No critical findings');
    expect(r.stdout).toMatch(/✗ critical/);
  });

  it('exits 0 on pass or warn', async () => {
    expect((await cli(['check', '--policy', 'lenient.yml', 'results/codeql.sarif'])).code).toBe(0);
    const warn = await cli(['check', 'results/codeql.sarif']);
    expect(warn.stdout).toMatch(/^defect-gate WARN/);
    expect(warn.code).toBe(0);
  });

  it('--format json prints the report on stdout and nothing else there', async () => {
    const r = await cli(['check', '--format', 'json', '--environment', 'production', 'results/*.sarif', 'results/trivy.json']);
    expect(r.code).toBe(1);
    const report = ReportSchema.parse(JSON.parse(r.stdout));
    expect(report.inputs.map((i) => [i.file, i.format])).toEqual([
      ['results/codeql.sarif', 'sarif'],
      ['results/grype.sarif', 'sarif'],
      ['results/trivy.json', 'trivy'],
    ]);
    expect(report.tools.map((t) => t.name)).toEqual(expect.arrayContaining(['CodeQL', 'Grype', 'Trivy']));
  });

  it('the text verdict lists the first findings of the report order (it sorts only those), the JSON report all of them in order', async () => {
    const args = ['check', '--environment', 'production', 'results/*.sarif', 'results/trivy.json'];
    const json = JSON.parse((await cli([...args, '--format', 'json'])).stdout) as {
      findings: { ruleId: string; rank: number; gated: boolean; blocking: boolean }[];
    };
    const text = (await cli(args)).stdout;
    expect(json.findings.length).toBeGreaterThan(60);
    // Report order: blocking first, then gated, then by rank (then location and rule, not checked here).
    const key = (f: { rank: number; gated: boolean; blocking: boolean }) => (f.blocking ? 0 : 2e6) + (f.gated ? 0 : 1e6) + f.rank;
    for (let i = 1; i < json.findings.length; i++) {
      expect(key(json.findings[i] as (typeof json.findings)[number])).toBeGreaterThanOrEqual(
        key(json.findings[i - 1] as (typeof json.findings)[number]),
      );
    }
    const rows = text.split('\n').filter((l) => /^[✗ -] \S/.test(l) && / \[[^\]]+\]$/.test(l));
    expect(rows.length).toBe(50);
    expect(rows.map((l) => /\[([^\]]+)\]$/.exec(l)?.[1])).toEqual(json.findings.slice(0, 50).map((f) => f.ruleId.slice(0, 60)));
    expect(text).toContain(`… ${json.findings.length - 50} more`);
  });

  it('--format markdown prints the summary', async () => {
    const r = await cli(['check', '--format', 'markdown', 'results/codeql.sarif']);
    expect(r.stdout).toMatch(/^## ⚠️ defect-gate: passed with warnings \(default\)/);
  });

  it('writes --report and --sarif-output files', async () => {
    const r = await cli(['check', '--report', 'out/report.json', '--sarif-output', 'out/rated.sarif', 'results/codeql.sarif']);
    expect(r.code).toBe(0);
    const report = ReportSchema.parse(JSON.parse(readFileSync(join(ws, 'out/report.json'), 'utf8')));
    expect(report.counts.total).toBe(72);
    const sarif = JSON.parse(readFileSync(join(ws, 'out/rated.sarif'), 'utf8')) as {
      runs: { results: { ruleId: string; properties: Record<string, unknown> }[] }[];
    };
    expect(sarif.runs[0]?.results).toHaveLength(72);
    expect(sarif.runs[0]?.results.find((x) => x.ruleId === 'py/sql-injection')?.properties['defect-gate/severity']).toBe('high');
    expect(sarif.runs[0]?.results.find((x) => x.ruleId === 'py/empty-except')?.properties['defect-gate/severity']).toBe('low');
    expect(r.stderr).toContain('report:');
  });

  it('fails closed (exit 2) on an unreadable input, and still reports the other files', async () => {
    const r = await cli(['check', '--format', 'json', 'broken.sarif', 'results/codeql.sarif']);
    expect(r.code).toBe(2);
    const report = ReportSchema.parse(JSON.parse(r.stdout));
    expect(report.counts.total).toBe(72);
    expect(report.errors).toEqual([
      expect.objectContaining({
        file: 'broken.sarif',
        line: 3,
        column: 1,
        severity: 'fatal',
        message: 'not valid JSON: expected a JSON value but found end of file',
      }),
    ]);
    expect(report.verdict.status).toBe('fail');
  });

  it('--on-input-error warn gates on the other files', async () => {
    const r = await cli(['check', '--on-input-error', 'warn', 'broken.sarif', 'results/codeql.sarif']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('broken.sarif:3:1: not valid JSON');
  });

  it('a missing file or a glob that matches nothing is an input error', async () => {
    const r = await cli(['check', 'nope.sarif', 'results/*.nothing']);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('nope.sarif: file not found');
    expect(r.stdout).toContain('results/*.nothing: no file matches this pattern');
  });

  it('--input-format forces a format', async () => {
    const r = await cli(['check', '--format', 'json', '--input-format', 'results/trivy.json=sarif', 'results/trivy.json']);
    expect(r.code).toBe(2);
    // A forced format must fit the content (fail closed): the Trivy report is named as such.
    expect(JSON.parse(r.stdout).errors[0].message).toBe('forced as sarif, but the content looks like Trivy JSON');
  });

  it('usage errors exit 2 with a message', async () => {
    expect((await cli([])).code).toBe(2);
    expect((await cli(['scan', 'x'])).stderr).toContain('unknown command "scan"');
    expect((await cli(['check'])).stderr).toContain('no input files');
    expect((await cli(['check', '--format', 'xml', 'x'])).stderr).toContain('invalid --format "xml"');
    expect((await cli(['check', '--on-input-error', 'maybe', 'x'])).stderr).toContain('expected fail or warn');
    expect((await cli(['check', '--bogus', 'x'])).stderr).toContain("Unknown option '--bogus'");
    expect((await cli(['check', '--input-format', 'x=nope', 'x'])).stderr).toContain('unknown format "nope"');
  });

  it('policy errors exit 2 with file:line:column', async () => {
    const r = await cli(['check', '--policy', 'bad-policy.yml', 'results/codeql.sarif']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bad-policy.yml:6:27: gates.default[0].severity: unknown level "critical": expected one of high, low');
    expect((await cli(['check', '--policy', 'missing.yml', 'results/codeql.sarif'])).stderr).toContain(
      'missing.yml:1:1: cannot read the policy: file not found',
    );
  });

  it('an unknown environment exits 2 naming the known profiles', async () => {
    const r = await cli(['check', '--environment', 'prod', 'results/codeql.sarif']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no gate profile "prod" in the policy: expected one of pull-request, default, production');
  });

  it('does not write the reports of a run that could not start', async () => {
    await cli(['check', '--policy', 'bad-policy.yml', '--report', 'never.json', 'results/codeql.sarif']);
    expect(existsSync(join(ws, 'never.json'))).toBe(false);
  });

  it('--ledger tracks findings across runs: new, existing, fixed, SLA clocks, --now what-ifs', async () => {
    const first = await cli([
      'check',
      '--format',
      'json',
      '--ledger',
      'file:.dg/ledger.json',
      '--now',
      '2026-01-01',
      'results/codeql.sarif',
      'results/grype.sarif',
    ]);
    const r1 = ReportSchema.parse(JSON.parse(first.stdout));
    expect(r1.tracking).toEqual({ ledger: 'file:.dg/ledger.json', scope: 'default', written: true });
    expect(r1.findings.every((f) => f.status === 'new')).toBe(true);
    expect(r1.counts.new).toBe(r1.counts.gated);
    // 40 days later, without the Grype scan: CodeQL findings are existing; Grype did not run, so nothing is fixed.
    const second = await cli([
      'check',
      '--format',
      'json',
      '--ledger',
      'file:.dg/ledger.json',
      '--now',
      '2026-02-10',
      'results/codeql.sarif',
    ]);
    const r2 = ReportSchema.parse(JSON.parse(second.stdout));
    expect(r2.findings.every((f) => f.status === 'existing' && f.firstSeen === '2026-01-01T00:00:00.000Z')).toBe(true);
    expect(r2.fixed).toEqual([]);
    const high = r2.findings.find((f) => f.severity === 'high');
    expect(high).toMatchObject({ slaState: 'breached', slaDue: '2026-01-31T00:00:00.000Z', slaDaysLeft: -10, ageDays: 40 });
    expect(r2.counts.slaBreached).toBeGreaterThan(0);
    // Read-only: compares, writes nothing.
    const before = readFileSync(join(ws, '.dg/ledger.json'), 'utf8');
    const ro = await cli([
      'check',
      '--format',
      'json',
      '--ledger',
      'file:.dg/ledger.json',
      '--ledger-read-only',
      '--now',
      '2026-02-11',
      'results/grype.sarif',
    ]);
    const r3 = ReportSchema.parse(JSON.parse(ro.stdout));
    expect(r3.tracking.written).toBe(false);
    expect(r3.fixed).toEqual([]);
    expect(readFileSync(join(ws, '.dg/ledger.json'), 'utf8')).toBe(before);
    // The text report shows status and SLA per finding.
    const text = await cli([
      'check',
      '--ledger',
      'file:.dg/ledger.json',
      '--ledger-read-only',
      '--now',
      '2026-02-10',
      'results/codeql.sarif',
    ]);
    expect(text.stdout).toMatch(/new: 0 {2}reopened: 0 {2}fixed: 0 {2}past SLA: \d+/);
    expect(text.stdout).toContain('existing, first seen 2026-01-01 (40 days ago); SLA breached: 10 day(s) overdue (due 2026-01-31)');
  });

  it('ledger flags are checked', async () => {
    expect((await cli(['check', '--now', 'tomorrow', 'x'])).stderr).toContain('invalid --now "tomorrow"');
    expect((await cli(['check', '--ledger-read-only', 'x'])).stderr).toContain('need --ledger file:PATH');
    expect((await cli(['check', '--ledger', 'branch:data', 'x'])).stderr).toContain('the CLI keeps its ledger in a file');
    expect((await cli(['check', '--ledger', 'l.json', '--ledger-scope', 'a b', 'x'])).stderr).toContain('invalid ledger scope "a b"');
    writeFileSync(join(ws, 'broken-ledger.json'), '{"schema":');
    const broken = await cli(['check', '--ledger', 'broken-ledger.json', 'results/codeql.sarif']);
    expect(broken.code).toBe(2);
    expect(broken.stdout).toContain('file:broken-ledger.json: cannot read the ledger (scope default)');
  });
});
