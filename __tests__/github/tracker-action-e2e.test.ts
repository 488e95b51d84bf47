import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { useGitHubServer } from '../support/github-server';
import { runDistAction, type ActionRun } from '../support/run-action';

/**
 * The built Action with `tracker.github-issues` in the policy, against the validating local server: a push to the
 * default branch writes the ledger branch and opens the issues (their numbers go into the ledger); a pull request
 * neither writes the ledger nor touches an issue.
 */

const CORPUS = resolve('__fixtures__/corpus/defectdojo');
const EVENTS = resolve('__fixtures__/github');
const POLICY = `version: 1
severity:
  levels: [critical, high, medium, low, info]
  from-level: {error: high, warning: medium, note: low, none: info}
gates:
  default:
    - {name: No critical, severity: critical}
  pull-request:
    - {name: No critical, severity: critical}
tracker:
  github-issues:
    when: {severity: ">= high"}
    group-by: rule
    labels: [security]
`;

const server = useGitHubServer();
let dir: string;
let ws: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dg-track-e2e-'));
  ws = join(dir, 'workspace');
  mkdirSync(join(ws, 'results'), { recursive: true });
  mkdirSync(join(ws, '.github'));
  copyFileSync(`${CORPUS}/sarif/codeQL-output.sarif`, join(ws, 'results/codeql.sarif'));
  writeFileSync(join(ws, 'policy.yml'), POLICY);
  writeFileSync(join(ws, '.github/CODEOWNERS'), '* @acme/platform\n/bad/ @bob\n');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function runAction(event: { name: string; file: string }, more: Record<string, string> = {}): Promise<ActionRun> {
  return runDistAction({
    dir,
    workspace: ws,
    inputs: { token: 'ghs_e2e', files: 'results/codeql.sarif', policy: 'policy.yml', ...more },
    eventName: event.name,
    eventPath: join(EVENTS, event.file),
    env: {
      GITHUB_SHA: 'a'.repeat(40),
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_API_URL: server.url,
      DEFECT_GATE_RETRY_BASE_MS: '20',
      DEFECT_GATE_TRACKER_PACE_MS: '0',
    },
  });
}

describe('tracker from dist/', () => {
  it('push to the default branch: issues opened, numbers in the ledger branch; the next push writes nothing new; a PR touches no issue', async () => {
    const push = await runAction({ name: 'push', file: 'push-default-branch.json' });
    expect(push.stderr).toBe('');
    expect(push.outputs['ledger-written']).toBe('true');
    const opened = server.calls('issues/create').length;
    expect(opened).toBeGreaterThan(0);
    expect(push.stdout).toMatch(new RegExp(`issues in acme/app: ${opened} opened`));
    const first = [...server.issues.values()][0]!;
    expect(first.labels.map((l) => l.name)).toEqual(expect.arrayContaining(['defect-gate', 'security']));
    expect(first.body).toContain('**Owners**: @bob');
    const entries = JSON.parse(server.git('acme', 'app').filesAt('defect-gate-data').get('default/entries/all.json') ?? '{}') as Record<
      string,
      { ticket?: { number: number } }
    >;
    const numbers = new Set(Object.values(entries).flatMap((e) => (e.ticket ? [e.ticket.number] : [])));
    expect(numbers.size).toBe(opened);

    server.requests.length = 0;
    const again = await runAction({ name: 'push', file: 'push-default-branch.json' });
    expect(again.stderr).toBe('');
    expect(server.requests.filter((r) => r.operationId.startsWith('issues/') && r.method !== 'GET')).toEqual([]);

    server.requests.length = 0;
    const pr = await runAction({ name: 'pull_request', file: 'pull_request.json' });
    expect(pr.outputs['ledger-written']).toBe('false');
    expect(
      server.requests.filter(
        (r) => r.operationId.startsWith('issues/') && r.operationId !== 'issues/list-comments' && !r.operationId.includes('comment'),
      ),
    ).toEqual([]);
  }, 120_000);

  it("pull request: owners come from the base commit's CODEOWNERS, not from the one the PR rewrote", async () => {
    writeFileSync(join(ws, '.github/CODEOWNERS'), '* @mallory\n');
    // An owner gate: the PR must not escape it (or fall under it) by rewriting CODEOWNERS.
    const policy = POLICY.replace(
      '  pull-request:\n',
      '  pull-request:\n    - {name: Nothing of bob, owner: "@bob", max: 0, action: warn}\n    - {name: Nothing of mallory, owner: "@mallory", max: 0}\n',
    );
    writeFileSync(join(ws, 'policy.yml'), policy);
    // Pull requests are gated by the base commit's policy (policy-source: base): the same policy there.
    // The base commit of __fixtures__/github/pull_request.json; CODEOWNERS at the root there (precedence: .github/ first, absent).
    server.history('acme', 'app').commit({ 'policy.yml': policy, CODEOWNERS: '* @acme/platform\n/bad/ @bob\n' }, { sha: '1'.repeat(40) });
    const pr = await runAction(
      { name: 'pull_request', file: 'pull_request.json' },
      { report: 'report.json', comment: 'never', 'check-run': 'false' },
    );
    expect(pr.stderr).toBe('');
    expect(pr.outputs.verdict).toBe('warn'); // bob's findings warn; the PR's "@mallory" owns nothing
    const report = JSON.parse(readFileSync(join(ws, 'report.json'), 'utf8')) as {
      findings: { path?: string; owners?: string[]; ownersFrom?: string }[];
    };
    const bad = report.findings.find((f) => f.path?.startsWith('bad/'));
    expect(bad).toMatchObject({ owners: ['@bob'], ownersFrom: 'CODEOWNERS:2 (/bad/)' });
    expect(report.findings.some((f) => f.owners?.includes('@mallory'))).toBe(false);
    expect(server.calls('repos/get-content').map((r) => r.params.path)).toEqual(['policy.yml', '.github/CODEOWNERS', 'CODEOWNERS']); // the base commit's policy, then its CODEOWNERS
  }, 120_000);
});
