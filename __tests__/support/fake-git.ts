import { createHash } from 'node:crypto';

/**
 * An in-memory model of GitHub's Git data API (refs, commits, trees, blobs) with GitHub's semantics where they matter
 * for the ledger: a ref update that is not a fast-forward fails with 422, creating an existing ref fails with 422,
 * unknown refs are 404. Used as the backend of the local GitHub test server and directly as a `request` function.
 */

interface Commit {
  sha: string;
  tree: string;
  parents: string[];
  message: string;
}

interface TreeEntry {
  path: string;
  mode: string;
  type: 'blob';
  sha: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');

export class FakeGit {
  blobs = new Map<string, string>();
  trees = new Map<string, TreeEntry[]>();
  commits = new Map<string, Commit>();
  refs = new Map<string, string>();
  calls: string[] = [];
  /** Called before each request; lets a test interleave another writer. */
  beforeRequest?: (route: string, params: Record<string, unknown>) => Promise<void> | void;

  blobSha(content: string): string {
    const buf = Buffer.from(content, 'utf8');
    return createHash('sha1').update(`blob ${buf.length}\0`).update(buf).digest('hex');
  }

  private isAncestor(ancestor: string, of: string): boolean {
    const stack = [of];
    const seen = new Set<string>();
    while (stack.length) {
      const c = stack.pop() as string;
      if (c === ancestor) return true;
      if (seen.has(c)) continue;
      seen.add(c);
      stack.push(...(this.commits.get(c)?.parents ?? []));
    }
    return false;
  }

  /** Files at a ref: path → content. */
  filesAt(branch: string): Map<string, string> {
    const out = new Map<string, string>();
    const head = this.refs.get(`refs/heads/${branch}`);
    if (!head) return out;
    const tree = this.trees.get(this.commits.get(head)?.tree ?? '') ?? [];
    for (const e of tree) out.set(e.path, this.blobs.get(e.sha) ?? '');
    return out;
  }

  request = async (route: string, params: Record<string, unknown> = {}): Promise<{ status: number; data: unknown }> => {
    this.calls.push(route);
    await this.beforeRequest?.(route, params);
    return this.handle(route, params);
  };

  handle(route: string, p: Record<string, unknown>): { status: number; data: unknown } {
    switch (route) {
      case 'GET /repos/{owner}/{repo}/git/ref/{ref}': {
        const sha = this.refs.get(`refs/${String(p.ref)}`);
        if (!sha) throw new HttpError(404, 'Not Found');
        return { status: 200, data: { ref: `refs/${String(p.ref)}`, node_id: 'x', url: 'u', object: { sha, type: 'commit', url: 'u' } } };
      }
      case 'GET /repos/{owner}/{repo}/git/commits/{commit_sha}': {
        const c = this.commits.get(String(p.commit_sha));
        if (!c) throw new HttpError(404, 'Not Found');
        return { status: 200, data: { sha: c.sha, tree: { sha: c.tree }, parents: c.parents.map((sha) => ({ sha })), message: c.message } };
      }
      case 'GET /repos/{owner}/{repo}/git/trees/{tree_sha}': {
        const t = this.trees.get(String(p.tree_sha));
        if (!t) throw new HttpError(404, 'Not Found');
        return { status: 200, data: { sha: p.tree_sha, truncated: false, tree: t.map((e) => ({ ...e })) } };
      }
      case 'GET /repos/{owner}/{repo}/git/blobs/{file_sha}': {
        const b = this.blobs.get(String(p.file_sha));
        if (b === undefined) throw new HttpError(404, 'Not Found');
        return {
          status: 200,
          data: { sha: p.file_sha, content: Buffer.from(b).toString('base64'), encoding: 'base64', size: Buffer.byteLength(b) },
        };
      }
      case 'POST /repos/{owner}/{repo}/git/blobs': {
        const content = String(p.content);
        if (Buffer.byteLength(content) > 1024 * 1024) throw new HttpError(422, 'blob larger than this test allows (1 MB)');
        const sha = this.blobSha(content);
        this.blobs.set(sha, content);
        return { status: 201, data: { sha, url: 'u' } };
      }
      case 'POST /repos/{owner}/{repo}/git/trees': {
        const base = p.base_tree ? (this.trees.get(String(p.base_tree)) ?? []) : [];
        const map = new Map(base.map((e) => [e.path, e]));
        for (const item of p.tree as { path: string; mode: string; sha: string | null }[]) {
          if (item.sha === null) map.delete(item.path);
          else {
            if (!this.blobs.has(item.sha)) throw new HttpError(422, `unknown blob ${item.sha}`);
            map.set(item.path, { path: item.path, mode: item.mode, type: 'blob', sha: item.sha });
          }
        }
        const entries = [...map.values()].sort((a, b) => a.path.localeCompare(b.path));
        const sha = sha1(JSON.stringify(entries));
        this.trees.set(sha, entries);
        return { status: 201, data: { sha, url: 'u', tree: entries } };
      }
      case 'POST /repos/{owner}/{repo}/git/commits': {
        const parents = (p.parents as string[]) ?? [];
        for (const x of parents) if (!this.commits.has(x)) throw new HttpError(422, `unknown parent ${x}`);
        const sha = sha1(`${String(p.tree)}|${parents.join(',')}|${String(p.message)}|${this.commits.size}`);
        this.commits.set(sha, { sha, tree: String(p.tree), parents, message: String(p.message) });
        return { status: 201, data: { sha, tree: { sha: p.tree }, parents: parents.map((s) => ({ sha: s })), message: p.message } };
      }
      case 'PATCH /repos/{owner}/{repo}/git/refs/{ref}': {
        const name = `refs/${String(p.ref)}`;
        const cur = this.refs.get(name);
        if (!cur) throw new HttpError(422, 'Reference does not exist');
        const next = String(p.sha);
        if (!p.force && !this.isAncestor(cur, next)) throw new HttpError(422, 'Update is not a fast forward');
        this.refs.set(name, next);
        return { status: 200, data: { ref: name, object: { sha: next, type: 'commit' } } };
      }
      case 'POST /repos/{owner}/{repo}/git/refs': {
        const name = String(p.ref);
        if (this.refs.has(name)) throw new HttpError(422, 'Reference already exists');
        this.refs.set(name, String(p.sha));
        return { status: 201, data: { ref: name, object: { sha: p.sha, type: 'commit' } } };
      }
      default:
        throw new HttpError(404, `fake git: no route ${route}`);
    }
  }
}
