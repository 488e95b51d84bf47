import { describe, expect, it, beforeAll, afterAll } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/cli';
import { ReportSchema } from '../src/report/schema';
import { activitiesOf, durationWords, parseDuration } from '../src/gate/activity';
import { evaluateCoverage } from '../src/gate/coverage';
import { policyFrom } from './helpers';

/**
 * Issue #19 part C: gate on everything open (`--gate-scope ledger`), scan coverage as a gate, across several runs of
 * the CLI on one ledger file dated with `--now`, on real scanner outputs from the corpus.
 */

const CORPUS = '__fixtures__/corpus/defectdojo';
let ws: string;

const POLICY = `version: 1
severity:
  levels: [critical, high, medium, low, info]
  from-scanner: {critical: critical, high: high, medium: medium, low: low, informational: info, info: info}
  from-level: {error: high, warning: medium, note: low, none: info}
gates:
  nightly:
    - {name: No critical, severity: critical, max: 0}
  production:
    - {name: No high or critical, severity: ">= high", max: 0}
`;

beforeAll(() => {
  ws = mkdtempSync(join(tmpdir(), 'dg-scope-'));
  mkdirSync(join(ws, 'dast'));
  mkdirSync(join(ws, 'sast'));
  copyFileSync(`${CORPUS}/zap/zap-results-first-scan.xml`, join(ws, 'dast/zap.xml'));
  copyFileSync(`${CORPUS}/semgrep/empty.json`, join(ws, 'sast/semgrep.json'));
  writeFileSync(join(ws, 'policy.yml'), POLICY);
  writeFileSync(join(ws, 'default-ledger.yml'), `${POLICY}gate-scope: {production: ledger}\n`);
  writeFileSync(join(ws, 'coverage.yml'), `${POLICY}coverage:\n  production: {sast: 7d, dast: 30d}\n`);
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

const report = (file: string) => ReportSchema.parse(JSON.parse(readFileSync(join(ws, file), 'utf8')));

describe('gate scope: ledger', () => {
  const ledger = 'scope-ledger.json';
  beforeAll(async () => {
    // The nightly DAST run writes the ledger; its own gate (no critical) passes.
    const nightly = await cli([
      'check',
      '--policy',
      'policy.yml',
      '--environment',
      'nightly',
      '--ledger',
      `file:${ledger}`,
      '--now',
      '2026-11-01T02:00:00Z',
      'dast/zap.xml',
    ]);
    expect(nightly.code).toBe(0);
  });

  it('a DAST finding from the nightly run blocks a later deploy run that has only SAST, under gate-scope ledger and not under run', async () => {
    const run = await cli([
      'check',
      '--policy',
      'policy.yml',
      '--environment',
      'production',
      '--ledger',
      `file:${ledger}`,
      '--ledger-read-only',
      '--now',
      '2026-11-03T10:00:00Z',
      '--report',
      'run.json',
      'sast/semgrep.json',
    ]);
    expect(run.code).toBe(0);
    expect(report('run.json').fromLedger).toBeUndefined();

    const all = await cli([
      'check',
      '--policy',
      'policy.yml',
      '--environment',
      'production',
      '--ledger',
      `file:${ledger}`,
      '--ledger-read-only',
      '--gate-scope',
      'ledger',
      '--now',
      '2026-11-03T10:00:00Z',
      '--report',
      'ledger.json',
      'sast/semgrep.json',
    ]);
    expect(all.code).toBe(1);
    expect(all.stdout).toMatch(/From earlier runs \(gate scope: ledger\): \d+ findings \(\d+ blocking\), last seen 2 days ago by ZAP/);
    const r = report('ledger.json');
    expect(r.verdict.status).toBe('fail');
    expect(r.findings).toHaveLength(0); // this run reported nothing
    const earlier = r.fromLedger!;
    expect(earlier.byTool).toEqual([
      { tool: expect.stringMatching(/ZAP/), count: earlier.findings.length, lastSeen: '2026-11-01T02:00:00.000Z' },
    ]);
    const high = earlier.findings.filter((f) => f.severity === 'high');
    expect(high.length).toBeGreaterThan(0);
    expect(high.every((f) => f.blocking && f.status === 'existing' && f.lastSeen === '2026-11-01T02:00:00.000Z')).toBe(true);
    expect(r.verdict.rules[0]).toMatchObject({ name: 'No high or critical', count: high.length, exceeded: true });
    expect(r.counts.blocking).toBe(high.length);
  });

  it('an approved exception still applies to a finding from an earlier run', async () => {
    const first = report('ledger.json').fromLedger!.findings.filter((f) => f.severity === 'high');
    const excepted = `${POLICY}exceptions:\n  entries:\n${first
      .map(
        (f, i) =>
          `    - {id: EX-${i}, type: accepted-risk, match: {fingerprint: "${f.fingerprint}"}, reason: WAF rule, approved-by: security, approved-on: 2026-10-01, expires: 2026-12-31}\n`,
      )
      .join('')}`;
    writeFileSync(join(ws, 'excepted.yml'), excepted);
    const r = await cli([
      'check',
      '--policy',
      'excepted.yml',
      '--environment',
      'production',
      '--ledger',
      `file:${ledger}`,
      '--ledger-read-only',
      '--gate-scope',
      'ledger',
      '--now',
      '2026-11-03T10:00:00Z',
      '--report',
      'excepted.json',
      'sast/semgrep.json',
    ]);
    expect(r.code).toBe(0);
    const rep = report('excepted.json');
    expect(rep.exceptions.entries.every((e) => e.state === 'active' && e.applied === 1)).toBe(true); // not stale
    expect(rep.fromLedger!.findings.filter((f) => f.exception?.state === 'active')).toHaveLength(first.length);
  });

  it('findings of a tool that is in the run are judged on this run: the DAST run fixes what it no longer reports', async () => {
    const l2 = 'scope-ledger-2.json';
    writeFileSync(join(ws, l2), readFileSync(join(ws, ledger)));
    // ZAP runs again with an empty report: its findings are fixed, nothing is carried from the ledger.
    copyFileSync(`${CORPUS}/zap/empty_2.9.0.xml`, join(ws, 'dast/empty.xml'));
    const r = await cli([
      'check',
      '--policy',
      'policy.yml',
      '--environment',
      'production',
      '--ledger',
      `file:${l2}`,
      '--gate-scope',
      'ledger',
      '--now',
      '2026-11-04T10:00:00Z',
      '--report',
      'rerun.json',
      'dast/empty.xml',
      'sast/semgrep.json',
    ]);
    expect(r.code).toBe(0);
    const rep = report('rerun.json');
    expect(rep.fromLedger?.findings ?? []).toHaveLength(0);
    expect(rep.counts.fixed).toBeGreaterThan(0);
  });

  it('fails closed: --gate-scope ledger without a ledger, or a policy default of ledger without one, is a usage error', async () => {
    const flag = await cli([
      'check',
      '--policy',
      'policy.yml',
      '--environment',
      'production',
      '--gate-scope',
      'ledger',
      'sast/semgrep.json',
    ]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('--gate-scope ledger needs --ledger file:PATH');
    const bad = await cli(['check', '--policy', 'policy.yml', '--gate-scope', 'everything', 'sast/semgrep.json']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid --gate-scope "everything": expected run or ledger');
    const dflt = await cli(['check', '--policy', 'default-ledger.yml', '--environment', 'production', 'sast/semgrep.json']);
    expect(dflt.code).toBe(2);
    expect(dflt.stderr).toContain(`the policy's gate-scope for "production" is "ledger", which needs a ledger`);
  });

  it('the policy default applies per environment, and --gate-scope run overrides it', async () => {
    const byPolicy = await cli([
      'check',
      '--policy',
      'default-ledger.yml',
      '--environment',
      'production',
      '--ledger',
      `file:${ledger}`,
      '--ledger-read-only',
      '--now',
      '2026-11-03T10:00:00Z',
      'sast/semgrep.json',
    ]);
    expect(byPolicy.code).toBe(1);
    const override = await cli([
      'check',
      '--policy',
      'default-ledger.yml',
      '--environment',
      'production',
      '--ledger',
      `file:${ledger}`,
      '--ledger-read-only',
      '--gate-scope',
      'run',
      '--now',
      '2026-11-03T10:00:00Z',
      'sast/semgrep.json',
    ]);
    expect(override.code).toBe(0);
  });

  it('the job summary Markdown lists them apart, with the last sighting', async () => {
    const md = await cli([
      'check',
      '--policy',
      'policy.yml',
      '--environment',
      'production',
      '--ledger',
      `file:${ledger}`,
      '--ledger-read-only',
      '--gate-scope',
      'ledger',
      '--now',
      '2026-11-03T10:00:00Z',
      '--format',
      'markdown',
      'sast/semgrep.json',
    ]);
    expect(md.stdout).toMatch(
      /<details open><summary>From earlier runs \\\(gate scope: ledger\\\): \d+ findings \\\(\d+ blocking\\\), last seen 2 days ago by ZAP<\/summary>/,
    );
    expect(md.stdout).toContain('| 2026-11-01 |');
  });
});

describe('scan coverage as a gate', () => {
  const ledger = 'coverage-ledger.json';
  beforeAll(async () => {
    const nightly = await cli([
      'check',
      '--policy',
      'policy.yml',
      '--environment',
      'nightly',
      '--ledger',
      `file:${ledger}`,
      '--now',
      '2026-10-01T00:00:00Z',
      'dast/zap.xml',
    ]);
    expect(nightly.code).toBe(0);
  });
  const deploy = (now: string, out: string) =>
    cli([
      'check',
      '--policy',
      'coverage.yml',
      '--environment',
      'production',
      '--ledger',
      `file:${ledger}`,
      '--ledger-read-only',
      '--now',
      now,
      '--report',
      out,
      'sast/semgrep.json',
    ]);

  it('passes when DAST reported exactly 30 days ago (max 30d)', async () => {
    const r = await deploy('2026-10-31T00:00:00Z', 'cov30.json');
    expect(r.code).toBe(0);
    const cov = report('cov30.json').verdict.coverage!;
    expect(cov.find((c) => c.activity === 'dast')).toMatchObject({
      ok: true,
      ageDays: 30,
      lastReported: '2026-10-01T00:00:00.000Z',
      max: '30d',
    });
    expect(cov.find((c) => c.activity === 'sast')).toMatchObject({ ok: true, ageDays: 0, tools: ['Semgrep'] });
  });

  it('fails one hour later, and at 31 days, with the reason in words', async () => {
    const hour = await deploy('2026-10-31T01:00:00Z', 'cov30h.json');
    expect(hour.code).toBe(1);
    expect(report('cov30h.json').verdict.reasons).toContain(
      'failed: coverage: DAST has not reported for 30 days 1 hour, max 30 days (last 2026-10-01 by ZAP)',
    );
    const r = await deploy('2026-11-01T00:00:00Z', 'cov31.json');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('failed: coverage: DAST has not reported for 31 days, max 30 days');
    const rep = report('cov31.json');
    expect(rep.verdict.coverage!.find((c) => c.activity === 'dast')).toMatchObject({ ok: false, ageDays: 31 });
  });

  it('without a ledger only this run counts: an activity that never reported fails', async () => {
    const r = await cli([
      'check',
      '--policy',
      'coverage.yml',
      '--environment',
      'production',
      '--report',
      'cov-none.json',
      'sast/semgrep.json',
    ]);
    expect(r.code).toBe(1);
    expect(report('cov-none.json').verdict.reasons).toEqual([
      expect.stringMatching(/^failed: coverage: DAST has never reported \(max 30 days\)/),
    ]);
  });

  it('a ledger run dated after --now does not count (the past as it was)', async () => {
    const r = await deploy('2026-09-30T00:00:00Z', 'cov-before.json');
    expect(r.code).toBe(1);
    expect(report('cov-before.json').verdict.coverage!.find((c) => c.activity === 'dast')?.lastReported).toBeUndefined();
  });
});

describe('activities and durations', () => {
  it('maps tools by the kinds they reported, by name, and by the policy', () => {
    expect(activitiesOf('OWASP ZAP', [])).toEqual(['dast']);
    expect(activitiesOf('Trivy', [])).toEqual(['sca']); // only its default mode, unless it reported more
    expect(activitiesOf('Trivy', ['iac', 'secret', 'container'])).toEqual(['container', 'iac', 'sca', 'secrets']);
    expect(activitiesOf('acme-pentest', ['pentest'])).toEqual(['pentest']);
    expect(activitiesOf('Trivy', ['sca'], new Map([['trivy', ['container']]]))).toEqual(['container']);
    expect(activitiesOf('in-house', [])).toEqual([]);
  });

  it('reads 7d, 12h, 2w and days', () => {
    expect(parseDuration('7d')).toBe(7 * 86_400_000);
    expect(parseDuration('12h')).toBe(12 * 3_600_000);
    expect(parseDuration('2w')).toBe(14 * 86_400_000);
    expect(parseDuration(30)).toBe(30 * 86_400_000);
    expect(parseDuration('7 days')).toBeUndefined();
    expect(durationWords(41 * 86_400_000)).toBe('41 days');
    expect(durationWords(5 * 3_600_000)).toBe('5 hours');
  });

  it('an incomplete scan covers nothing; the policy rejects a bad duration', () => {
    const req = [{ activity: 'sast', maxAgeMs: 86_400_000, text: '1d' }];
    const now = new Date('2026-11-02T00:00:00Z');
    expect(evaluateCoverage(req, [{ at: '2026-11-01T12:00:00Z', tools: [] }], new Map(), now)[0]).toMatchObject({ ok: false });
    expect(evaluateCoverage(req, [{ at: '2026-11-01T12:00:00Z', tools: ['CodeQL'] }], new Map(), now)[0]).toMatchObject({
      ok: true,
      tools: ['CodeQL'],
    });
    expect(() => policyFrom(`${POLICY}coverage:\n  production: {dast: 30 days}\n`)).toThrow(/duration such as "7d"/);
    expect(() => policyFrom(`${POLICY}gate-scope: {production: all}\n`)).toThrow(/gate-scope/);
  });
});
