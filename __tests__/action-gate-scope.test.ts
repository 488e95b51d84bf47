import { describe, expect, it, beforeEach, afterEach } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ReportSchema } from '../src/report/schema';
import { runDistAction } from './support/run-action';

/**
 * The `gate-scope` input of the built Action (dist/index.js, run as the runner runs it) with a file ledger: a nightly
 * ZAP run writes the ledger; the production run that has only Semgrep fails on the ZAP findings under `ledger` and
 * passes under `run`; `ledger` without a ledger fails the step with one clear line.
 */

const CORPUS = resolve('__fixtures__/corpus/defectdojo');
let dir: string;
let ws: string;
const POLICY = `version: 1
severity:
  levels: [critical, high, medium, low, info]
  from-scanner: {high: high, medium: medium, low: low, informational: info}
gates:
  nightly:
    - {name: No critical, severity: critical, max: 0}
  production:
    - {name: No high or critical, severity: ">= high", max: 0}
`;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dg-e2e-scope-'));
  ws = join(dir, 'workspace');
  mkdirSync(ws, { recursive: true });
  copyFileSync(`${CORPUS}/zap/zap-results-first-scan.xml`, join(ws, 'zap.xml'));
  copyFileSync(`${CORPUS}/semgrep/empty.json`, join(ws, 'semgrep.json'));
  writeFileSync(join(ws, 'policy.yml'), POLICY);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const SCHEDULE = { name: 'schedule', payload: {} };

function runAction(inputs: Record<string, string>) {
  const eventPath = join(dir, 'event.json');
  writeFileSync(eventPath, JSON.stringify(SCHEDULE.payload));
  return runDistAction({ dir, workspace: ws, inputs, eventName: SCHEDULE.name, eventPath, env: { GITHUB_API_URL: 'http://127.0.0.1:9' } });
}

describe('the gate-scope input', () => {
  it('ledger: the open findings of a nightly ZAP run block a production run with only Semgrep; run: they do not', async () => {
    const nightly = await runAction({
      files: 'zap.xml',
      policy: 'policy.yml',
      environment: 'nightly',
      ledger: 'file:ledger.json',
      'ledger-write': 'true',
      'job-summary': 'false',
    });
    expect(nightly.status).toBe(0);
    const run = await runAction({
      files: 'semgrep.json',
      policy: 'policy.yml',
      environment: 'production',
      ledger: 'file:ledger.json',
      'ledger-write': 'false',
      'gate-scope': 'run',
    });
    expect(run.status).toBe(0);
    const all = await runAction({
      files: 'semgrep.json',
      policy: 'policy.yml',
      environment: 'production',
      ledger: 'file:ledger.json',
      'ledger-write': 'false',
      'gate-scope': 'ledger',
      report: 'report.json',
    });
    expect(all.status).toBe(1);
    expect(all.outputs.verdict).toBe('fail');
    expect(all.summary).toMatch(
      /<details open><summary>From earlier runs \\\(gate scope: ledger\\\): \d+ findings \\\(5 blocking\\\), last seen today by ZAP<\/summary>/,
    );
    const report = ReportSchema.parse(JSON.parse(readFileSync(join(ws, 'report.json'), 'utf8')));
    expect(report.fromLedger!.findings.filter((f) => f.blocking)).toHaveLength(5);
  });

  it('ledger without a ledger fails the step with one clear line; a bad value is an input error', async () => {
    const none = await runAction({
      files: 'semgrep.json',
      policy: 'policy.yml',
      environment: 'production',
      ledger: 'none',
      'gate-scope': 'ledger',
    });
    expect(none.status).toBe(1);
    expect(none.stdout).toMatch(/::error::.*gate scope "ledger" needs a ledger/);
    const bad = await runAction({ files: 'semgrep.json', policy: 'policy.yml', environment: 'production', 'gate-scope': 'all' });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain("::error::Invalid input 'gate-scope': 'all'. Expected one of: run, ledger.");
  });
});
