import { FakeGit, HttpError } from './fake-git';
import type { GitHubServer, RecordedRequest, ScriptedResponse } from './github-server';

/**
 * Git data API handlers for the local GitHub server, backed by one in-memory FakeGit per repository, answering with
 * the shapes GitHub's API description requires (the server validates every response).
 */

export function installGitHandlers(server: GitHubServer): (owner: string, repo: string) => FakeGit {
  const repos = new Map<string, FakeGit>();
  const git = (owner: string, repo: string) => {
    const k = `${owner}/${repo}`;
    let g = repos.get(k);
    if (!g) {
      g = new FakeGit();
      repos.set(k, g);
    }
    return g;
  };
  const base = (r: RecordedRequest) => `${server.url}/repos/${r.params.owner}/${r.params.repo}`;
  const wrap =
    (fn: (g: FakeGit, r: RecordedRequest) => ScriptedResponse) =>
    (r: RecordedRequest): ScriptedResponse => {
      try {
        return fn(git(String(r.params.owner), String(r.params.repo)), r);
      } catch (err) {
        if (err instanceof HttpError) {
          const body: Record<string, unknown> = { message: err.message, documentation_url: 'https://docs.github.com/rest/git' };
          if (err.status === 404) Object.assign(body, { status: '404' });
          return { status: err.status, body };
        }
        throw err;
      }
    };
  const person = { name: 'defect-gate', email: 'bot@example.com', date: '2026-11-25T00:00:00Z' };
  const verification = { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null };
  const commitBody = (r: RecordedRequest, c: { sha: string; tree: { sha: string }; parents: { sha: string }[]; message: unknown }) => ({
    sha: c.sha,
    node_id: `C_${c.sha.slice(0, 8)}`,
    url: `${base(r)}/git/commits/${c.sha}`,
    html_url: `https://github.com/${r.params.owner}/${r.params.repo}/commit/${c.sha}`,
    author: person,
    committer: person,
    tree: { sha: c.tree.sha, url: `${base(r)}/git/trees/${c.tree.sha}` },
    message: String(c.message),
    parents: c.parents.map((p) => ({
      sha: p.sha,
      url: `${base(r)}/git/commits/${p.sha}`,
      html_url: `https://github.com/x/y/commit/${p.sha}`,
    })),
    verification,
  });
  const refBody = (r: RecordedRequest, ref: string, sha: string) => ({
    ref,
    node_id: 'REF_1',
    url: `${base(r)}/git/${ref}`,
    object: { type: 'commit', sha, url: `${base(r)}/git/commits/${sha}` },
  });
  server.handle(
    'git/get-ref',
    wrap((g, r) => {
      const out = g.handle('GET /repos/{owner}/{repo}/git/ref/{ref}', { ref: r.params.ref });
      const d = out.data as { ref: string; object: { sha: string } };
      return { status: 200, body: refBody(r, d.ref, d.object.sha) };
    }),
  );
  server.handle(
    'git/get-commit',
    wrap((g, r) => {
      const out = g.handle('GET /repos/{owner}/{repo}/git/commits/{commit_sha}', { commit_sha: r.params.commit_sha });
      return { status: 200, body: commitBody(r, out.data as never) };
    }),
  );
  server.handle(
    'git/get-tree',
    wrap((g, r) => {
      const out = g.handle('GET /repos/{owner}/{repo}/git/trees/{tree_sha}', { tree_sha: r.params.tree_sha });
      const d = out.data as { sha: string; tree: { path: string; mode: string; type: string; sha: string }[] };
      return {
        status: 200,
        body: {
          sha: d.sha,
          url: `${base(r)}/git/trees/${d.sha}`,
          truncated: false,
          tree: d.tree.map((e) => ({ ...e, url: `${base(r)}/git/blobs/${e.sha}`, size: Buffer.byteLength(g.blobs.get(e.sha) ?? '') })),
        },
      };
    }),
  );
  server.handle(
    'git/get-blob',
    wrap((g, r) => {
      const out = g.handle('GET /repos/{owner}/{repo}/git/blobs/{file_sha}', { file_sha: r.params.file_sha });
      const d = out.data as { sha: string; content: string; size: number };
      return {
        status: 200,
        body: { sha: d.sha, node_id: 'B_1', url: `${base(r)}/git/blobs/${d.sha}`, size: d.size, content: d.content, encoding: 'base64' },
      };
    }),
  );
  server.handle(
    'git/create-blob',
    wrap((g, r) => {
      const b = r.body as { content: string; encoding?: string };
      const content = b.encoding === 'base64' ? Buffer.from(b.content, 'base64').toString('utf8') : b.content;
      const out = g.handle('POST /repos/{owner}/{repo}/git/blobs', { content });
      const sha = (out.data as { sha: string }).sha;
      return { status: 201, body: { sha, url: `${base(r)}/git/blobs/${sha}` } };
    }),
  );
  server.handle(
    'git/create-tree',
    wrap((g, r) => {
      const out = g.handle('POST /repos/{owner}/{repo}/git/trees', r.body as Record<string, unknown>);
      const d = out.data as { sha: string; tree: { path: string; mode: string; type: string; sha: string }[] };
      return {
        status: 201,
        body: {
          sha: d.sha,
          url: `${base(r)}/git/trees/${d.sha}`,
          truncated: false,
          tree: d.tree.map((e) => ({ ...e, url: `${base(r)}/git/blobs/${e.sha}` })),
        },
      };
    }),
  );
  server.handle(
    'git/create-commit',
    wrap((g, r) => {
      const out = g.handle('POST /repos/{owner}/{repo}/git/commits', r.body as Record<string, unknown>);
      return { status: 201, body: commitBody(r, out.data as never) };
    }),
  );
  server.handle(
    'git/update-ref',
    wrap((g, r) => {
      const body = r.body as { sha: string; force?: boolean };
      g.handle('PATCH /repos/{owner}/{repo}/git/refs/{ref}', { ref: r.params.ref, sha: body.sha, force: body.force });
      return { status: 200, body: refBody(r, `refs/${String(r.params.ref)}`, body.sha) };
    }),
  );
  server.handle(
    'git/create-ref',
    wrap((g, r) => {
      const body = r.body as { ref: string; sha: string };
      g.handle('POST /repos/{owner}/{repo}/git/refs', { ref: body.ref, sha: body.sha });
      return { status: 201, body: refBody(r, body.ref, body.sha) };
    }),
  );
  return git;
}
