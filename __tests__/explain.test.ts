import { describe, expect, it, beforeAll, afterAll } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/cli';
import { selectFindings } from '../src/report/explain';
import type { RatedFinding } from '../src/model';

let ws: string;
beforeAll(() => {
  ws = mkdtempSync(join(tmpdir(), 'dg-explain-'));
  mkdirSync(join(ws, 'data'));
  copyFileSync('__fixtures__/enrich/trivy-app.json', join(ws, 'trivy.json'));
  copyFileSync('__fixtures__/enrich/known_exploited_vulnerabilities.json', join(ws, 'data/kev.json'));
  copyFileSync('__fixtures__/enrich/epss_scores-2026-11-24.csv', join(ws, 'data/epss.csv'));
  copyFileSync('policies/examples/kev-first.yml', join(ws, 'kev-first.yml'));
  copyFileSync('__fixtures__/corpus/defectdojo/sarif/codeQL-output.sarif', join(ws, 'codeql.sarif'));
  writeFileSync(
    join(ws, 'excepted.yml'),
    `version: 1
severity:
  levels: [critical, high, medium, low, info]
  from-scanner: {critical: critical, high: high, medium: medium, low: low}
gates:
  production:
    - {name: No high, severity: ">= high"}
    - {name: Mediums, severity: medium, max: 3, action: warn}
exceptions:
  entries:
    - id: EX-1
      type: accepted-risk
      match: {cve: CVE-2022-22965}
      reason: "Not reachable: \\u001b[31mno data binding"
      approved-by: appsec
      expires: 2027-06-30
`,
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

const ENRICH = ['--kev', 'data/kev.json', '--epss', 'data/epss.csv'];

describe('defect-gate explain', () => {
  it('explains a finding step by step: scanner rating, base, rules, gating, gate rules', async () => {
    const r = await cli([
      'explain',
      '--policy',
      'kev-first.yml',
      '--environment',
      'production',
      ...ENRICH,
      '--rule',
      'CVE-2021-45046',
      'trivy.json',
    ]);
    expect(r.code).toBe(0);
    const fp = /fingerprint (\w+)/.exec(r.stdout)?.[1] as string;
    expect(r.stdout).toBe(
      [
        'policy kev-first.yml, environment production, 1 of 4 finding(s)',
        '',
        '[1/1] Trivy  CVE-2021-45046  pom.xml',
        '  title:      log4j-core: DoS in log4j 2.x with thread context message pattern and context lookup pattern',
        `  fingerprint ${fp}`,
        '  ids:        CVE-2021-45046',
        '  scanner:    scanner severity "medium"',
        '  exploit:    CISA KEV (added 2023-05-01, due 2023-05-22); EPSS 0.94255 (percentile 0.99897); package org.apache.logging.log4j:log4j-core@2.15.0, fixed in 2.16.0',
        '  base:       scanner severity "medium" → medium',
        '  rule:       rule "Known exploited (CISA KEV)": medium → critical',
        '  severity:   critical',
        '  owners:     none (no owned policy component, no matching CODEOWNERS rule)',
        '  gating:     gated (the gate counts it)',
        '  gate production (verdict fail):',
        '    counted by     "No known exploited vulnerability" [kev true] (fail: 2 counted, max 0, fails)',
        '    counted by     "No critical or high" [severity >= high] (fail: 2 counted, max 0, fails)',
        '    counted by     "Likely exploited" [epss >= 0.1] (warn: 2 counted, max 0, warns)',
        '  => blocking: this finding makes the gate fail',
        '',
      ].join('\n'),
    );
  });

  it('shows the exception and why a finding is not gated; selects by fingerprint prefix; strips control characters', async () => {
    const all = JSON.parse(
      (await cli(['explain', '--policy', 'excepted.yml', '--environment', 'production', '--format', 'json', 'trivy.json'])).stdout,
    ) as { findings: { fingerprint: string; ruleId: string }[] };
    expect(all.findings).toHaveLength(4);
    const spring = all.findings.find((f) => f.ruleId === 'CVE-2022-22965') as { fingerprint: string };
    const r = await cli([
      'explain',
      '--policy',
      'excepted.yml',
      '--environment',
      'production',
      '--fingerprint',
      spring.fingerprint.slice(0, 8),
      'trivy.json',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('  exception:  EX-1 (accepted-risk) active; approved by appsec until 2027-06-30');
    expect(r.stdout).toContain('  gating:     not gated: exception EX-1 (accepted-risk, approved by appsec, until 2027-06-30)');
    expect(r.stdout).toContain('    not counted by "No high" [severity >= high] (fail: 0 counted, max 0)');
    expect(r.stdout).toContain('  rules:      no policy rule matched');
    expect(r.stdout).toContain('reason: Not reachable: [31mno data binding');
    expect(r.stdout).not.toContain('\u001b');
  });

  it('json: the same content, machine-readable', async () => {
    const r = await cli(['explain', '--policy', 'kev-first.yml', ...ENRICH, '--format', 'json', '--rule', 'CVE-2019-*', 'trivy.json']);
    const out = JSON.parse(r.stdout) as { environment: string; findings: Record<string, unknown>[] };
    expect(out.environment).toBe('default');
    expect(out.findings).toHaveLength(1);
    expect(out.findings[0]).toMatchObject({
      ruleId: 'CVE-2019-10744',
      scanner: { resultKind: 'fail', scannerSeverity: 'low' },
      exploit: { epss: 0.02185, epssPercentile: 0.84102 },
      steps: [{ step: 'base', detail: 'scanner severity "low"', to: 'low' }],
      severity: 'low',
      gated: true,
      blocking: false,
      gates: [
        { rule: 'No known exploited vulnerability', counted: false },
        { rule: 'No critical', counted: false },
        { rule: 'Likely exploited', counted: false },
      ],
    });
  });

  it('exits 2 when nothing matches, naming what there is', async () => {
    const r = await cli(['explain', '--rule', 'js/nothing-*', 'trivy.json', 'codeql.sarif']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^defect-gate: no finding matches rule "js\/nothing-\*": \d+ finding\(s\) in trivy\.json, codeql\.sarif, rule ids:\n {2}CVE-2019-10744\n/,
    );
    expect((await cli(['explain', '--rule', 'x'])).stderr).toMatch(/no input files/);
    expect((await cli(['explain', '--format', 'markdown', 'trivy.json'])).code).toBe(2);
  });

  it('selectFindings: rule glob and fingerprint prefix, both must hold', () => {
    const f = (ruleId: string, fingerprint: string) => ({ ruleId, fingerprint }) as RatedFinding;
    const list = [f('js/sql-injection', 'abc123'), f('js/xss', 'abd999'), f('py/sql-injection', 'abc777')];
    expect(selectFindings(list, { rule: 'js/*' }).map((x) => x.fingerprint)).toEqual(['abc123', 'abd999']);
    expect(selectFindings(list, { fingerprint: 'ABC' }).map((x) => x.fingerprint)).toEqual(['abc123', 'abc777']);
    expect(selectFindings(list, { rule: '**/sql-injection', fingerprint: 'abc7' }).map((x) => x.fingerprint)).toEqual(['abc777']);
  });
});
