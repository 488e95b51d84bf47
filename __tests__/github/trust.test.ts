import { describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createGitHubClient } from '../../src/action/octokit';
import { isStickyComment, renderComment, stickyMarker } from '../../src/github/comment';
import { createOnce } from '../../src/github/create';
import { classify, DEFAULT_RETRY_POLICY, GitHubUnavailableError, nextDelay, RetryState, retryWrap } from '../../src/github/retry';
import { codeUrl, renderMarkdown } from '../../src/report/markdown';
import { manyFindings, rated, runResult } from './fixtures';

/** The pure parts of issue #16: retry decisions, create-once, comment identity, code links, empty tables. */

const httpError = (status: number, message = 'x', headers: Record<string, string> = {}) =>
  Object.assign(new Error(message), { status, response: { status, headers, data: {} } });
const networkError = () => Object.assign(new Error('fetch failed'), { status: 500 });

describe('retry policy', () => {
  it('classifies network errors, 5xx, 429 with retry-after, and leaves rate limits to the throttling plugin', () => {
    expect(classify(networkError()).kind).toBe('network');
    expect(classify(httpError(502)).kind).toBe('server');
    expect(classify(httpError(429, 'Too Many Requests', { 'retry-after': '3' }))).toMatchObject({ kind: 'too-many', retryAfter: 3 });
    expect(classify(httpError(429, 'You have exceeded a secondary rate limit')).kind).toBe('other');
    expect(classify(httpError(429, 'x', { 'x-ratelimit-remaining': '0' })).kind).toBe('other');
    expect(classify(httpError(409)).kind).toBe('other');
  });

  it('backs off 1, 2, 4 s for repeatable requests only, caps retry-after, and spends one budget', () => {
    const s = new RetryState();
    const server = classify(httpError(503));
    expect([0, 1, 2, 3].map((retries) => nextDelay(s, server, { retries, idempotent: true }))).toEqual([1, 2, 4, undefined]);
    expect(nextDelay(new RetryState(), server, { retries: 0, idempotent: false })).toBeUndefined();
    const tooMany = classify(httpError(429, 'x', { 'retry-after': '2' }));
    expect(nextDelay(new RetryState(), tooMany, { retries: 0, idempotent: false })).toBe(2);
    expect(nextDelay(new RetryState(), tooMany, { retries: DEFAULT_RETRY_POLICY.rateLimitRetries, idempotent: true })).toBeUndefined();
    expect(
      nextDelay(new RetryState(), classify(httpError(429, 'x', { 'retry-after': '3600' })), { retries: 0, idempotent: true }),
    ).toBeUndefined();
    // The budget is shared: after 7 s of back-off only 8 s are left.
    expect(s.waited).toBe(7);
    expect(nextDelay(s, classify(httpError(429, 'x', { 'retry-after': '9' })), { retries: 0, idempotent: true })).toBeUndefined();
    // Once down, no more retries.
    const down = new RetryState();
    down.down = 'GET /x: no answer';
    expect(nextDelay(down, server, { retries: 0, idempotent: true })).toBeUndefined();
  });

  it('the wrap: retries, then gives up with a clear error; the next request gets one attempt', async () => {
    const state = new RetryState({ ...DEFAULT_RETRY_POLICY, baseMs: 0 });
    const logs: string[] = [];
    const wrap = retryWrap({ state, baseUrl: 'https://api.github.com', warn: (m) => logs.push(m), debug: (m) => logs.push(m) });
    let calls = 0;
    const failing = () => {
      calls++;
      return Promise.reject(networkError());
    };
    await expect(wrap(failing, { method: 'GET', url: '/repos/{owner}/{repo}' })).rejects.toThrow(
      'GitHub API unavailable at https://api.github.com (GET /repos/{owner}/{repo}: no answer: fetch failed; 4 attempts)',
    );
    expect(calls).toBe(4);
    await expect(wrap(failing, { method: 'GET', url: '/user' })).rejects.toBeInstanceOf(GitHubUnavailableError);
    expect(calls).toBe(5);
    expect(state.waited).toBe(7);
    // A request that answers makes GitHub "up" again.
    await expect(wrap(() => Promise.resolve('ok'), { method: 'GET', url: '/user' })).resolves.toBe('ok');
    expect(state.down).toBeUndefined();
  });
});

describe('a GitHub that does not answer at all', () => {
  it('abandons attempts after the timeout, charges them to the budget, and gives up quickly', async () => {
    const sockets = new Set<Socket>();
    const hang = createServer(() => {}); // accepts, never answers
    hang.on('connection', (s) => sockets.add(s));
    await new Promise<void>((ok) => hang.listen(0, '127.0.0.1', ok));
    const url = `http://127.0.0.1:${(hang.address() as AddressInfo).port}`;
    try {
      // Timeouts are real seconds: 0.2 s per attempt, 0.1 s once down; a budget that a timed-out attempt uses up.
      const state = new RetryState({ ...DEFAULT_RETRY_POLICY, baseMs: 10, attemptTimeout: 0.2, downTimeout: 0.1, budget: 0.25 });
      const silent = { debug: () => {}, info: () => {}, warning: () => {}, error: () => {} };
      const client = createGitHubClient('t', { baseUrl: url, logger: silent, retryState: state, throttle: false });
      const started = Date.now();
      await expect(client.request('GET /repos/{owner}/{repo}', { owner: 'a', repo: 'b' })).rejects.toThrow(
        /GitHub API unavailable .*no answer: timed out; 1 attempt/,
      );
      await expect(client.request('GET /repos/{owner}/{repo}', { owner: 'a', repo: 'b' })).rejects.toThrow(/1 attempt/);
      // One attempt (its timeout uses up the budget: no retry), then one short one once down.
      expect(state.attempts).toBe(2);
      expect(state.waited).toBeCloseTo(0.3);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((ok) => hang.close(() => ok()));
    }
  });
});

describe('create once', () => {
  it('looks for the object after an ambiguous failure instead of creating it again', async () => {
    let created = 0;
    const r = await createOnce(
      () => {
        created++;
        return Promise.reject(httpError(502));
      },
      () => Promise.resolve({ id: 1 }),
    );
    expect(r).toEqual({ value: { id: 1 }, recovered: true, attempts: 1 });
    expect(created).toBe(1);
  });
  it('creates again when the look-up finds nothing (bounded); never after a 4xx', async () => {
    let created = 0;
    await expect(
      createOnce(
        () => (++created < 3 ? Promise.reject(httpError(503)) : Promise.resolve('made')),
        () => Promise.resolve(undefined),
      ),
    ).resolves.toMatchObject({ value: 'made', attempts: 3 });
    created = 0;
    await expect(
      createOnce(
        () => (created++, Promise.reject(httpError(422))),
        () => Promise.resolve('x'),
      ),
    ).rejects.toMatchObject({ status: 422 });
    expect(created).toBe(1);
    await expect(
      createOnce(
        () => Promise.reject(httpError(503)),
        () => Promise.reject(networkError()),
      ),
    ).rejects.toMatchObject({ status: 503 });
  });
});

describe('sticky comment identity', () => {
  const marker = stickyMarker('defect-gate (pull-request)');
  it('is the marker at the very start of the body AND the author', () => {
    expect(isStickyComment({ id: 1, body: `${marker}\nx`, user: { login: 'github-actions[bot]' } }, marker, 'github-actions[bot]')).toBe(
      true,
    );
    expect(isStickyComment({ id: 1, body: `${marker}\nx`, user: { login: 'GitHub-Actions[bot]' } }, marker, 'github-actions[bot]')).toBe(
      true,
    );
    expect(isStickyComment({ id: 1, body: `${marker}\nx`, user: { login: 'mallory' } }, marker, 'github-actions[bot]')).toBe(false);
    expect(isStickyComment({ id: 1, body: `see ${marker}`, user: { login: 'github-actions[bot]' } }, marker, 'github-actions[bot]')).toBe(
      false,
    );
    expect(isStickyComment({ id: 1, body: ` ${marker}`, user: { login: 'github-actions[bot]' } }, marker, 'github-actions[bot]')).toBe(
      false,
    );
    expect(isStickyComment({ id: 1, body: `${marker}`, user: null }, marker, 'github-actions[bot]')).toBe(false);
  });
});

describe('links to code and tables', () => {
  const links = { serverUrl: 'https://ghe.example.com/', owner: 'acme', repo: 'app', sha: 'b'.repeat(40) };
  it('links a repository path at the commit, escaping each segment; no link for paths outside the repository', () => {
    expect(codeUrl(links, 'src/a b/#x(1).ts', 22, 24)).toBe(
      `https://ghe.example.com/acme/app/blob/${'b'.repeat(40)}/src/a%20b/%23x%281%29.ts#L22-L24`,
    );
    expect(codeUrl(links, './src/ü.js', 3)).toBe(`https://ghe.example.com/acme/app/blob/${'b'.repeat(40)}/src/%C3%BC.js#L3`);
    expect(codeUrl(links, 'src/x.js')).toBe(`https://ghe.example.com/acme/app/blob/${'b'.repeat(40)}/src/x.js`);
    for (const bad of ['/etc/passwd', '../x.js', 'a/../../x', 'C:/x.js', 'a\\b.js', 'a//b']) expect(codeUrl(links, bad, 1)).toBeUndefined();
    expect(codeUrl({ ...links, sha: 'main' }, 'x.js', 1)).toBeUndefined();
    expect(codeUrl({ ...links, serverUrl: 'javascript:alert(1)//' }, 'x.js', 1)).toBeUndefined();
  });

  it('renders no header-only table when nothing fits or nothing is there', () => {
    const { findings, blocking } = manyFindings(3, 1);
    const md = renderMarkdown(runResult(findings, { blocking }), { maxBytes: 4000 });
    expect(md).not.toMatch(/\|---[|:-]*\|\n(?!\|)/);
    const comment = renderComment(runResult([], { pullRequest: { introduced: [], fixed: [] } }), { scope: 's', title: 't' });
    expect(comment).toContain('#### Introduced by this PR (0)');
    expect(comment).not.toContain('| Severity | Finding |');
  });

  it('without a ledger baseline the comment claims nothing as introduced', () => {
    const f = rated({ fingerprint: 'n', status: 'new' });
    const r = { ...runResult([f], { blocking: ['n'], pullRequest: { introduced: ['n'], fixed: [] } }), baseline: false };
    const body = renderComment(r, { scope: 's', title: 't' });
    expect(body).toContain('No baseline yet');
    expect(body).not.toContain('Introduced by this PR');
    expect(body).toContain('#### Blocking findings (1)');
    expect(renderComment({ ...r, baseline: true }, { scope: 's', title: 't' })).toContain('#### Introduced by this PR (1)');
  });
});
