import { beforeEach, describe, expect, it } from '@jest/globals';
import { createGitHubClient, DO_NOT_RETRY } from '../../src/action/octokit';
import { publishToGitHub, type PublishSettings } from '../../src/github/publish';
import { previousVerdict, stickyMarker } from '../../src/github/comment';
import type { Logger } from '../../src/logger';
import { VERSION } from '../../src/version';
import { isWrite, responses, useGitHubServer } from '../support/github-server';
import { manyFindings, rated, runResult } from './fixtures';

/** Publishing through the real client (throttling, retries) to the validating local server. */

const server = useGitHubServer({ expectValid: false });

let logs: { level: string; message: string }[];
const logger: Logger = {
  debug: (m) => logs.push({ level: 'debug', message: m }),
  info: (m) => logs.push({ level: 'info', message: m }),
  warning: (m) => logs.push({ level: 'warning', message: m }),
  error: (m) => logs.push({ level: 'error', message: m }),
};
const warnings = () => logs.filter((l) => l.level === 'warning').map((l) => l.message);

beforeEach(() => {
  logs = [];
});

const HEAD = 'b'.repeat(40);
const target = { owner: 'acme', repo: 'app', headSha: HEAD, prNumber: 7, source: 'test' };
const settings: PublishSettings = {
  checkRun: true,
  checkName: 'defect-gate (pull-request)',
  comment: 'on-failure',
  maxAnnotations: 500,
  warningRank: 2,
  title: 'defect-gate',
  runUrl: 'https://github.com/acme/app/actions/runs/42',
  policyPath: 'policy.yml',
  now: () => new Date('2026-01-01T00:00:00Z'),
};
const client = (opts: { throttle?: boolean } = {}) =>
  createGitHubClient('ghs_test', { baseUrl: server.url, logger, retryBaseMs: 5, throttle: opts.throttle ?? false });

describe('check run', () => {
  it('is created in progress on the PR head sha, then completed; 120 annotations go 50 per request', async () => {
    const { findings, blocking } = manyFindings(120, 10);
    const out = await publishToGitHub(client(), runResult(findings, { blocking }), target, { ...settings, comment: 'never' }, logger);
    expect(server.errors).toEqual([]);
    expect(out.skipped).toEqual([]);
    expect(out.warning).toBeUndefined();
    const calls = server.requests.filter((r) => r.operationId.startsWith('checks/'));
    expect(calls.map((r) => r.operationId)).toEqual(['checks/create', 'checks/update', 'checks/update', 'checks/update']);
    const create = calls[0]!.body as Record<string, unknown>;
    expect(create).toMatchObject({
      name: 'defect-gate (pull-request)',
      head_sha: HEAD,
      status: 'in_progress',
      details_url: settings.runUrl,
    });
    expect(calls.slice(1).map((c) => ((c.body as { output: { annotations?: unknown[] } }).output.annotations ?? []).length)).toEqual([
      50, 50, 20,
    ]);
    expect(calls[3]!.body).toMatchObject({
      status: 'completed',
      conclusion: 'failure',
      output: { title: 'Failed: 10 blocking findings (pull-request)' },
    });
    const state = server.checkRuns.get(out.checkRun!.id)!;
    expect(state.record.status).toBe('completed');
    expect(state.annotations).toHaveLength(120);
    expect(state.annotations.slice(0, 10).every((a) => a.annotation_level === 'failure')).toBe(true);
    // The client identifies itself and authenticates.
    expect(calls[0]!.headers['user-agent']).toMatch(new RegExp(`^defect-gate/${VERSION.replace(/\./g, '\\.')}`));
    expect(calls[0]!.headers.authorization).toBe('token ghs_test');
  });

  it('maps warn to neutral and pass to success, and sends one request pair when annotations fit', async () => {
    await publishToGitHub(
      client(),
      runResult([rated({ severity: 'medium' })], { status: 'warn' }),
      target,
      { ...settings, comment: 'never' },
      logger,
    );
    await publishToGitHub(client(), runResult([]), target, { ...settings, comment: 'never' }, logger);
    const done = server.calls('checks/update').map((c) => (c.body as { conclusion: string }).conclusion);
    expect(done).toEqual(['neutral', 'success']);
    expect(server.calls('checks/create')).toHaveLength(2);
    expect(server.errors).toEqual([]);
  });

  it('looks up the head sha of a PR given only by number (workflow_run for a fork)', async () => {
    server.pulls.set(12, { headSha: 'e'.repeat(40) });
    await publishToGitHub(
      client(),
      runResult([]),
      { owner: 'acme', repo: 'app', prNumber: 12, source: 'pr-number input' },
      { ...settings, comment: 'never' },
      logger,
    );
    expect(server.calls('pulls/get')).toHaveLength(1);
    expect(server.calls('checks/create')[0]!.body).toMatchObject({ head_sha: 'e'.repeat(40) });
    expect(server.errors).toEqual([]);
  });
});

describe('sticky comment', () => {
  it('is created on a failing PR, updated in place on the next push, and says when the gate passes now', async () => {
    const { findings, blocking } = manyFindings(3, 1);
    const first = await publishToGitHub(client(), runResult(findings, { blocking }), target, { ...settings, checkRun: false }, logger);
    expect(first.comment?.action).toBe('created');
    const second = await publishToGitHub(client(), runResult(findings, { blocking }), target, { ...settings, checkRun: false }, logger);
    expect(second.comment).toEqual(expect.objectContaining({ action: 'updated', id: first.comment!.id }));
    const third = await publishToGitHub(client(), runResult([]), target, { ...settings, checkRun: false }, logger);
    expect(third.comment?.action).toBe('updated');
    expect(server.comments.size).toBe(1);
    const body = server.comments.get(first.comment!.id)!.record.body;
    expect(body.startsWith(stickyMarker(settings.checkName))).toBe(true);
    expect(body).toContain('✅ Passes now; previously failed.');
    expect(previousVerdict(body)).toBe('pass');
    expect(server.errors).toEqual([]);
  });

  it('finds its comment on a later page among other comments, and keeps scopes apart', async () => {
    for (let i = 0; i < 130; i++) server.seedComment(7, `comment ${i}`);
    const mine = server.seedComment(7, `${stickyMarker(settings.checkName)}\nold`, 'github-actions[bot]');
    server.seedComment(7, `${stickyMarker('other scope')}\nother`, 'github-actions[bot]');
    const { findings, blocking } = manyFindings(1, 1);
    const out = await publishToGitHub(client(), runResult(findings, { blocking }), target, { ...settings, checkRun: false }, logger);
    expect(out.comment).toEqual(expect.objectContaining({ action: 'updated', id: mine }));
    expect(server.calls('issues/list-comments').map((c) => c.query.page)).toEqual([1, 2]);
    expect(server.calls('issues/list-comments')[0]!.query.per_page).toBe(100);
    expect(server.errors).toEqual([]);
  });

  it('on-failure posts nothing for a passing PR without a comment; always does; never does nothing; no PR, no comment', async () => {
    const passing = runResult([rated({ severity: 'low' })]);
    const a = await publishToGitHub(client(), passing, target, { ...settings, checkRun: false }, logger);
    expect(a.comment).toBeUndefined();
    expect(a.notes).toContain('no comment: the gate passed (comment: on-failure)');
    const b = await publishToGitHub(client(), passing, target, { ...settings, checkRun: false, comment: 'always' }, logger);
    expect(b.comment?.action).toBe('created');
    server.requests.length = 0;
    await publishToGitHub(client(), passing, target, { ...settings, checkRun: false, comment: 'never' }, logger);
    expect(server.requests).toEqual([]);
    const push = await publishToGitHub(client(), passing, { ...target, prNumber: undefined }, { ...settings, comment: 'always' }, logger);
    expect(push.notes).toContain('not a pull request (no PR number): no comment');
    expect(server.calls('issues/create-comment')).toHaveLength(0);
    expect(server.comments.size).toBe(1);
    expect(server.errors).toEqual([]);
  });
});

describe('read-only tokens, rate limits and server errors', () => {
  it('a read-only token (fork PR, Dependabot): one warning naming what was skipped, no throw', async () => {
    server.always(isWrite, responses.forbidden());
    {
      const { findings, blocking } = manyFindings(3, 1);
      const out = await publishToGitHub(client(), runResult(findings, { blocking }), target, settings, logger);
      expect(out.checkRun).toBeUndefined();
      expect(out.comment).toBeUndefined();
      expect(out.skipped.map((s) => [s.what, s.status])).toEqual([
        ['check run', 403],
        ['PR comment', 403],
      ]);
      expect(out.warning).toMatch(
        /^defect-gate: skipped the check run and PR comment: the token may not write here \(HTTP 403; usual for pull requests from forks and Dependabot/,
      );
      // 403 is not retried.
      expect(server.calls('checks/create')).toHaveLength(1);
      expect(server.calls('issues/create-comment')).toHaveLength(1);
      expect(server.errors).toEqual([]);
    }
  });

  it('retries a secondary rate limit (403 + retry-after) and a 429, with a warning, then succeeds', async () => {
    server.script('checks/create', responses.secondaryRateLimit(1));
    server.script('issues/create-comment', responses.secondaryRateLimit(1, 429));
    const { findings, blocking } = manyFindings(2, 1);
    const out = await publishToGitHub(client({ throttle: true }), runResult(findings, { blocking }), target, settings, logger);
    expect(out.skipped).toEqual([]);
    expect(out.checkRun).toBeDefined();
    expect(out.comment?.action).toBe('created');
    expect(server.calls('checks/create').map((c) => c.status)).toEqual([403, 201]);
    expect(server.calls('issues/create-comment').map((c) => c.status)).toEqual([429, 201]);
    expect(warnings().filter((w) => /secondary rate limit/.test(w))).toHaveLength(2);
    expect(server.errors).toEqual([]);
  });

  it('gives up on a rate limit after a bounded number of retries', async () => {
    server.script(
      'checks/create',
      responses.secondaryRateLimit(1),
      responses.secondaryRateLimit(1),
      responses.secondaryRateLimit(1),
      responses.secondaryRateLimit(1),
    );
    const out = await publishToGitHub(client({ throttle: true }), runResult([]), target, { ...settings, comment: 'never' }, logger);
    expect(server.calls('checks/create')).toHaveLength(3);
    expect(out.skipped).toEqual([expect.objectContaining({ what: 'check run', status: 403 })]);
    expect(warnings().some((w) => w.endsWith(': giving up'))).toBe(true);
    server.requests.length = 0;
    // The leftover scripted response is consumed here: one more rate limit, then success.
    await publishToGitHub(client({ throttle: true }), runResult([]), target, { ...settings, comment: 'never' }, logger);
  });

  it('retries a burst of 502/503 and succeeds', async () => {
    server.script('checks/create', responses.serverError(502), responses.serverError(503));
    server.script('issues/list-comments', responses.serverError(503));
    const { findings, blocking } = manyFindings(2, 1);
    const out = await publishToGitHub(client(), runResult(findings, { blocking }), target, settings, logger);
    expect(out.skipped).toEqual([]);
    expect(server.calls('checks/create').map((c) => c.status)).toEqual([502, 503, 201]);
    expect(server.calls('issues/list-comments').map((c) => c.status)).toEqual([503, 200]);
    expect(server.errors).toEqual([]);
  });

  it('does not retry 409 or 422, and reports other failures in the one warning', async () => {
    expect(DO_NOT_RETRY).toEqual(expect.arrayContaining([409, 422, 403]));
    server.script('checks/create', { status: 409, body: { message: 'Conflict' } });
    server.script('issues/list-comments', { status: 422, body: { message: 'Validation Failed' } });
    const { findings, blocking } = manyFindings(2, 1);
    const out = await publishToGitHub(client(), runResult(findings, { blocking }), target, settings, logger);
    expect(server.calls('checks/create')).toHaveLength(1);
    expect(server.calls('issues/list-comments')).toHaveLength(1);
    expect(out.warning).toBe(
      'defect-gate: skipped the check run and PR comment (check run: HTTP 409: Conflict; PR comment: HTTP 422: Validation Failed). The verdict is enforced as usual; see the job summary and the annotations.',
    );
  });

  it('survives an unreachable API', async () => {
    const dead = createGitHubClient('t', { baseUrl: 'http://127.0.0.1:9', logger, retryBaseMs: 1, throttle: false, retries: 1 });
    const out = await publishToGitHub(dead, runResult([]), target, { ...settings, comment: 'always' }, logger);
    expect(out.skipped.map((s) => s.what)).toEqual(['check run', 'PR comment']);
    expect(out.warning).toMatch(/^defect-gate: skipped the check run and PR comment \(/);
  });
});
