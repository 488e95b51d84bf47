import { describe, expect, it, beforeEach, afterEach } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ReportSchema } from '../src/report/schema';
import { runDistAction } from './support/run-action';

/**
 * Runs the built Action (dist/index.js) the way the runner does: INPUT_* variables, GITHUB_EVENT_PATH,
 * GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, GITHUB_WORKSPACE; exit status 1 when core.setFailed was called.
 */

const CORPUS = resolve('__fixtures__/corpus/defectdojo');
let dir: string;
let ws: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dg-e2e-'));
  ws = join(dir, 'workspace');
  mkdirSync(join(ws, 'results'), { recursive: true });
  copyFileSync(`${CORPUS}/sarif/codeQL-output.sarif`, join(ws, 'results/codeql.sarif'));
  copyFileSync(`${CORPUS}/sarif/cxf-3.4.6.sarif`, join(ws, 'results/grype.sarif'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function runAction(inputs: Record<string, string>, event: { name: string; payload: object }, env: Record<string, string> = {}) {
  const eventPath = join(dir, 'event.json');
  writeFileSync(eventPath, JSON.stringify(event.payload));
  return runDistAction({
    dir,
    workspace: ws,
    inputs,
    eventName: event.name,
    eventPath,
    env: { GITHUB_API_URL: 'http://127.0.0.1:9', ...env },
  });
}

const PR_EVENT = { name: 'pull_request', payload: { pull_request: { number: 7, head: { sha: 'b'.repeat(40) } } } };
const PUSH_EVENT = { name: 'push', payload: { ref: 'refs/heads/main' } };

describe('the Action, run from dist/ as the runner runs it', () => {
  it('fails a pull request with high findings: outputs, job summary, report, annotations, one failing line', async () => {
    const r = await runAction({ files: 'results/*.sarif', report: 'defect-gate-report.json', 'sarif-output': 'rated.sarif' }, PR_EVENT);
    expect(r.status).toBe(1);
    expect(r.outputs.verdict).toBe('fail');
    expect(Number(r.outputs['blocking-count'])).toBeGreaterThan(0);
    const counts = JSON.parse(r.outputs.counts ?? '{}') as { total: number; bySeverity: Record<string, number> };
    expect(counts.total).toBe(72 + 22);
    expect(r.outputs['report-path']).toBe(join(ws, 'defect-gate-report.json'));
    const report = ReportSchema.parse(JSON.parse(readFileSync(join(ws, 'defect-gate-report.json'), 'utf8')));
    expect(report.environment).toBe('pull-request');
    expect(existsSync(join(ws, 'rated.sarif'))).toBe(true);
    expect(r.summary).toMatch(/^## ❌ defect-gate: failed \(pull-request\)/);
    expect(r.summary).toContain('### Blocking findings');
    // One clear failing line naming the gate and the count.
    expect(r.stdout).toMatch(
      /^::error::Gate "No critical findings" failed: 1 finding \(max 0\), and 1 more gate rule\(s\) in pull-request$/m,
    );
    // Workflow-command annotations on repository files, at most 10.
    const annotations = r.stdout.split('\n').filter((l) => /^::error title=.*,file=/.test(l));
    expect(annotations.length).toBe(10);
    expect(annotations[0]).toMatch(
      /^::error title=critical%3A CVE-2019-12419 .*,file=lib\/cxf-xjc-runtime-3\.3\.1\.jar,line=1,endLine=1::/,
    );
    expect(annotations[0]).toContain('Why critical: security-severity 9.8 >= 9.0 → critical');
  });

  it('passes with a lenient policy on a push, and derives the `default` profile', async () => {
    writeFileSync(
      join(ws, 'policy.yml'),
      'version: 1\nseverity:\n  levels: [high, low]\n  from-score: {high: 9.9}\n  from-level: {error: low, warning: low, note: low, none: low}\ngates:\n  default:\n    - {name: No high, severity: high}\n',
    );
    const r = await runAction({ files: 'results/codeql.sarif', policy: 'policy.yml', report: '' }, PUSH_EVENT);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.outputs.verdict).toBe('pass');
    expect(r.outputs['report-path']).toBe('');
    expect(r.summary).toMatch(/^## ✅ defect-gate: passed \(default\)/);
  });

  it('fails closed on an unreadable input and still reports the others', async () => {
    writeFileSync(join(ws, 'results/broken.sarif'), '{"version":"2.1.0","runs":[');
    const r = await runAction({ files: 'results/broken.sarif\nresults/codeql.sarif', environment: 'default' }, PUSH_EVENT);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/::error title=defect-gate%3A input problem::results\/broken\.sarif:1:28: not valid JSON/);
    expect(r.stdout).toMatch(
      /^::error::Gate failed in default: 1 input file could not be read completely: findings may be missing \(on-input-error: fail\)$/m,
    );
    const counts = JSON.parse(r.outputs.counts ?? '{}') as { total: number };
    expect(counts.total).toBe(72);
  });

  it('on-input-error: warn lets the other files decide', async () => {
    writeFileSync(join(ws, 'results/broken.sarif'), 'not json');
    const r = await runAction(
      { files: 'results/broken.sarif, results/codeql.sarif', 'on-input-error': 'warn', environment: 'default' },
      PUSH_EVENT,
    );
    expect(r.status).toBe(0);
    expect(r.outputs.verdict).toBe('warn');
  });

  it('reports bad inputs and bad policies as one clear failure', async () => {
    const bad = await runAction({ files: 'results/codeql.sarif', 'on-input-error': 'sometimes' }, PUSH_EVENT);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain("::error::Invalid input 'on-input-error': 'sometimes'. Expected one of: fail, warn.");
    writeFileSync(join(ws, 'policy.yml'), 'version: 2\n');
    const pol = await runAction({ files: 'results/codeql.sarif', policy: 'policy.yml' }, PUSH_EVENT);
    expect(pol.status).toBe(1);
    expect(pol.stdout).toMatch(/::error::invalid policy .*%0A {2}policy\.yml:1:10: version: /);
    const none = await runAction({ files: '' }, PUSH_EVENT);
    expect(none.stdout).toContain("::error::Input 'files' is empty.");
  });

  it('escapes hostile scanner text in the summary and annotations', async () => {
    const hostile = {
      version: '2.1.0',
      runs: [
        {
          tool: { driver: { name: 'Evil', rules: [{ id: 'R', properties: { 'security-severity': '9.9' } }] } },
          results: [
            {
              ruleId: 'R',
              message: { text: '@octocat <script>alert(1)</script>\n::error::forged command %0A' },
              locations: [{ physicalLocation: { artifactLocation: { uri: 'src/a.js' }, region: { startLine: 3 } } }],
            },
          ],
        },
      ],
    };
    writeFileSync(join(ws, 'results/evil.sarif'), JSON.stringify(hostile));
    const r = await runAction({ files: 'results/evil.sarif' }, PUSH_EVENT);
    expect(r.status).toBe(1);
    expect(r.summary).not.toMatch(/<script>|@octocat/);
    // The forged workflow command stays inside the annotation's escaped message.
    expect(r.stdout.split('\n').filter((l) => l.startsWith('::error::forged'))).toEqual([]);
  });

  it('large inputs: streamed, and the rated SARIF written by a worker thread, with the same files as read whole', async () => {
    const inputs = { files: 'results/*.sarif', report: 'report.json', 'sarif-output': 'rated.sarif' };
    const env = { RUNNER_DEBUG: '1' };
    const whole = await runAction(inputs, PR_EVENT, { ...env, DEFECT_GATE_STREAM_THRESHOLD: String(1e12) });
    expect(whole.stdout).not.toContain('rated SARIF written by a worker thread');
    const wholeSarif = readFileSync(join(ws, 'rated.sarif'), 'utf8');
    const wholeReport = readFileSync(join(ws, 'report.json'), 'utf8');
    const streamed = await runAction(inputs, PR_EVENT, { ...env, DEFECT_GATE_STREAM_THRESHOLD: '0' });
    expect(streamed.stdout).toContain('::debug::rated SARIF written by a worker thread');
    expect(streamed.status).toBe(whole.status);
    expect(readFileSync(join(ws, 'rated.sarif'), 'utf8')).toBe(wholeSarif);
    const strip = (t: string) => t.replace(/"generatedAt": "[^"]*"/, '');
    expect(strip(readFileSync(join(ws, 'report.json'), 'utf8'))).toBe(strip(wholeReport));
    expect(streamed.outputs.counts).toBe(whole.outputs.counts);
  });

  it('fails closed on inputs (#14): an output path that is a directory, a forced format that does not fit, a gzip report read', async () => {
    const dirOut = await runAction({ files: 'results/codeql.sarif', report: 'results' }, PUSH_EVENT);
    expect(dirOut.status).toBe(1);
    expect(dirOut.stdout).toContain(`::error::Input 'report': cannot write the JSON report to "results": it is an existing directory`);
    writeFileSync(join(ws, 'results/codeql.sarif.gz'), gzipSync(readFileSync(join(ws, 'results/codeql.sarif'))));
    const r = await runAction(
      { files: 'results/codeql.sarif.gz\nresults/grype.sarif', 'input-formats': 'results/grype.sarif=grype', report: 'report.json' },
      PUSH_EVENT,
    );
    expect(r.status).toBe(1);
    const report = ReportSchema.parse(JSON.parse(readFileSync(join(ws, 'report.json'), 'utf8')));
    expect(report.inputs.map((i) => [i.file, i.format ?? null])).toEqual([
      ['results/codeql.sarif.gz', 'sarif'],
      ['results/grype.sarif', null],
    ]);
    expect(report.errors).toEqual([
      expect.objectContaining({ file: 'results/grype.sarif', message: 'forced as grype, but the content looks like SARIF 2.1.0' }),
    ]);
  });
});
