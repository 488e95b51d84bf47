import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/cli';
import { EX7_EXCEPTION, SQL_INJECTION_SARIF, writeFiles } from './support/approval-fixtures';
import { useGitHubServer } from './support/github-server';
import type { Review } from './support/repo-history';

/**
 * Issue #17 in other CI systems: the CLI verifies `exceptions.approvers` from GitHub's records (GITHUB_TOKEN and
 * --repo or GITHUB_REPOSITORY), with the Action's verifier, against the validating local GitHub server; without a
 * token or repository it fails closed and says what is needed; a file ledger keeps verified approvals.
 */

const SHA = '1'.repeat(40);
const POLICY = `version: 1
severity:
  levels: [critical, high, medium, low]
  from-level: {error: critical, warning: medium, note: low, none: low}
gates:
  default:
    - {name: No critical, severity: critical, max: 0}
exceptions:
  approvers: {users: [alice], teams: [acme/appsec], min: {critical: 1, default: 1}, not-requester: true}
  include: [security/exceptions.yml]
`;
const EXCEPTION = EX7_EXCEPTION;
const SARIF = SQL_INJECTION_SARIF;
const APPROVAL_CALLS = [
  'repos/list-commits',
  'repos/get-content',
  'repos/list-pull-requests-associated-with-commit',
  'pulls/list-reviews',
  'teams/get-membership-for-user-in-org',
];

const server = useGitHubServer();
let ws: string;

beforeEach(() => {
  ws = mkdtempSync(join(tmpdir(), 'dg-cli-approvals-'));
  writeFiles(ws, { 'results/codeql.sarif': SARIF, 'policy.yml': POLICY, 'security/exceptions.yml': EXCEPTION });
  server.teams.set('acme/appsec', ['bob']);
});
afterEach(() => {
  rmSync(ws, { recursive: true, force: true });
});

/** main: the policy (a direct commit), then the exception merged through #12 by `dev` with these reviews. */
function history(reviews: Review[]): void {
  const h = server.history('acme', 'app');
  h.commit({ 'policy.yml': POLICY, 'security/exceptions.yml': 'entries: []\n' }, { author: 'secops', message: 'policy' });
  h.commit(
    { 'security/exceptions.yml': EXCEPTION },
    { sha: SHA, author: 'dev', date: '2026-11-02T10:00:00Z', message: 'Accept EX-7 (#12)', pull: { number: 12, author: 'dev', reviews } },
  );
}

async function cli(extra: string[], env: Record<string, string> = { GITHUB_TOKEN: 't', GITHUB_SHA: SHA }) {
  let stdout = '';
  let stderr = '';
  const args = ['check', '--policy', 'policy.yml', '--api-url', server.url, ...extra, 'results/codeql.sarif'];
  const code = await runCli(args, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    cwd: ws,
    env,
    isTTY: false,
    now: () => new Date('2026-12-01T12:00:00Z'),
  });
  return { code, stdout, stderr };
}

describe('defect-gate check: exceptions.approvers verified through the GitHub API', () => {
  it('approved by a listed approver: the exception applies', async () => {
    history([{ user: 'alice', state: 'APPROVED' }]);
    const r = await cli(['--repo', 'acme/app']);
    expect(r.stderr).not.toContain('unverified');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('exception approvals: ');
    expect(server.calls('repos/list-commits')[0]!.query).toMatchObject({ sha: SHA, path: 'security/exceptions.yml' });
    expect(server.calls('pulls/list-reviews').map((c) => c.params.pull_number)).toEqual([12]);
    expect(server.requests.every((q) => q.headers.authorization === 'token t')).toBe(true);
  });

  it('a team member approving counts (GITHUB_REPOSITORY instead of --repo)', async () => {
    history([{ user: 'bob', state: 'APPROVED' }]);
    const r = await cli([], { GITHUB_TOKEN: 't', GITHUB_SHA: SHA, GITHUB_REPOSITORY: 'acme/app' });
    expect(r.code).toBe(0);
    expect(server.calls('teams/get-membership-for-user-in-org')).toHaveLength(1);
  });

  it('approved only by its author: does not apply, and says why', async () => {
    history([{ user: 'dev', state: 'APPROVED' }]);
    const r = await cli(['--repo', 'acme/app']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('1 exception(s) with unverified approvals do not apply: EX-7: #12 was approved only by its author (@dev)');
  });

  it('a checkout whose entry differs from the committed, approved one: does not apply', async () => {
    history([{ user: 'alice', state: 'APPROVED' }]);
    writeFileSync(join(ws, 'security/exceptions.yml'), EXCEPTION.replace('path: "src/**"', 'path: "**"'));
    const r = await cli(['--repo', 'acme/app']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('EX-7: exception EX-7 differs from its content in security/exceptions.yml');
  });

  it('without a token or repository: fails closed with one line saying what is needed; off skips and says so once', async () => {
    history([{ user: 'alice', state: 'APPROVED' }]);
    for (const env of [{ GITHUB_SHA: SHA, GITHUB_REPOSITORY: 'acme/app' }, { GITHUB_TOKEN: 't' }] as Record<string, string>[]) {
      const r = await cli([], env);
      expect(r.code).toBe(1);
      const lines = r.stderr.split('\n').filter((l) => l.includes('approvals'));
      expect(lines).toEqual([
        'warning: exception approvals cannot be verified without the GitHub API: exceptions that need them do not apply; give GITHUB_TOKEN (or GH_TOKEN) and --repo owner/repo (or GITHUB_REPOSITORY) to verify them, or --verify-approvals off to skip',
      ]);
    }
    const off = await cli(['--verify-approvals', 'off'], {});
    expect(off.code).toBe(0);
    expect(off.stderr.match(/approvals were not verified/g)).toHaveLength(1);
    expect(server.requests).toEqual([]);
  });

  it('--ledger file: keeps verified approvals: the second run makes no approval calls', async () => {
    history([{ user: 'alice', state: 'APPROVED' }]);
    const first = await cli(['--repo', 'acme/app', '--ledger', 'file:ledger.json']);
    expect(first.code).toBe(0);
    expect(server.calls('pulls/list-reviews')).toHaveLength(1);
    expect(readFileSync(join(ws, 'ledger.json'), 'utf8')).toContain('EX-7:');
    server.requests.length = 0;
    const second = await cli(['--repo', 'acme/app', '--ledger', 'file:ledger.json']);
    expect(second.code).toBe(0);
    expect(server.requests.filter((q) => APPROVAL_CALLS.includes(q.operationId))).toEqual([]);
    expect(second.stderr).toContain('exception approvals: 0 GitHub API request(s), 1 verified approval(s) from the ledger');
  });
});
