import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EX7_EXCEPTION, SQL_INJECTION_SARIF, writeFiles } from '../support/approval-fixtures';
import { responses, useGitHubServer } from '../support/github-server';
import type { Review } from '../support/repo-history';
import { runDistAction, type ActionRun } from '../support/run-action';

/**
 * Issue #17, part 2: `exceptions.approvers` — an exception counts only when the change that introduced its current
 * content reached the default branch through a pull request approved by listed approvers, none of them its author.
 * The built Action (dist/) runs a pull request against the validating local GitHub server, whose acme/app history
 * has the policy (commit 1) and the exception merged through pull request #12 (commit 2, the PR's base).
 */

const EVENTS = resolve('__fixtures__/github');
const BASE_SHA = '1'.repeat(40);
const PR = { name: 'pull_request', file: 'pull_request.json' };
const PUSH_DEFAULT = { name: 'push', file: 'push-default-branch.json' };

const POLICY = `version: 1
severity:
  levels: [critical, high, medium, low]
  from-level: {error: critical, warning: medium, note: low, none: low}
gates:
  pull-request:
    - {name: No critical, severity: critical, max: 0}
    - {name: No unverified exception, exception: unverified, max: 0, action: warn}
exceptions:
  approvers: {users: [alice], teams: [acme/appsec], min: {critical: 1, default: 1}, not-requester: true}
  include: [security/exceptions.yml]
`;
const EXCEPTION = EX7_EXCEPTION;
const SARIF = SQL_INJECTION_SARIF;

const server = useGitHubServer();
let dir: string;
let ws: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dg-approvals-'));
  ws = join(dir, 'workspace');
  writeFiles(ws, { 'results/codeql.sarif': SARIF, 'policy.yml': POLICY, 'security/exceptions.yml': EXCEPTION });
  server.teams.set('acme/appsec', ['bob']);
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The job summary without markdown's escapes (zero-width spaces after @ and #, backslashes). */
const plain = (s: string) => s.replace(/\u200b/g, '').replace(/\\([#*_()[\]|`])/g, '$1');

/** main: the policy (a direct commit), then the exception merged through #12 by `dev` with these reviews. */
function history(reviews: Review[]): void {
  const h = server.history('acme', 'app');
  h.commit({ 'policy.yml': POLICY, 'security/exceptions.yml': 'entries: []\n' }, { author: 'secops', message: 'policy' });
  h.commit(
    { 'security/exceptions.yml': EXCEPTION },
    {
      sha: BASE_SHA,
      author: 'dev',
      date: '2026-11-02T10:00:00Z',
      message: 'Accept EX-7 (#12)',
      pull: { number: 12, author: 'dev', reviews },
    },
  );
}

function runAction(inputs: Record<string, string> = {}, event = PR): Promise<ActionRun> {
  return runDistAction({
    dir,
    workspace: ws,
    inputs: {
      token: 'ghs_e2e',
      files: 'results/*.sarif',
      policy: 'policy.yml',
      ledger: 'none',
      'check-run': 'false',
      comment: 'never',
      ...inputs,
    },
    eventName: event.name,
    eventPath: join(EVENTS, event.file),
    env: { GITHUB_API_URL: server.url, GITHUB_SERVER_URL: 'https://github.com', GITHUB_RUN_ID: '4242', DEFECT_GATE_RETRY_BASE_MS: '20' },
  });
}

describe('exceptions.approvers: verified from the merged pull request', () => {
  it('merged through a PR approved by a listed approver: applies, and says who approved it where', async () => {
    history([{ user: 'alice', state: 'APPROVED' }]);
    const r = await runAction();
    expect(r.stderr).toBe('');
    expect(r.outputs.verdict).toBe('pass');
    expect(plain(r.summary)).toContain('approved by @alice in #12 on 2026-11-02');
    // The file's history at the base commit, the PR of the introducing commit, its reviews.
    expect(server.calls('repos/list-commits')[0]!.query).toMatchObject({ sha: BASE_SHA, path: 'security/exceptions.yml' });
    expect(server.calls('repos/list-pull-requests-associated-with-commit').map((c) => c.path)).toEqual([
      `/repos/acme/app/commits/${BASE_SHA}/pulls`,
    ]);
    expect(server.calls('pulls/list-reviews').map((c) => c.params.pull_number)).toEqual([12]);
    expect(server.calls('teams/get-membership-for-user-in-org')).toEqual([]); // alice is listed by name
  });

  it('a team member approving counts, with the team named', async () => {
    history([{ user: 'bob', state: 'APPROVED' }]);
    const r = await runAction();
    expect(r.outputs.verdict).toBe('pass');
    expect(plain(r.summary)).toContain('approved by @bob (acme/appsec) in #12 on 2026-11-02');
  });

  it('a PR that adds its own exception fails: the base has none, and the change is listed as needing approval', async () => {
    server.history('acme', 'app').commit({ 'policy.yml': POLICY, 'security/exceptions.yml': 'entries: []\n' }, { sha: BASE_SHA });
    const r = await runAction();
    expect(r.outputs.verdict).toBe('fail');
    expect(r.summary).toContain('| ➕ added | `EX-7` | accepted-risk |');
    expect(plain(r.summary)).toContain('approval by @alice, @acme/appsec');
  });

  it('approved only by its author: does not apply, says why, and the `exception: unverified` gate rule counts it', async () => {
    history([{ user: 'dev', state: 'APPROVED' }]);
    const r = await runAction();
    expect(r.outputs.verdict).toBe('fail');
    expect(plain(r.summary)).toContain('#12 was approved only by its author (@dev)');
    expect(r.summary).toMatch(/⚠️ \| No unverified exception \| exception unverified \| 1 \| 0 \| warn/);
    expect(r.stdout).toContain('1 exception(s) with unverified approvals do not apply: EX-7: #12 was approved only by its author (@dev)');
  });

  it('approved by someone outside the team: does not apply', async () => {
    history([{ user: 'mallory', state: 'APPROVED' }]);
    const r = await runAction();
    expect(r.outputs.verdict).toBe('fail');
    expect(plain(r.summary)).toContain('no approving review from acme/appsec, @alice in #12 (@mallory approved, but is not listed)');
  });

  it('an approval on an older head, then changes requested: does not count', async () => {
    history([{ user: 'alice', state: 'APPROVED', commitId: 'c'.repeat(40) }]);
    const r = await runAction();
    expect(r.outputs.verdict).toBe('fail');
    expect(plain(r.summary)).toContain('no approving review from acme/appsec, @alice at the merged head of #12');
  });

  it('a token that cannot read team membership: a clear message, the exception does not apply', async () => {
    history([{ user: 'bob', state: 'APPROVED' }]);
    server.always('teams/get-membership-for-user-in-org', responses.forbidden());
    const r = await runAction();
    expect(r.outputs.verdict).toBe('fail');
    expect(r.stdout).toContain('token cannot read team membership: needs members:read (organization)');
  });

  it('the ledger keeps verified approvals: the next run (a pull request) makes no approval calls', async () => {
    history([{ user: 'alice', state: 'APPROVED' }]);
    // main moves on (the push under test is GITHUB_SHA, aaa…a); the exception file is unchanged.
    server.history('acme', 'app').commit({ 'README.md': 'hi\n' }, { sha: 'a'.repeat(40) });
    const push = await runAction({ ledger: 'branch:defect-gate-data' }, PUSH_DEFAULT);
    expect(push.outputs.verdict).toBe('pass');
    expect(push.outputs['ledger-written']).toBe('true');
    expect(server.calls('pulls/list-reviews')).toHaveLength(1);
    const stored = JSON.parse(server.git('acme', 'app').filesAt('defect-gate-data').get('default/approvals.json') ?? '{}') as Record<
      string,
      { approvers: { login: string }[]; pr: { number: number } }
    >;
    expect(Object.values(stored)).toMatchObject([{ approvers: [{ login: 'alice' }], pr: { number: 12 } }]);
    expect(Object.keys(stored)[0]).toMatch(/^EX-7:[0-9a-f]{32}$/);
    server.requests.length = 0;
    const pr = await runAction({ ledger: 'branch:defect-gate-data' });
    expect(pr.outputs.verdict).toBe('pass');
    expect(plain(pr.summary)).toContain('approved by @alice in #12 on 2026-11-02');
    const approvalCalls = [
      'repos/list-commits',
      'repos/list-pull-requests-associated-with-commit',
      'pulls/list-reviews',
      'teams/get-membership-for-user-in-org',
    ];
    expect(server.requests.filter((r) => approvalCalls.includes(r.operationId))).toEqual([]);
    expect(pr.stdout).toContain('exception approvals: 0 GitHub API request(s), 1 verified approval(s) from the ledger');
  });

  it('verify-approvals: off applies the exception on its text, and says once that approvals were not verified', async () => {
    history([{ user: 'dev', state: 'APPROVED' }]);
    const r = await runAction({ 'verify-approvals': 'off' });
    expect(r.outputs.verdict).toBe('pass');
    expect(r.stdout.match(/approvals were not verified/g)).toHaveLength(1);
    expect(server.calls('repos/list-commits')).toEqual([]);
  });
});
