import { createHash } from 'node:crypto';
import type { GitHubServer, RecordedRequest, ScriptedResponse } from './github-server';
import { example } from './github-server';

/**
 * A repository's history for the local GitHub server: commits (each a full snapshot of the files), the pull request
 * that merged each one, its reviews, and org team memberships. Serves, with the shapes GitHub's API description
 * requires (the server validates every response):
 *   repos/get-content (a file at a ref: a commit sha or a branch name), repos/list-commits (with `sha` and `path`),
 *   repos/list-pull-requests-associated-with-commit, pulls/list-reviews, teams/get-membership-for-user-in-org.
 */

export interface Review {
  user: string;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED';
  /** Default: the pull request's head sha. */
  commitId?: string;
}

export interface MergedPull {
  number: number;
  author: string;
  reviews: Review[];
  /** Default: the sha of the commit it merged as. */
  headSha?: string;
}

export interface HistoryCommit {
  sha: string;
  files: Record<string, string>;
  author: string;
  date: string;
  message: string;
  pull?: MergedPull;
}

const notFound = (): ScriptedResponse => ({
  status: 404,
  body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' },
});
const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');

export class RepoHistory {
  /** Oldest first, on the default branch `main`. */
  readonly commits: HistoryCommit[] = [];
  /** Other commits (pull request heads): readable by sha, not on `main`. */
  readonly loose = new Map<string, HistoryCommit>();
  /** Other branches and tags (e.g. `v3`): name → sha of a commit above. */
  readonly refs = new Map<string, string>();

  constructor(
    readonly owner: string,
    readonly repo: string,
  ) {}

  /** Adds a commit on `main` with these file changes (null deletes); returns its sha. */
  commit(
    changes: Record<string, string | null>,
    o: { author?: string; date?: string; message?: string; pull?: MergedPull; sha?: string } = {},
  ): string {
    const files = { ...(this.commits.at(-1)?.files ?? {}) };
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) delete files[k];
      else files[k] = v;
    }
    const sha = o.sha ?? sha1(`${this.commits.length}|${JSON.stringify(files)}|${o.message ?? ''}`);
    this.commits.push({
      sha,
      files,
      author: o.author ?? 'octocat',
      date: o.date ?? `2026-11-${String(this.commits.length + 1).padStart(2, '0')}T10:00:00Z`,
      message: o.message ?? 'change',
      ...(o.pull ? { pull: o.pull } : {}),
    });
    return sha;
  }

  /** The files at a sha or at the head of `main`. */
  at(ref: string): HistoryCommit | undefined {
    if (ref === 'main' || ref === 'refs/heads/main') return this.commits.at(-1);
    const sha = this.refs.get(ref.replace(/^refs\/(heads|tags)\//, '')) ?? ref;
    return this.commits.find((c) => c.sha === sha) ?? this.loose.get(sha);
  }
}

/** Installs the handlers; `histories` maps `owner/repo` to its history. Team members: `org/team` → logins. */
export function installHistoryHandlers(server: GitHubServer, histories: Map<string, RepoHistory>, teams: Map<string, string[]>): void {
  const repoOf = (r: RecordedRequest) => histories.get(`${r.params.owner}/${r.params.repo}`);
  const base = (r: RecordedRequest) => `${server.url}/repos/${r.params.owner}/${r.params.repo}`;
  const user = (login: string) => {
    const u = example('simple-user') as Record<string, unknown>;
    u.login = login;
    return u;
  };
  server.handle('repos/get-content', (r) => {
    const h = repoOf(r);
    const c = h?.at(String(r.query.ref ?? 'main'));
    const path = String(r.params.path);
    const text = c?.files[path];
    if (text === undefined) return notFound();
    const blob = sha1(text);
    return {
      status: 200,
      body: {
        type: 'file',
        encoding: 'base64',
        size: Buffer.byteLength(text),
        name: path.split('/').pop(),
        path,
        sha: blob,
        content: Buffer.from(text).toString('base64'),
        url: `${base(r)}/contents/${path}`,
        git_url: `${base(r)}/git/blobs/${blob}`,
        html_url: `https://github.com/${r.params.owner}/${r.params.repo}/blob/main/${path}`,
        download_url: null,
        _links: {
          self: `${base(r)}/contents/${path}`,
          git: `${base(r)}/git/blobs/${blob}`,
          html: `https://github.com/${r.params.owner}/${r.params.repo}/blob/main/${path}`,
        },
      },
    };
  });
  server.handle('repos/list-commits', (r) => {
    const h = repoOf(r);
    if (!h) return notFound();
    const head = String(r.query.sha ?? 'main');
    const end = head === 'main' ? h.commits.length - 1 : h.commits.findIndex((c) => c.sha === head);
    if (end < 0) return notFound();
    const path = r.query.path === undefined ? undefined : String(r.query.path);
    const out: HistoryCommit[] = [];
    for (let i = end; i >= 0; i--) {
      const c = h.commits[i] as HistoryCommit;
      if (path !== undefined && c.files[path] === h.commits[i - 1]?.files[path]) continue;
      out.push(c);
    }
    const perPage = Number(r.query.per_page ?? 30);
    const page = Number(r.query.page ?? 1);
    const body = out.slice((page - 1) * perPage, page * perPage).map((c) => {
      const x = example<unknown[]>('commit-items')[0] as Record<string, unknown> & { commit: Record<string, unknown> };
      x.sha = c.sha;
      x.node_id = `C_${c.sha.slice(0, 8)}`;
      x.url = `${base(r)}/commits/${c.sha}`;
      x.html_url = `https://github.com/${r.params.owner}/${r.params.repo}/commit/${c.sha}`;
      x.comments_url = `${base(r)}/commits/${c.sha}/comments`;
      x.commit.message = c.message;
      x.commit.author = { name: c.author, email: `${c.author}@example.com`, date: c.date };
      x.commit.committer = { name: 'GitHub', email: 'noreply@github.com', date: c.date };
      x.author = user(c.author);
      x.committer = user('web-flow');
      delete x.files;
      delete x.stats;
      x.parents = [];
      return x;
    });
    return { status: 200, body };
  });
  server.handle('repos/list-pull-requests-associated-with-commit', (r) => {
    const h = repoOf(r);
    // From the path: an all-digit sha (the fixtures' 111…1) is a number in `params`.
    const sha = r.path.split('/')[5];
    const c = h?.commits.find((x) => x.sha === sha);
    if (!h || !c) return { status: 200, body: [] };
    if (!c.pull) return { status: 200, body: [] };
    const pr = example<unknown[]>('pull-request-simple-items')[0] as Record<string, unknown>;
    pr.number = c.pull.number;
    pr.state = 'closed';
    pr.requested_teams = [];
    pr.requested_reviewers = [];
    pr.user = user(c.pull.author);
    pr.merged_at = c.date;
    pr.merge_commit_sha = c.sha;
    pr.html_url = `https://github.com/${r.params.owner}/${r.params.repo}/pull/${c.pull.number}`;
    (pr.head as Record<string, unknown>).sha = c.pull.headSha ?? c.sha;
    (pr.base as Record<string, unknown>).ref = 'main';
    return { status: 200, body: [pr] };
  });
  server.handle('pulls/list-reviews', (r) => {
    const h = repoOf(r);
    const c = h?.commits.find((x) => x.pull?.number === Number(r.params.pull_number));
    if (!c?.pull) return notFound();
    const pull = c.pull;
    const body = pull.reviews.map((rv, i) => {
      const x = example<unknown[]>('pull-request-review-items')[0] as Record<string, unknown>;
      x.id = 5000 + i;
      x.node_id = `PRR_${5000 + i}`;
      x.user = user(rv.user);
      x.state = rv.state;
      x.commit_id = rv.commitId ?? pull.headSha ?? c.sha;
      x.submitted_at = c.date;
      x.pull_request_url = `${base(r)}/pulls/${pull.number}`;
      x.html_url = `https://github.com/${r.params.owner}/${r.params.repo}/pull/${pull.number}#pullrequestreview-${5000 + i}`;
      return x;
    });
    return { status: 200, body };
  });
  server.handle('teams/get-membership-for-user-in-org', (r) => {
    const members = teams.get(`${r.params.org}/${r.params.team_slug}`);
    if (!members || !members.includes(String(r.params.username))) return notFound();
    return {
      status: 200,
      body: { url: `${server.url}/organizations/1/team/1/memberships/${r.params.username}`, role: 'member', state: 'active' },
    };
  });
}
