import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runCli } from '../src/cli';
import { GitHubServer } from './support/github-server';

/**
 * Issue #17 in other CI systems: `--policy-ref REF` gates with the policy (and its exception files) as they are at REF,
 * read with `git show` when the checkout has REF, else through the GitHub API; the checkout's own policy changes are
 * listed as taking effect after merge.
 */

const POLICY = `version: 1
severity:
  levels: [critical, high, medium, low]
  from-level: {error: critical, warning: medium, note: low, none: low}
gates:
  default:
    - {name: No critical, severity: critical, max: 0}
exceptions:
  include: [security/exceptions.yml]
`;
const OWN_EXCEPTION = `entries:
  - {id: EX-7, type: accepted-risk, match: {rule: js/sql-injection}, reason: trust me, approved-by: security-team, approved-on: 2026-11-20, expires: 2027-06-30}
`;
const SARIF = JSON.stringify({
  version: '2.1.0',
  runs: [
    {
      tool: { driver: { name: 'CodeQL' } },
      results: [
        {
          ruleId: 'js/sql-injection',
          level: 'error',
          message: { text: 'SQL injection' },
          locations: [{ physicalLocation: { artifactLocation: { uri: 'src/a.js' }, region: { startLine: 3 } } }],
        },
      ],
    },
  ],
});

let ws: string;
const write = (files: Record<string, string>) => {
  for (const [p, t] of Object.entries(files)) {
    mkdirSync(dirname(join(ws, p)), { recursive: true });
    writeFileSync(join(ws, p), t);
  }
};
const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args], {
    cwd: ws,
    encoding: 'utf8',
  });

async function cli(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
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

beforeEach(() => {
  ws = mkdtempSync(join(tmpdir(), 'dg-policy-ref-'));
  write({ 'results/codeql.sarif': SARIF });
});
afterEach(() => rmSync(ws, { recursive: true, force: true }));

describe('--policy-ref with git history', () => {
  it('gates with the policy at REF; the checkout adding its own exception does not pass, and is listed', async () => {
    write({ 'policy.yml': POLICY, 'security/exceptions.yml': 'entries: []\n' });
    git('init', '-q');
    git('add', 'policy.yml', 'security/exceptions.yml');
    git('commit', '-qm', 'policy');
    write({ 'security/exceptions.yml': OWN_EXCEPTION });
    expect((await cli(['check', '--policy', 'policy.yml', 'results/codeql.sarif'])).code).toBe(0); // the checkout's policy
    const r = await cli(['check', '--policy', 'policy.yml', '--policy-ref', 'main', 'results/codeql.sarif']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/policy: policy\.yml as of the base commit \(main \([0-9a-f]{7}, git\)\)/);
    expect(r.stderr).toContain('exception EX-7 added (accepted-risk; rule js/sql-injection; approved-by security-team, not verified)');
    const md = await cli(['check', '--format', 'markdown', '--policy', 'policy.yml', '--policy-ref', 'main', 'results/codeql.sarif']);
    expect(md.stdout).toContain('📝 Policy changes in this PR: take effect after merge');
  });

  it('usage errors: no --policy, a ref that is neither in the checkout nor readable through the API', async () => {
    expect((await cli(['check', '--policy-ref', 'main', 'results/codeql.sarif'])).stderr).toContain('--policy-ref needs --policy FILE');
    const r = await cli(['check', '--policy', 'policy.yml', '--policy-ref', 'nope', 'results/codeql.sarif']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--policy-ref nope: the checkout has no such commit');
  });
});

describe('--policy-ref through the GitHub API (a shallow checkout)', () => {
  let server: GitHubServer;
  beforeAll(async () => {
    server = await GitHubServer.start();
  });
  afterAll(() => server.close());

  it('reads the policy and its exception file at REF of GITHUB_REPOSITORY, every request valid', async () => {
    server.history('acme', 'app').commit({ 'policy.yml': POLICY, 'security/exceptions.yml': 'entries: []\n' });
    write({ 'policy.yml': POLICY, 'security/exceptions.yml': OWN_EXCEPTION });
    const r = await cli(['check', '--policy', 'policy.yml', '--policy-ref', 'main', '--api-url', server.url, 'results/codeql.sarif'], {
      GITHUB_REPOSITORY: 'acme/app',
      GITHUB_TOKEN: 't',
    });
    expect(r.code).toBe(1);
    expect(server.calls('repos/get-content').map((c) => `${c.params.path}@${c.query.ref}`)).toEqual([
      'policy.yml@main',
      'security/exceptions.yml@main',
    ]);
    expect(r.stderr).toContain('exception EX-7 added');
    expect(server.errors).toEqual([]);
  });
});

describe('--verify-approvals (exceptions.approvers) in the CLI', () => {
  it('fails closed without GitHub; off applies exceptions on their text and says so once', async () => {
    write({
      'policy.yml': POLICY.replace('exceptions:\n', 'exceptions:\n  approvers: {users: [alice]}\n'),
      'security/exceptions.yml': OWN_EXCEPTION,
    });
    const enforce = await cli(['check', '--policy', 'policy.yml', 'results/codeql.sarif']);
    expect(enforce.code).toBe(1);
    expect(enforce.stderr).toContain('exception approvals cannot be verified without the GitHub API');
    const off = await cli(['check', '--policy', 'policy.yml', '--verify-approvals', 'off', 'results/codeql.sarif']);
    expect(off.code).toBe(0);
    expect(off.stderr.match(/approvals were not verified/g)).toHaveLength(1);
    const list = await cli(['exceptions', '--policy', 'policy.yml']);
    expect(list.stdout).toContain(
      'EX-7  accepted-risk, approved by security-team (not verified: approvals are not verified by this command)',
    );
    expect((await cli(['check', '--verify-approvals', 'maybe', 'results/codeql.sarif'])).stderr).toContain(
      'invalid --verify-approvals "maybe"',
    );
  });
});
