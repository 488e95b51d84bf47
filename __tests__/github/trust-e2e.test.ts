import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { responses, useGitHubServer } from '../support/github-server';
import { runDistAction, type ActionRun } from '../support/run-action';
import { stickyMarker } from '../../src/github/comment';
import { DEFAULT_RETRY_POLICY } from '../../src/github/retry';

/**
 * Issue #16, "GitHub reporting you can trust", end to end: the built Action (dist/index.js) against the validating
 * local API server, with its fault injection (spoofed comments, creates that happen and then answer 502, PRs that are
 * not what the artifact says, 429 with retry-after, GitHub down).
 */

const CORPUS = resolve('__fixtures__/corpus/defectdojo');
const EVENTS = resolve('__fixtures__/github');
const PR_HEAD = 'b'.repeat(40);
const MARKER = stickyMarker('defect-gate (pull-request)');
const PR = { name: 'pull_request', file: 'pull_request.json' };
const WORKFLOW_RUN = { name: 'workflow_run', file: 'workflow_run.json' };
const WORKFLOW_RUN_FORK = { name: 'workflow_run', file: 'workflow_run-fork.json' };

const server = useGitHubServer();
let dir: string;
let ws: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dg-trust-e2e-'));
  ws = join(dir, 'workspace');
  mkdirSync(join(ws, 'results'), { recursive: true });
  copyFileSync(`${CORPUS}/sarif/codeQL-output.sarif`, join(ws, 'results/codeql.sarif'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function runAction(
  inputs: Record<string, string>,
  event: { name: string; file: string },
  env: Record<string, string> = {},
): Promise<ActionRun> {
  return runDistAction({
    dir,
    workspace: ws,
    inputs: { token: 'ghs_e2e', ledger: 'none', ...inputs },
    eventName: event.name,
    eventPath: join(EVENTS, event.file),
    env: {
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_RUN_ID: '4242',
      GITHUB_API_URL: server.url,
      DEFECT_GATE_RETRY_BASE_MS: '10',
      ...env,
    },
  });
}

const warningLines = (r: ActionRun) => r.stdout.split('\n').filter((l) => l.startsWith('::warning'));
const commentsOn = (n: number) => [...server.comments.values()].filter((c) => c.issueNumber === n);

describe('sticky comment identity', () => {
  it('leaves a marker comment by someone else alone (and one with the marker in the middle), writes and then updates its own', async () => {
    const spoofed = server.seedComment(7, `${MARKER}\nAll clear, merge away!`, 'mallory');
    const middle = server.seedComment(7, `quoting the bot: ${MARKER} ...`, 'github-actions[bot]');
    const r = await runAction({ files: 'results/*.sarif' }, PR);
    expect(r.status).toBe(1);
    const own = Number(r.outputs['comment-id']);
    expect(own).not.toBe(spoofed);
    expect(own).not.toBe(middle);
    expect(server.comments.get(spoofed)!.record.body).toBe(`${MARKER}\nAll clear, merge away!`);
    expect(server.comments.get(middle)!.record.body).toBe(`quoting the bot: ${MARKER} ...`);
    expect(server.calls('issues/update-comment')).toEqual([]);
    expect(server.comments.get(own)!.record.body.startsWith(MARKER)).toBe(true);
    expect((server.comments.get(own)!.record.user as { login: string }).login).toBe('github-actions[bot]');
    expect(r.stdout).toContain("left 1 comment(s) with this gate's marker alone: not written by github-actions[bot]");
    // The identity came from GraphQL viewer (GET /user is forbidden for GITHUB_TOKEN and not needed).
    expect(server.calls('graphql')).toHaveLength(1);
    expect(server.calls('users/get-authenticated')).toEqual([]);

    const again = await runAction({ files: 'results/*.sarif' }, PR);
    expect(again.outputs['comment-id']).toBe(String(own));
    expect(server.calls('issues/update-comment').map((c) => c.params.comment_id)).toEqual([own]);
    expect(server.comments.get(spoofed)!.record.body).toBe(`${MARKER}\nAll clear, merge away!`);
    expect(commentsOn(7)).toHaveLength(3);
  }, 60_000);

  it('comment-author names the identity (a GitHub App token); GET /user when GraphQL is unavailable (a user token)', async () => {
    server.viewer = 'acme-gate[bot]';
    const app = server.seedComment(7, `${MARKER}\nold`, 'acme-gate[bot]');
    server.seedComment(7, `${MARKER}\nlooks like the bot`, 'github-actions[bot]');
    const r = await runAction({ files: 'results/*.sarif', 'comment-author': 'acme-gate[bot]' }, PR);
    expect(r.outputs['comment-id']).toBe(String(app));
    expect(server.calls('graphql')).toEqual([]);
    server.reset();

    server.viewer = 'octo-dev';
    server.userToken = true;
    server.graphqlResponse = { status: 502, body: { message: 'Server Error' } };
    const mine = server.seedComment(7, `${MARKER}\nold`, 'octo-dev');
    const u = await runAction({ files: 'results/*.sarif' }, PR);
    expect(u.outputs['comment-id']).toBe(String(mine));
    expect(server.calls('users/get-authenticated')).toHaveLength(1);
  }, 60_000);
});

describe('idempotent creates', () => {
  it('created, then 502: no duplicate comment, one check run, completed', async () => {
    server.scriptAfter('issues/create-comment', responses.serverError(502));
    server.scriptAfter('checks/create', responses.serverError(502));
    const r = await runAction({ files: 'results/*.sarif' }, PR);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('');
    expect(warningLines(r)).toEqual([]);
    // One create each: the 502 was followed by a look-up that found the object.
    expect(server.calls('checks/create').map((c) => c.status)).toEqual([502]);
    expect(server.calls('checks/list-for-ref')).toHaveLength(1);
    expect(server.checkRuns.size).toBe(1);
    const [run] = [...server.checkRuns.values()];
    expect(run!.record).toMatchObject({ status: 'completed', conclusion: 'failure', head_sha: PR_HEAD });
    expect(r.outputs['check-run-id']).toBe(String(run!.record.id));
    expect(String(run!.record.external_id)).toMatch(/^defect-gate:4242\.1:[0-9a-f-]{36}$/);
    expect(server.calls('issues/create-comment').map((c) => c.status)).toEqual([502]);
    expect(commentsOn(7)).toHaveLength(1);
    expect(r.outputs['comment-id']).toBe(String(commentsOn(7)[0]!.record.id));
  }, 60_000);

  it('a check run whose update fails is completed anyway, saying what went wrong; annotations fall back to workflow commands', async () => {
    server.script('checks/update', {
      status: 422,
      body: { message: 'Validation Failed', documentation_url: 'https://docs.github.com/rest' },
    });
    const r = await runAction({ files: 'results/*.sarif' }, PR);
    expect(r.status).toBe(1);
    const run = server.checkRuns.get(Number(r.outputs['check-run-id']))!;
    expect(run.record).toMatchObject({ status: 'completed', conclusion: 'failure' });
    const summary = String((run.record.output as { summary: string }).summary);
    expect(summary).toMatch(/^> \[!WARNING\]\n> defect-gate could not finish this check run: HTTP 422: Validation Failed/);
    expect(summary.split('\n')[1]).toContain('0 of 50 annotations sent');
    expect(r.stdout.split('\n').filter((l) => /^::error title=.*,file=/.test(l))).toHaveLength(10);
    expect(warningLines(r)).toHaveLength(1);
  }, 60_000);
});

describe('workflow_run: the PR number is verified', () => {
  it('refuses to comment on a PR whose head is not the checked commit; comments when it is', async () => {
    // The fork's artifact says PR 9, but PR 9's head is another commit.
    server.pulls.set(9, { headSha: 'e'.repeat(40), headRepo: 'mallory/app' });
    const r = await runAction({ files: 'results/*.sarif', environment: 'pull-request', 'pr-number': '9' }, WORKFLOW_RUN_FORK);
    expect(r.status).toBe(1);
    expect(server.calls('issues/create-comment')).toEqual([]);
    expect(server.calls('issues/list-comments')).toEqual([]);
    expect(r.stdout).toMatch(
      /^::error::defect-gate: refused to comment: pull request #9 has head eeeeeeeeeeee, not ffffffffffff, the commit this run checked/m,
    );
    expect(r.stdout).toContain('this needs pull-requests: read');
    // The check run is on the commit GitHub's event names.
    expect(server.calls('checks/create')[0]!.body).toMatchObject({ head_sha: 'f'.repeat(40) });

    // Same head sha, but the PR comes from another repository than the run's.
    server.pulls.set(9, { headSha: 'f'.repeat(40), headRepo: 'acme/app' });
    const other = await runAction({ files: 'results/*.sarif', environment: 'pull-request', 'pr-number': '9' }, WORKFLOW_RUN_FORK);
    expect(other.stdout).toMatch(/^::error::defect-gate: refused to comment: pull request #9 comes from acme\/app, not mallory\/app/m);
    expect(server.calls('issues/create-comment')).toEqual([]);

    server.pulls.set(9, { headSha: 'f'.repeat(40), headRepo: 'mallory/app' });
    const ok = await runAction(
      { files: 'results/*.sarif', environment: 'pull-request', 'pr-number': '9', 'head-sha': 'f'.repeat(40) },
      WORKFLOW_RUN_FORK,
    );
    expect(ok.stdout).not.toMatch(/refused/);
    expect(server.calls('issues/create-comment').map((c) => c.params.issue_number)).toEqual([9]);
  }, 60_000);

  it('verifies the PR taken from the event too', async () => {
    server.pulls.set(7, { headSha: '9'.repeat(40) });
    const r = await runAction({ files: 'results/*.sarif', environment: 'pull-request' }, WORKFLOW_RUN);
    expect(r.stdout).toMatch(/refused to comment: pull request #7 has head 999999999999, not cccccccccccc/);
    expect(server.calls('issues/create-comment')).toEqual([]);
  }, 60_000);
});

describe('rate limits and GitHub down', () => {
  it('a 429 with retry-after (no rate-limit wording) is retried', async () => {
    const tooMany = {
      status: 429,
      headers: { 'retry-after': '1' },
      body: { message: 'Too Many Requests', documentation_url: 'https://docs.github.com/rest' },
    };
    server.script('issues/list-comments', tooMany);
    server.script('issues/create-comment', tooMany);
    const r = await runAction({ files: 'results/*.sarif' }, PR);
    expect(server.calls('issues/list-comments').map((c) => c.status)).toEqual([429, 200]);
    expect(server.calls('issues/create-comment').map((c) => c.status)).toEqual([429, 201]);
    expect(r.outputs['comment-id']).not.toBe('');
    expect(r.stdout).toMatch(/^::warning::GitHub API answered 429 \(too many requests\) on GET .*: retrying in 1 s \(retry 1\)$/m);
  }, 60_000);

  it('GitHub down: bounded retries, the verdict enforced, and the headline names the ledger', async () => {
    server.always('*', responses.serverError(503));
    server.graphqlResponse = responses.serverError(503);
    const started = Date.now();
    const r = await runAction({ files: 'results/*.sarif', ledger: 'branch:defect-gate-data' }, PR);
    const elapsed = Date.now() - started;
    expect(r.status).toBe(1);
    expect(r.outputs.verdict).toBe('fail');
    // The first request (reading the ledger) is retried with the policy's back-off; then GitHub counts as down and
    // every later request gets one attempt.
    const byOp = new Map<string, number>();
    for (const q of server.requests) byOp.set(q.operationId, (byOp.get(q.operationId) ?? 0) + 1);
    expect(byOp.get('git/get-ref')).toBe(DEFAULT_RETRY_POLICY.delays.length + 1);
    expect(server.requests.length).toBeLessThanOrEqual(DEFAULT_RETRY_POLICY.delays.length + 1 + 5);
    const waits = [...r.stdout.matchAll(/retrying in (\d+(?:\.\d+)?) s/g)].map((m) => Number(m[1]));
    expect(waits).toEqual([...DEFAULT_RETRY_POLICY.delays]);
    // With 1000 ms per second (production), the waiting is bounded by the budget, well under 20 s.
    expect(waits.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(DEFAULT_RETRY_POLICY.budget);
    expect(DEFAULT_RETRY_POLICY.budget).toBeLessThan(20);
    // Here 10 ms per second: the run is quick (generous bound for a loaded machine).
    expect(elapsed).toBeLessThan(30_000);
    const headline = r.stdout.split('\n').find((l) => l.startsWith('::error::Gate '));
    expect(headline).toMatch(
      /^::error::Gate "No high findings" failed: 11 findings \(max 0\) in pull-request; the ledger branch:defect-gate-data could not be read: GitHub API unavailable at http:\/\/127\.0\.0\.1:\d+ \(GET \/repos\/\{owner\}\/\{repo\}\/git\/ref\/\{ref\}: HTTP 503: Service Unavailable; 4 attempts\)/,
    );
    expect(r.summary).toContain('the ledger branch:defect-gate-data could not be read: GitHub API unavailable');
    expect(r.summary).not.toMatch(/input file could not be read/);
    expect(warningLines(r)).toHaveLength(1);
  }, 60_000);
});

describe('useful at a glance', () => {
  it('locations link to the code at the head sha (GHES server URL), in the comment, the check run and the job summary', async () => {
    const r = await runAction({ files: 'results/*.sarif' }, PR, { GITHUB_SERVER_URL: 'https://ghe.example.com/' });
    const link = `[\`bad/libapi.py:22\`](https://ghe.example.com/acme/app/blob/${PR_HEAD}/bad/libapi.py#L22)`;
    expect(r.summary).toContain(link);
    expect(String((server.checkRuns.get(Number(r.outputs['check-run-id']))!.record.output as { summary: string }).summary)).toContain(link);
    expect(server.comments.get(Number(r.outputs['comment-id']))!.record.body).toContain(link);
    // No header-only tables anywhere.
    for (const text of [r.summary, server.comments.get(Number(r.outputs['comment-id']))!.record.body]) {
      expect(text).not.toMatch(/\|---[|-]*\|\n(?!\|)/);
    }
  }, 60_000);

  it('an empty ledger (no baseline yet): the comment says so instead of calling every finding introduced', async () => {
    const r = await runAction({ files: 'results/*.sarif', ledger: 'branch:defect-gate-data' }, PR);
    const body = server.comments.get(Number(r.outputs['comment-id']))!.record.body;
    expect(body).toContain('No baseline yet');
    expect(body).not.toContain('Introduced by this PR');
    expect(body).toContain('#### Blocking findings (11)');
  }, 60_000);
});
