import { createHash } from 'node:crypto';
import { parse } from 'yaml';
import type { VerifiedApproval } from '../model';
import type { Logger } from '../logger';
import { describeError, httpStatus, type GitHubClient } from './client';
import { readRepoFile } from './contents';
import { canonicalJson, type CompiledException, type ExceptionSettings } from '../policy/exceptions';

/**
 * Verified approvals (issue #17, `exceptions.approvers`): `approved-by` is free text, so an exception counts only when
 * the change that introduced its current content reached the default branch through a pull request approved, at its
 * merged head, by listed approvers who are neither the pull request's author nor the commit's author. Everything is
 * read from GitHub's own records with the run's throttled client:
 *   the file's commits (GET /repos/{o}/{r}/commits?path=&sha=) and its content at each (contents API) → the commit
 *   that introduced the entry's current content → its pull request (GET /repos/{o}/{r}/commits/{sha}/pulls) → the
 *   reviews (GET /repos/{o}/{r}/pulls/{n}/reviews) → team membership (GET /orgs/{org}/teams/{team}/memberships/{user}).
 * Anything that cannot be read is a reason the exception does not apply (fail closed), never a pass.
 */

export interface ApprovalContext {
  client: GitHubClient;
  /** Repository and commit whose history holds the policy (the base commit on pull requests, else GITHUB_SHA). */
  owner: string;
  repo: string;
  ref: string;
  /** Repository path of an exception's file as the policy loader names it (workspace-relative, or owner/repo/path@ref). */
  repoPathOf: (file: string) => string | undefined;
  log: Logger;
  /** Verdicts by `id:contentHash` (from earlier runs): no calls for those. Filled with this run's verdicts. */
  cache?: Map<string, VerifiedApproval>;
}

/** Most commits of one file walked back to find where an entry's content was introduced. */
export const MAX_HISTORY = 30;

export const TEAM_TOKEN_HELP =
  'token cannot read team membership: needs members:read (organization) — give a GitHub App token or a fine-grained PAT with members:read, or list users in exceptions.approvers.users instead';

interface CommitItem {
  sha: string;
  author?: { login?: string } | null;
}
interface PullItem {
  number: number;
  html_url?: string;
  merged_at?: string | null;
  user?: { login?: string } | null;
  head?: { sha?: string };
}
interface ReviewItem {
  user?: { login?: string } | null;
  state?: string;
  commit_id?: string | null;
}

const REMOTE_FILE = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)\/(.+)@([^@\s]+)$/;

function entryIn(text: string, id: string): unknown {
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 100 });
  } catch {
    return undefined;
  }
  const d = doc as { entries?: unknown; exceptions?: { entries?: unknown } } | null;
  const list = Array.isArray(d?.entries) ? d.entries : Array.isArray(d?.exceptions?.entries) ? d.exceptions.entries : [];
  return (list as { id?: unknown }[]).find((e) => e && typeof e === 'object' && e.id === id);
}

/** Verifies every exception's approval and sets `approval` on each (with `problem` when it does not count). */
export async function verifyApprovals(settings: ExceptionSettings, ctx: ApprovalContext): Promise<{ calls: number; cached: number }> {
  const a = settings.approvers;
  let calls = 0;
  let cached = 0;
  if (!a || settings.verify === 'off') return { calls, cached };
  const req = async <T>(route: string, params: Record<string, unknown>): Promise<T> => {
    calls++;
    return (await ctx.client.request<T>(route, params)).data;
  };
  const files = new Map<string, Promise<string | undefined>>();
  const fileAt = (owner: string, repo: string, path: string, sha: string) => {
    const k = `${owner}/${repo}/${path}@${sha}`;
    let p = files.get(k);
    if (!p) {
      calls++;
      p = readRepoFile(ctx.client, { owner, repo, path, ref: sha }).catch((err: unknown) => {
        if (httpStatus(err) === 404) return undefined;
        throw err;
      });
      files.set(k, p);
    }
    return p;
  };
  const histories = new Map<string, Promise<CommitItem[]>>();
  const membership = new Map<string, Promise<'member' | 'not-member' | 'forbidden'>>();
  const isMember = (team: string, login: string) => {
    const k = `${team}:${login.toLowerCase()}`;
    let p = membership.get(k);
    if (!p) {
      const [org, slug] = team.split('/') as [string, string];
      p = req<{ state?: string }>('GET /orgs/{org}/teams/{team_slug}/memberships/{username}', {
        org,
        team_slug: slug,
        username: login,
      }).then(
        (m) => (m.state === 'active' ? 'member' : 'not-member'),
        (err: unknown) => {
          const s = httpStatus(err);
          if (s === 404) return 'not-member';
          if (s === 403 || s === 401) return 'forbidden';
          throw err;
        },
      );
      membership.set(k, p);
    }
    return p;
  };
  const most = Math.max(1, ...Object.values(a.min));

  const verifyOne = async (e: CompiledException): Promise<VerifiedApproval> => {
    const remote = REMOTE_FILE.exec(e.file);
    const owner = remote ? (remote[1] as string) : ctx.owner;
    const repo = remote ? (remote[2] as string) : ctx.repo;
    const path = remote ? (remote[3] as string) : ctx.repoPathOf(e.file);
    const ref = remote ? (remote[4] as string) : ctx.ref;
    if (!path) return { approvers: [], problem: `${e.file} is not a file of the repository: its history cannot be read` };
    const hk = `${owner}/${repo}/${path}@${ref}`;
    let hp = histories.get(hk);
    if (!hp) {
      hp = req<CommitItem[]>('GET /repos/{owner}/{repo}/commits', { owner, repo, sha: ref, path, per_page: MAX_HISTORY });
      histories.set(hk, hp);
    }
    const commits = await hp;
    if (commits.length === 0) return { approvers: [], problem: `no commit of ${path} found in ${owner}/${repo} at ${ref.slice(0, 12)}` };
    // Newest first: walk back while the entry has its current content; the last such commit introduced it.
    let current: string | undefined;
    let introducing: CommitItem | undefined;
    let ended = false;
    for (const c of commits) {
      const text = await fileAt(owner, repo, path, c.sha);
      const entry = text === undefined ? undefined : entryIn(text, e.id);
      const canon = entry === undefined ? undefined : canonicalJson(entry);
      if (current === undefined) {
        if (canon === undefined)
          return { approvers: [], problem: `exception ${e.id} is not in ${path} at its latest commit ${c.sha.slice(0, 7)}` };
        current = canon;
        // The entry that applies must be the one in GitHub's history (not a checkout's uncommitted edit of it).
        if (createHash('sha256').update(canon).digest('hex').slice(0, 32) !== e.contentHash) {
          return {
            approvers: [],
            problem: `exception ${e.id} differs from its content in ${path} at ${ref.slice(0, 12)}: only a committed, merged entry can be verified`,
          };
        }
      } else if (canon !== current) {
        ended = true;
        break;
      }
      introducing = c;
    }
    if (!introducing) return { approvers: [], problem: 'no introducing commit found' };
    if (!ended && commits.length >= MAX_HISTORY) {
      return {
        approvers: [],
        problem: `${path} has more than ${MAX_HISTORY} commits with this entry unchanged: the change that introduced it was not found`,
      };
    }
    const commit = introducing.sha;
    const pulls = await req<PullItem[]>('GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls', {
      owner,
      repo,
      commit_sha: commit,
      per_page: 100,
    });
    const pr = pulls.find((p) => p.merged_at);
    if (!pr)
      return {
        approvers: [],
        commit,
        problem: `introduced by commit ${commit.slice(0, 7)}, which did not reach the default branch through a merged pull request`,
      };
    const prInfo = {
      number: pr.number,
      ...(pr.html_url ? { url: pr.html_url } : {}),
      ...(pr.merged_at ? { mergedAt: pr.merged_at } : {}),
      ...(pr.user?.login ? { author: pr.user.login } : {}),
    };
    const reviews = await req<ReviewItem[]>('GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews', {
      owner,
      repo,
      pull_number: pr.number,
      per_page: 100,
    });
    // The latest decisive review of each reviewer, at the merged head.
    const latest = new Map<string, ReviewItem>();
    for (const r of reviews) {
      const login = r.user?.login;
      if (!login || r.state === 'COMMENTED' || r.state === 'PENDING') continue;
      latest.set(login.toLowerCase(), r);
    }
    const excluded = new Set(
      a.notRequester ? [pr.user?.login, introducing.author?.login].filter((x): x is string => !!x).map((x) => x.toLowerCase()) : [],
    );
    const approving = [...latest.values()]
      .filter((r) => r.state === 'APPROVED' && (!pr.head?.sha || r.commit_id === pr.head.sha))
      .map((r) => r.user?.login as string);
    const approvers: VerifiedApproval['approvers'] = [];
    const unlisted: string[] = [];
    let forbidden = false;
    for (const login of approving) {
      if (excluded.has(login.toLowerCase())) continue;
      if (a.users.has(login.toLowerCase())) {
        approvers.push({ login });
        continue;
      }
      let team: string | undefined;
      for (const t of a.teams) {
        const m = await isMember(t, login);
        if (m === 'forbidden') forbidden = true;
        if (m === 'member') {
          team = t;
          break;
        }
      }
      if (team) approvers.push({ login, team });
      else unlisted.push(login);
    }
    const base = { approvers, pr: prInfo, commit };
    if (forbidden && approvers.length < most) return { ...base, problem: TEAM_TOKEN_HELP };
    if (approvers.length > 0) return base;
    const listed = [...a.teams, ...[...a.users].map((u) => `@${u}`)].join(', ') || '(no approvers listed)';
    const selfOnly = approving.length > 0 && approving.every((l) => excluded.has(l.toLowerCase()));
    if (selfOnly)
      return { ...base, problem: `#${pr.number} was approved only by its author (${approving.map((l) => `@${l}`).join(', ')})` };
    if (unlisted.length > 0)
      return {
        ...base,
        problem: `no approving review from ${listed} in #${pr.number} (${unlisted.map((l) => `@${l}`).join(', ')} approved, but ${unlisted.length === 1 ? 'is' : 'are'} not listed)`,
      };
    return { ...base, problem: `no approving review from ${listed} at the merged head of #${pr.number}` };
  };

  for (const e of settings.entries) {
    const key = `${e.id}:${e.contentHash}`;
    const hit = ctx.cache?.get(key);
    if (hit) {
      e.approval = hit;
      cached++;
      continue;
    }
    try {
      e.approval = await verifyOne(e);
      // Only verified approvals are kept: a problem (a missing permission, an unmerged change) is looked at again.
      if (!e.approval.problem) ctx.cache?.set(key, e.approval);
    } catch (err) {
      e.approval = { approvers: [], problem: `approval could not be verified: ${describeError(err)}` };
    }
    const v = e.approval;
    ctx.log.debug(
      `exception ${e.id}: ${v.problem ? `not verified: ${v.problem}` : `approved by ${v.approvers.map((x) => x.login).join(', ')} in #${v.pr?.number}`}`,
    );
  }
  return { calls, cached };
}

/** Marks every exception unverified with one reason (no GitHub API here: `--verify-approvals off` to skip). */
export function markUnverifiable(settings: ExceptionSettings, problem: string): void {
  if (!settings.approvers || settings.verify === 'off') return;
  for (const e of settings.entries) e.approval = { approvers: [], problem };
}
