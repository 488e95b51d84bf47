import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isWrite, responses, useGitHubServer } from '../support/github-server';
import { runDistAction, type ActionRun } from '../support/run-action';
import { stickyMarker } from '../../src/github/comment';

/**
 * The built Action (dist/index.js) run as the runner runs it, with GITHUB_API_URL pointing at the validating local
 * server. The child is spawned asynchronously so that the server in this process can answer it.
 */

const CORPUS = resolve('__fixtures__/corpus/defectdojo');
const EVENTS = resolve('__fixtures__/github');
const PR_HEAD = 'b'.repeat(40);
const PUSH_SHA = 'a'.repeat(40);
const LENIENT =
  'version: 1\nseverity:\n  levels: [high, low]\n  from-score: {high: 9.9}\n  from-level: {error: low, warning: low, note: low, none: low}\ngates:\n  default:\n    - {name: No high, severity: high}\n  pull-request:\n    - {name: No high, severity: high}\n';

const server = useGitHubServer();
let dir: string;
let ws: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dg-gh-e2e-'));
  ws = join(dir, 'workspace');
  mkdirSync(join(ws, 'results'), { recursive: true });
  copyFileSync(`${CORPUS}/sarif/codeQL-output.sarif`, join(ws, 'results/codeql.sarif'));
  copyFileSync(`${CORPUS}/sarif/cxf-3.4.6.sarif`, join(ws, 'results/grype.sarif'));
  writeFileSync(join(ws, 'lenient.yml'), LENIENT);
  // Pull requests are gated by the policy of their base commit (issue #17), read through the API: the same policy.
  server.history('acme', 'app').commit({ 'lenient.yml': LENIENT }, { sha: '1'.repeat(40) });
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function runAction(inputs: Record<string, string>, event: { name: string; file: string }): Promise<ActionRun> {
  return runDistAction({
    dir,
    workspace: ws,
    inputs: { token: 'ghs_e2e', ...inputs },
    eventName: event.name,
    eventPath: join(EVENTS, event.file),
    env: {
      GITHUB_SHA: PUSH_SHA,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_RUN_ID: '4242',
      GITHUB_API_URL: server.url,
      DEFECT_GATE_RETRY_BASE_MS: '20',
    },
  });
}

const PR = { name: 'pull_request', file: 'pull_request.json' };
const FORK = { name: 'pull_request', file: 'pull_request-fork.json' };
const PUSH = { name: 'push', file: 'push.json' };
const WORKFLOW_RUN = { name: 'workflow_run', file: 'workflow_run.json' };
const PUSH_DEFAULT = { name: 'push', file: 'push-default-branch.json' };
const RUN_URL = 'https://github.com/acme/app/actions/runs/4242';
const commandAnnotations = (stdout: string) => stdout.split('\n').filter((l) => /^::error title=.*,file=/.test(l));

describe('GitHub reporting from dist/, against the validating API server', () => {
  it('pull_request: check run on the PR head sha with annotations, a sticky comment, updated on the next push', async () => {
    const r = await runAction({ files: 'results/*.sarif' }, PR);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    expect(r.outputs.verdict).toBe('fail');
    const create = server.calls('checks/create');
    expect(create).toHaveLength(1);
    expect(create[0]!.body).toMatchObject({
      head_sha: PR_HEAD,
      name: 'defect-gate (pull-request)',
      status: 'in_progress',
      details_url: RUN_URL,
    });
    const run = server.checkRuns.get(Number(r.outputs['check-run-id']))!;
    expect(run.record).toMatchObject({ status: 'completed', conclusion: 'failure', head_sha: PR_HEAD });
    expect(run.annotations.length).toBe(50); // max-annotations default
    expect(run.annotations[0]).toMatchObject({ annotation_level: 'failure', path: 'lib/cxf-xjc-runtime-3.3.1.jar' });
    expect(String((run.record.output as { summary: string }).summary)).toMatch(/^## ❌ defect-gate: failed \(pull-request\)/);
    // The check run carries the annotations: no duplicate workflow-command annotations.
    expect(commandAnnotations(r.stdout)).toEqual([]);
    expect(r.stdout).not.toMatch(/^::warning::/m);

    const comment = server.comments.get(Number(r.outputs['comment-id']))!;
    expect(comment.issueNumber).toBe(7);
    expect(comment.record.body.startsWith(stickyMarker('defect-gate (pull-request)'))).toBe(true);
    expect(comment.record.body).toContain(`[Full report (job summary)](${RUN_URL})`);

    // Next push: the same comment is updated in place; a new check run is created.
    const again = await runAction({ files: 'results/*.sarif' }, PR);
    expect(again.status).toBe(1);
    expect(again.outputs['comment-id']).toBe(r.outputs['comment-id']);
    expect(server.calls('issues/create-comment')).toHaveLength(1);
    expect(server.calls('issues/update-comment')).toHaveLength(1);
    expect([...server.comments.values()].filter((c) => c.issueNumber === 7)).toHaveLength(1);

    // Fixed: the gate passes, and the comment says so instead of disappearing.
    const fixed = await runAction({ files: 'results/codeql.sarif', policy: 'lenient.yml' }, PR);
    expect(fixed.status).toBe(0);
    expect(server.comments.get(Number(r.outputs['comment-id']))!.record.body).toContain('✅ Passes now; previously failed.');
    expect(server.calls('issues/create-comment')).toHaveLength(1);
  }, 60_000);

  it('push: a check run on GITHUB_SHA, no comment', async () => {
    const r = await runAction({ files: 'results/codeql.sarif', policy: 'lenient.yml' }, PUSH);
    expect(r.status).toBe(0);
    expect(server.calls('checks/create')[0]!.body).toMatchObject({ head_sha: PUSH_SHA, name: 'defect-gate (default)' });
    expect(server.checkRuns.get(Number(r.outputs['check-run-id']))!.record.conclusion).toBe('success');
    expect(server.requests.filter((q) => q.operationId.startsWith('issues/'))).toEqual([]);
    expect(r.outputs['comment-id']).toBe('');
  }, 30_000);

  it('fork PR with a read-only token: one warning, fallbacks, and the verdict still enforced', async () => {
    server.always(isWrite, responses.forbidden());
    const r = await runAction({ files: 'results/*.sarif' }, FORK);
    expect(r.status).toBe(1);
    expect(r.outputs.verdict).toBe('fail');
    const warnings = r.stdout.split('\n').filter((l) => l.startsWith('::warning'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^::warning::defect-gate: skipped the check run and PR comment: the token may not write here \(HTTP 403; usual for pull requests from forks and Dependabot/,
    );
    // Fallbacks: the job summary and workflow-command annotations (GitHub shows 10 per step).
    expect(r.summary).toMatch(/^## ❌ defect-gate: failed \(pull-request\)/);
    expect(commandAnnotations(r.stdout)).toHaveLength(10);
    expect(r.stdout).toMatch(/^::error::Gate "No critical findings" failed/m);
    expect(r.outputs['check-run-id']).toBe('');
    expect(server.calls('checks/create')[0]!.body).toMatchObject({ head_sha: 'd'.repeat(40) });

    // A passing fork PR still passes.
    const ok = await runAction({ files: 'results/codeql.sarif', policy: 'lenient.yml' }, FORK);
    expect(ok.status).toBe(0);
    expect(ok.stdout.split('\n').filter((l) => l.startsWith('::warning'))).toHaveLength(1);
  }, 60_000);

  it('rate limiting: a secondary rate limit, then success', async () => {
    server.script('checks/create', responses.secondaryRateLimit(1));
    const r = await runAction({ files: 'results/*.sarif' }, PR);
    expect(r.status).toBe(1);
    expect(server.calls('checks/create').map((c) => c.status)).toEqual([403, 201]);
    expect(r.stdout).toMatch(
      /^::warning::GitHub API secondary rate limit hit on POST \/repos\/\{owner\}\/\{repo\}\/check-runs: retrying in 1 s \(retry 1 of 2\)$/m,
    );
    expect(server.checkRuns.get(Number(r.outputs['check-run-id']))!.record.conclusion).toBe('failure');
    expect(r.stdout).not.toMatch(/skipped the check run/);
  }, 60_000);

  it('a burst of 5xx, then success', async () => {
    server.script('checks/update', responses.serverError(502), responses.serverError(503));
    server.script('issues/list-comments', responses.serverError(502));
    const r = await runAction({ files: 'results/*.sarif' }, PR);
    expect(r.status).toBe(1);
    expect(server.calls('checks/update').map((c) => c.status)).toEqual([502, 503, 200]);
    expect(server.checkRuns.get(Number(r.outputs['check-run-id']))!.record.status).toBe('completed');
    expect(r.outputs['comment-id']).not.toBe('');
    expect(r.stdout).not.toMatch(/^::warning::/m);
  }, 60_000);

  it('workflow_run (the fork pattern): reports on the triggering PR head sha and number; inputs can say which', async () => {
    server.pulls.set(7, { headSha: 'c'.repeat(40) });
    server.pulls.set(9, { headSha: 'e'.repeat(40) });
    const r = await runAction({ files: 'results/*.sarif', environment: 'pull-request' }, WORKFLOW_RUN);
    expect(r.status).toBe(1);
    expect(server.calls('checks/create')[0]!.body).toMatchObject({ head_sha: 'c'.repeat(40) });
    expect(server.calls('issues/create-comment')[0]!.params.issue_number).toBe(7);
    server.requests.length = 0;
    const explicit = await runAction(
      {
        files: 'results/*.sarif',
        environment: 'pull-request',
        'pr-number': '9',
        'head-sha': 'e'.repeat(40),
        'check-name': 'security gate',
      },
      WORKFLOW_RUN,
    );
    expect(explicit.status).toBe(1);
    expect(server.calls('checks/create')[0]!.body).toMatchObject({ head_sha: 'e'.repeat(40), name: 'security gate' });
    expect(server.calls('issues/create-comment')[0]!.params.issue_number).toBe(9);
  }, 60_000);

  it('no token, check-run: false and comment: never: no API calls; bad inputs fail clearly', async () => {
    const r = await runAction({ files: 'results/*.sarif', token: '' }, PR);
    expect(r.status).toBe(1);
    expect(commandAnnotations(r.stdout)).toHaveLength(10);
    const off = await runAction({ files: 'results/*.sarif', 'check-run': 'false', comment: 'never', ledger: 'none' }, PR);
    expect(off.status).toBe(1);
    expect(server.requests).toEqual([]);
    const bad = await runAction({ files: 'results/*.sarif', 'annotation-level': 'hihg' }, PR);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain(
      "::error::Invalid input 'annotation-level': 'hihg'. Expected one of the policy's levels: critical, high, medium, low, info.",
    );
    const badPr = await runAction({ files: 'results/*.sarif', 'pr-number': 'seven' }, PR);
    expect(badPr.stdout).toContain("::error::Invalid input 'pr-number': 'seven'. Expected a pull request number, e.g. 42.");
  }, 60_000);

  it('ledger on a branch: a push to the default branch writes it; a pull request compares (introduced / fixed by this PR)', async () => {
    const push = await runAction({ files: 'results/codeql.sarif', policy: 'lenient.yml' }, PUSH_DEFAULT);
    expect(push.status).toBe(0);
    expect(push.outputs['ledger-written']).toBe('true');
    expect(push.stdout).toContain('ledger branch:defect-gate-data (scope default); writing: push to the default branch main');
    const files = server.git('acme', 'app').filesAt('defect-gate-data');
    expect([...files.keys()].sort()).toEqual(['default/entries/all.json', 'default/meta.json', 'default/runs.json']);
    expect(Object.keys(JSON.parse(files.get('default/entries/all.json') ?? '{}') as object)).toHaveLength(72);
    server.requests.length = 0;
    // The PR adds Grype's findings and does not write the ledger.
    const pr = await runAction({ files: 'results/*.sarif', policy: 'lenient.yml', report: 'defect-gate-report.json' }, PR);
    expect(pr.outputs['ledger-written']).toBe('false');
    expect(
      server.requests
        .filter(isWrite)
        .map((x) => x.operationId)
        .filter((o) => o.startsWith('git/')),
    ).toEqual([]);
    const report = JSON.parse(readFileSync(join(ws, 'defect-gate-report.json'), 'utf8')) as {
      counts: { new: number };
      pullRequest: { introduced: string[] };
    };
    expect(report.counts.new).toBe(22);
    expect(report.pullRequest.introduced).toHaveLength(22);
    expect(pr.summary).toContain('🆕 22 new');
    server.reset();
  }, 60_000);
});
