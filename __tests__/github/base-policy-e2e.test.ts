import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeFiles } from '../support/approval-fixtures';
import { useGitHubServer } from '../support/github-server';
import { runDistAction, type ActionRun } from '../support/run-action';

/**
 * Issue #17, part 1: a pull request is gated by its BASE branch's policy. The built Action (dist/) runs against the
 * validating local GitHub server, which holds acme/app's history: the base commit (pull_request.json's base.sha) has
 * the security team's policy and exception file; the workspace (the pull request's code) has the PR's edits.
 */

const EVENTS = resolve('__fixtures__/github');
const BASE_SHA = '1'.repeat(40);
const PR = { name: 'pull_request', file: 'pull_request.json' };
const PUSH = { name: 'push', file: 'push.json' };

const POLICY = `version: 1
severity:
  levels: [critical, high, medium, low]
  from-level: {error: critical, warning: medium, note: low, none: low}
sla: {critical: 7, high: 30}
gates:
  pull-request:
    - {name: No critical, severity: critical, max: 0}
  default:
    - {name: No critical, severity: critical, max: 0}
exceptions:
  include: [security/exceptions.yml]
`;
const NO_EXCEPTIONS = 'entries: []\n';
const OWN_EXCEPTION = `entries:
  - id: EX-7
    type: accepted-risk
    match: {rule: js/sql-injection, path: "src/**"}
    reason: trust me
    approved-by: security-team
    approved-on: 2026-11-30
    expires: 2027-06-30
`;

const SARIF = JSON.stringify({
  version: '2.1.0',
  runs: [
    {
      tool: { driver: { name: 'CodeQL', rules: [{ id: 'js/sql-injection' }] } },
      results: [
        {
          ruleId: 'js/sql-injection',
          level: 'error',
          message: { text: 'SQL injection from user input' },
          locations: [{ physicalLocation: { artifactLocation: { uri: 'src/a.js' }, region: { startLine: 3 } } }],
        },
      ],
    },
  ],
});

const server = useGitHubServer();
let dir: string;
let ws: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dg-base-policy-'));
  ws = join(dir, 'workspace');
  write({ 'results/codeql.sarif': SARIF });
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(files: Record<string, string>): void {
  writeFiles(ws, files);
}

/** The base commit of the pull request (and `main`) holds these files. */
function base(files: Record<string, string>): void {
  server.history('acme', 'app').commit(files, { sha: BASE_SHA, message: 'security policy' });
}

function runAction(inputs: Record<string, string>, event: { name: string; file: string }): Promise<ActionRun> {
  return runDistAction({
    dir,
    workspace: ws,
    inputs: {
      token: 'ghs_e2e',
      files: 'results/*.sarif',
      policy: 'policy.yml',
      ledger: 'none',
      'check-run': 'false',
      comment: 'always',
      ...inputs,
    },
    eventName: event.name,
    eventPath: join(EVENTS, event.file),
    env: { GITHUB_API_URL: server.url, GITHUB_SERVER_URL: 'https://github.com', GITHUB_RUN_ID: '4242', DEFECT_GATE_RETRY_BASE_MS: '20' },
  });
}

const contentReads = () => server.calls('repos/get-content').map((r) => `${r.params.path}@${r.query.ref}`);
const comment = () => [...server.comments.values()].map((c) => c.record.body).join('\n');

describe('policy-source: base (the default on pull requests)', () => {
  it('a PR that adds an exception for its own critical finding still fails; the exception is shown as taking effect after merge', async () => {
    base({ 'policy.yml': POLICY, 'security/exceptions.yml': NO_EXCEPTIONS });
    write({ 'policy.yml': POLICY, 'security/exceptions.yml': OWN_EXCEPTION });
    const r = await runAction({}, PR);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    expect(r.outputs.verdict).toBe('fail');
    expect(r.stdout).toContain('::error::Gate "No critical" failed: 1 finding (max 0) in pull-request');
    // Policy and included file read at the base commit, through the API.
    expect(contentReads()).toEqual([`policy.yml@${BASE_SHA}`, `security/exceptions.yml@${BASE_SHA}`]);
    expect(r.stdout).toContain(
      `policy: policy.yml as of the base commit (main at 1111111), read through the GitHub API (policy-source: base)`,
    );
    for (const text of [r.summary, comment()]) {
      expect(text).toContain('📝 Policy changes in this PR: take effect after merge');
      expect(text).toContain('This run is gated by the policy of the base branch (main at 1111111)');
      expect(text).toMatch(
        /\| ➕ added \| `EX-7` \| accepted-risk \| rule js\/sql-injection; path src\/\\\*\\\* \| security-team \\\(as written, not verified\\\) \| 2027-06-30 \|/,
      );
    }
  });

  it('the same PR with policy-source: workspace passes (the old behaviour, opt-in) and reads nothing through the API', async () => {
    base({ 'policy.yml': POLICY, 'security/exceptions.yml': NO_EXCEPTIONS });
    write({ 'policy.yml': POLICY, 'security/exceptions.yml': OWN_EXCEPTION });
    const r = await runAction({ 'policy-source': 'workspace' }, PR);
    expect(r.stderr).toBe('');
    expect(r.outputs.verdict).toBe('pass');
    expect(r.status).toBe(0);
    expect(contentReads()).toEqual([]);
    expect(r.summary).not.toContain('Policy changes in this PR');
  });

  it('gate, SLA and exception removals made by the PR are listed; the base gates still apply', async () => {
    const withException = OWN_EXCEPTION.replace('EX-7', 'EX-1').replace('accepted-risk', 'false-positive').replace('src/**', 'legacy/**');
    base({ 'policy.yml': POLICY, 'security/exceptions.yml': withException });
    const weakened = POLICY.replace('    - {name: No critical, severity: critical, max: 0}\n  default:', '    []\n  default:').replace(
      'critical: 7',
      'critical: 90',
    );
    write({ 'policy.yml': weakened, 'security/exceptions.yml': NO_EXCEPTIONS });
    const r = await runAction({}, PR);
    expect(r.outputs.verdict).toBe('fail');
    expect(r.summary).toContain('| ➖ removed | `EX-1` | false-positive | rule js/sql-injection; path legacy/\\*\\* |');
    expect(r.summary).toContain('- ➖ removed: gate `pull-request`, rule &quot;No critical&quot;');
    expect(r.summary).toContain('- critical: 7 days → 90 days');
  });

  it('a PR whose own policy does not load is still gated by the base policy, and says its policy is broken', async () => {
    base({ 'policy.yml': POLICY, 'security/exceptions.yml': NO_EXCEPTIONS });
    write({ 'policy.yml': 'version: 2\n' });
    const r = await runAction({}, PR);
    expect(r.outputs.verdict).toBe('fail');
    expect(r.summary).toContain(
      '⚠️ The policy in this pull request does not load, so it cannot be compared: invalid policy \\(3 problems\\): policy.yml:1:10: version',
    );
  });

  it('a PR that adds the policy file is gated by the built-in default until merged', async () => {
    base({ 'README.md': 'hello\n' });
    write({
      'policy.yml': POLICY.replace(
        'exceptions:\n  include: [security/exceptions.yml]\n',
        'exceptions:\n  include: [security/exceptions.yml]\n',
      ),
      'security/exceptions.yml': OWN_EXCEPTION,
    });
    const r = await runAction({}, PR);
    expect(r.stdout).toContain(
      'policy: policy.yml does not exist at the base commit (main at 1111111): this run is gated by the built-in default',
    );
    expect(contentReads()).toEqual([`policy.yml@${BASE_SHA}`]);
    expect(r.summary).toContain('| ➕ added | `EX-7` |');
  });

  it('an unreadable included file at the base fails closed with file and reason', async () => {
    base({ 'policy.yml': POLICY });
    write({ 'policy.yml': POLICY, 'security/exceptions.yml': OWN_EXCEPTION });
    const r = await runAction({}, PR);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(
      /::error::invalid policy \(1 problem\):%0A {2}acme\/app\/security\/exceptions\.yml@1{40}:1:1: cannot read the base policy through the GitHub API: Not Found/,
    );
  });

  it('without a token a pull request cannot read its base policy: a clear error, not the workspace policy', async () => {
    write({ 'policy.yml': POLICY, 'security/exceptions.yml': OWN_EXCEPTION });
    const r = await runAction({ token: '' }, PR);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('read from its base commit (main at 1111111) through the GitHub API, which needs a token');
  });

  it('push events read the workspace policy (the branch itself), without API calls', async () => {
    write({ 'policy.yml': POLICY, 'security/exceptions.yml': OWN_EXCEPTION });
    const r = await runAction({}, PUSH);
    expect(r.outputs.verdict).toBe('pass');
    expect(contentReads()).toEqual([]);
  });

  it('rejects an unknown policy-source', async () => {
    const r = await runAction({ 'policy-source': 'head' }, PR);
    expect(r.stdout).toContain("::error::Invalid input 'policy-source': 'head'. Expected one of: base, workspace.");
  });
});

describe('comment: on-failure and a pull request that changes the policy', () => {
  it('a passing PR that changes the policy still gets the comment (what takes effect after merge); an unchanged one does not', async () => {
    // The base policy accepts the finding (an exception without approvers applies as written): the gate passes.
    base({ 'policy.yml': POLICY, 'security/exceptions.yml': OWN_EXCEPTION });
    write({
      'policy.yml': POLICY.replace('sla: {critical: 7, high: 30}', 'sla: {critical: 60, high: 90}'),
      'security/exceptions.yml': OWN_EXCEPTION,
    });
    const changed = await runAction({ comment: 'on-failure' }, PR);
    expect(changed.stderr).toBe('');
    expect(changed.outputs.verdict).toBe('pass');
    expect(server.calls('issues/create-comment')).toHaveLength(1);
    expect(comment()).toContain('📝 Policy changes in this PR: take effect after merge');
    expect(comment()).toMatch(/critical/);

    server.reset();
    base({ 'policy.yml': POLICY, 'security/exceptions.yml': OWN_EXCEPTION });
    write({ 'policy.yml': POLICY });
    const same = await runAction({ comment: 'on-failure' }, PR);
    expect(same.outputs.verdict).toBe('pass');
    expect(server.calls('issues/create-comment')).toHaveLength(0);
    expect(same.stdout).toContain('no comment: the gate passed (comment: on-failure)');
  });
});
