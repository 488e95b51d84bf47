import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { GitHubServer, responses } from '../support/github-server';

/** The test server itself: it must reject what GitHub's API description rejects. */

let server: GitHubServer;
beforeAll(async () => {
  server = await GitHubServer.start();
});
afterAll(() => server.close());
afterEach(() => {
  server.errors.length = 0;
  server.requests.length = 0;
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: 'token t', 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

const annotation = (i: number) => ({ path: 'src/a.js', start_line: i + 1, end_line: i + 1, annotation_level: 'warning', message: `m${i}` });
const CREATE = '/repos/acme/app/check-runs';
const sha = 'b'.repeat(40);

describe('the GitHub test server validates requests against the API description', () => {
  it('accepts a valid check run and answers with a response that validates', async () => {
    const r = await call('POST', CREATE, {
      name: 'gate',
      head_sha: sha,
      status: 'in_progress',
      output: { title: 't', summary: 's', annotations: [annotation(0)] },
    });
    expect(r.status).toBe(201);
    expect(r.body?.head_sha).toBe(sha);
    expect(server.errors).toEqual([]);
    const u = await call('PATCH', `${CREATE}/${r.body?.id}`, {
      status: 'completed',
      conclusion: 'failure',
      output: { title: 't', summary: 's', annotations: [annotation(1)] },
    });
    expect(u.status).toBe(200);
    expect(server.checkRuns.get(r.body?.id as number)?.annotations).toHaveLength(2);
    expect(server.errors).toEqual([]);
  });

  it('rejects 51 annotations in one request', async () => {
    const r = await call('POST', CREATE, {
      name: 'gate',
      head_sha: sha,
      output: { title: 't', summary: 's', annotations: Array.from({ length: 51 }, (_, i) => annotation(i)) },
    });
    expect(r.status).toBe(422);
    expect(JSON.stringify(server.errors)).toContain('must NOT have more than 50 items');
  });

  it('rejects a 70 KB summary', async () => {
    const r = await call('POST', CREATE, { name: 'gate', head_sha: sha, output: { title: 't', summary: 'x'.repeat(70_000) } });
    expect(r.status).toBe(422);
    expect(JSON.stringify(server.errors)).toContain('/output/summary must NOT have more than 65535 characters');
  });

  it('rejects annotation_level "error"', async () => {
    const r = await call('POST', CREATE, {
      name: 'gate',
      head_sha: sha,
      output: { title: 't', summary: 's', annotations: [{ ...annotation(0), annotation_level: 'error' }] },
    });
    expect(r.status).toBe(422);
    expect(JSON.stringify(server.errors)).toContain('annotation_level must be equal to one of the allowed values');
  });

  it('rejects a completed update without a conclusion, missing required fields, and wrong types', async () => {
    const created = await call('POST', CREATE, { name: 'gate', head_sha: sha });
    server.errors.length = 0;
    expect((await call('PATCH', `${CREATE}/${created.body?.id}`, { status: 'completed' })).status).toBe(422);
    expect((await call('POST', CREATE, { name: 'gate' })).status).toBe(422);
    expect((await call('POST', CREATE, { name: 'gate', head_sha: sha, output: { summary: 's' } })).status).toBe(422);
    expect(
      (
        await call('POST', CREATE, {
          name: 'gate',
          head_sha: sha,
          output: { title: 't', summary: 's', annotations: [{ ...annotation(0), start_line: '1' }] },
        })
      ).status,
    ).toBe(422);
    expect(server.errors).toHaveLength(4);
  });

  it('rejects what GitHub documents only in prose: annotation title > 255, message > 64 KB, columns across lines, comment body > 65,536', async () => {
    const long = await call('POST', CREATE, {
      name: 'g',
      head_sha: sha,
      output: { title: 't', summary: 's', annotations: [{ ...annotation(0), title: 't'.repeat(256) }] },
    });
    expect(long.status).toBe(422);
    const big = await call('POST', CREATE, {
      name: 'g',
      head_sha: sha,
      output: { title: 't', summary: 's', annotations: [{ ...annotation(0), message: 'é'.repeat(33_000) }] },
    });
    expect(big.status).toBe(422);
    const cols = await call('POST', CREATE, {
      name: 'g',
      head_sha: sha,
      output: { title: 't', summary: 's', annotations: [{ ...annotation(0), end_line: 3, start_column: 1, end_column: 2 }] },
    });
    expect(cols.status).toBe(422);
    const comment = await call('POST', '/repos/acme/app/issues/7/comments', { body: 'x'.repeat(65_537) });
    expect(comment.status).toBe(422);
    expect(server.errors.map((e) => e.errors.join())).toEqual([
      expect.stringContaining('title is longer than 255'),
      expect.stringContaining('message is larger than 64 KB'),
      expect.stringContaining('start_line == end_line'),
      expect.stringContaining('longer than 65536'),
    ]);
  });

  it('validates path parameters and query strings', async () => {
    expect((await call('PATCH', `${CREATE}/abc`, { status: 'in_progress' })).status).toBe(422);
    expect((await call('GET', '/repos/acme/app/issues/7/comments?per_page=ten')).status).toBe(422);
    expect((await call('GET', '/repos/acme/app/issues/7/comments?perpage=10')).status).toBe(422);
    expect((await call('GET', '/repos/acme/app/no-such-thing')).status).toBe(404);
    expect(server.errors.map((e) => e.where)).toEqual(['request', 'request', 'request', 'route']);
  });

  it('requires a token', async () => {
    const r = await fetch(`${server.url}/repos/acme/app/issues/7/comments`);
    expect(r.status).toBe(401);
  });

  it('paginates issue comments with Link headers', async () => {
    for (let i = 0; i < 5; i++) server.seedComment(9, `c${i}`);
    const p1 = await call('GET', '/repos/acme/app/issues/9/comments?per_page=2&page=1');
    expect((p1.body as unknown as unknown[]).length).toBe(2);
    expect(p1.headers.get('link')).toContain('rel="next"');
    const p3 = await call('GET', '/repos/acme/app/issues/9/comments?per_page=2&page=3');
    expect((p3.body as unknown as { body: string }[]).map((c) => c.body)).toEqual(['c4']);
    expect(server.errors).toEqual([]);
  });

  it('plays scripted responses once, in order, and persistent overrides', async () => {
    server.script('checks/create', responses.secondaryRateLimit(1), responses.serverError(503));
    expect((await call('POST', CREATE, { name: 'g', head_sha: sha })).status).toBe(403);
    expect((await call('POST', CREATE, { name: 'g', head_sha: sha })).status).toBe(503);
    expect((await call('POST', CREATE, { name: 'g', head_sha: sha })).status).toBe(201);
    expect(server.errors).toEqual([]);
  });

  it('records handler responses that do not match the description', async () => {
    server.handle('issues/get-comment', () => ({ status: 200, body: { id: 'one' } }));
    await call('GET', '/repos/acme/app/issues/comments/1');
    expect(server.errors).toEqual([expect.objectContaining({ where: 'response', operationId: 'issues/get-comment' })]);
  });
});
