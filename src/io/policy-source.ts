import { isAbsolute, relative, resolve } from 'node:path';
import { httpStatus } from '../github/client';
import type { Policy } from '../policy/compile';
import { diffPolicies, type PolicyChanges } from '../policy/diff';
import { PolicyLoadError } from '../policy/load';
import { DEFAULT_POLICY_NAME, loadPolicy, loadPolicyAsync, loadPolicyAtRef, type RemotePolicyFetcher } from './policy';

/**
 * Which policy gates a run (issue #17, trust model): on pull requests the policy, its local bases and its exception
 * files are read from the BASE commit through the contents API (or `git show`), never from the pull request's
 * workspace, which the pull request controls. The workspace policy is loaded only to show what the pull request
 * changes ("takes effect after merge").
 */

export type PolicySourceMode = 'base' | 'workspace';

/** Events whose workspace is a pull request's code. */
export const BASE_POLICY_EVENTS: ReadonlySet<string> = new Set([
  'pull_request',
  'pull_request_target',
  'pull_request_review',
  'pull_request_review_comment',
  'merge_group',
]);

/** The commit whose policy gates the run. */
export interface PolicyRef {
  owner: string;
  repo: string;
  /** A commit sha (or a ref name, CLI). */
  ref: string;
  /** For people, e.g. `main (1111111)`. */
  label: string;
}

export interface GatingPolicy {
  policy: Policy;
  file: string;
  /** What the workspace (pull request) policy changes, when the policy was read at a ref. */
  changes?: PolicyChanges;
  /** One line to log, e.g. which commit's policy gates the run. */
  notes: string[];
}

/**
 * The base commit of a pull-request-like event: `pull_request*.base.sha` in the base repository, `merge_group.base_sha`.
 * Undefined for other events; an error message when the event should have one and has not (fail closed).
 */
export function basePolicyRef(
  eventName: string | undefined,
  payload: unknown,
  repository: string | undefined,
): PolicyRef | { error: string } | undefined {
  if (!eventName || !BASE_POLICY_EVENTS.has(eventName)) return undefined;
  const p = (payload ?? {}) as {
    pull_request?: { base?: { sha?: unknown; ref?: unknown; repo?: { full_name?: unknown } } };
    merge_group?: { base_sha?: unknown; base_ref?: unknown };
    repository?: { full_name?: unknown };
  };
  const full = String(p.pull_request?.base?.repo?.full_name ?? p.repository?.full_name ?? repository ?? '');
  const [owner, repo, ...more] = full.split('/');
  const sha = p.pull_request ? p.pull_request.base?.sha : p.merge_group?.base_sha;
  const refName = p.pull_request ? p.pull_request.base?.ref : p.merge_group?.base_ref;
  if (!owner || !repo || more.length > 0 || typeof sha !== 'string' || !/^([0-9a-f]{40}|[0-9a-f]{64})$/.test(sha)) {
    return { error: `the ${eventName} event has no base commit (pull_request.base.sha / merge_group.base_sha) to read the policy from` };
  }
  const branch = typeof refName === 'string' ? refName.replace(/^refs\/heads\//, '') : '';
  return { owner, repo, ref: sha, label: `${branch ? `${branch} at ` : ''}${sha.slice(0, 7)}` };
}

/**
 * The Action's choice (`policy-source`): undefined reads the workspace; `base` (the default on pull-request-like events)
 * the base commit. On other events (push, schedule, deployment) the workspace is the trusted branch itself.
 */
export function actionPolicyRef(
  policy: string | undefined,
  mode: PolicySourceMode | undefined,
  eventName: string | undefined,
  payload: unknown,
  repository: string | undefined,
): PolicyRef | { error: string } | undefined {
  // The built-in default (no policy file) is the same at every commit.
  if (mode === 'workspace' || !policy) return undefined;
  return basePolicyRef(eventName, payload, repository);
}

/** The policy path as a repository-relative POSIX path, or a PolicyLoadError when it is outside the workspace. */
export function repoPath(path: string, workspace: string): string {
  const rel = relative(resolve(workspace), resolve(workspace, path)).split('\\').join('/');
  if (rel === '' || rel.startsWith('../') || rel === '..' || isAbsolute(rel)) {
    throw new PolicyLoadError([
      {
        file: path,
        line: 1,
        column: 1,
        path: '',
        message: `the policy is read from the base commit of the pull request, so it must be a file of the repository (got ${JSON.stringify(path)})`,
      },
    ]);
  }
  return rel;
}

/**
 * Loads the policy that gates the run: from `at` (the base commit) when given, else from the workspace as before.
 * With `at`: a policy that does not exist at the base commit (a pull request that adds it) gates with the built-in
 * default, and says so; the workspace policy is loaded (its errors reported as a change, not thrown) and compared.
 */
export async function loadGatingPolicy(
  path: string | undefined,
  workspace: string,
  at: PolicyRef | undefined,
  fetch: RemotePolicyFetcher | undefined,
): Promise<GatingPolicy> {
  if (!at || !path) {
    const loaded = await loadPolicyAsync(path, workspace, fetch);
    return { ...loaded, notes: at ? [`policy: the built-in default (no policy file given)`] : [] };
  }
  const rel = repoPath(path, workspace);
  if (!fetch) {
    throw new PolicyLoadError([
      {
        file: rel,
        line: 1,
        column: 1,
        path: '',
        message: `the policy of a pull request is read from its base commit (${at.label}) through the GitHub API, which needs a token; give the \`token\` input, or set policy-source: workspace (the pull request could then change the policy that gates it)`,
      },
    ]);
  }
  let rootMissing = false;
  const guarded: RemotePolicyFetcher = async (spec) => {
    try {
      return await fetch(spec);
    } catch (err) {
      if (httpStatus(err) === 404 && spec.owner === at.owner && spec.repo === at.repo && spec.ref === at.ref && spec.path === rel)
        rootMissing = true;
      throw err;
    }
  };
  let gating: { policy: Policy; file: string };
  const notes: string[] = [];
  try {
    gating = { policy: (await loadPolicyAtRef(rel, at, workspace, guarded)).policy, file: rel };
    notes.push(`policy: ${rel} as of the base commit (${at.label}), read through the GitHub API (policy-source: base)`);
  } catch (err) {
    if (!(err instanceof PolicyLoadError) || !rootMissing) throw err;
    gating = { policy: loadPolicy(undefined, workspace).policy, file: rel };
    notes.push(
      `policy: ${rel} does not exist at the base commit (${at.label}): this run is gated by the built-in default (${DEFAULT_POLICY_NAME}); the pull request's policy takes effect after merge`,
    );
  }
  let changes: PolicyChanges;
  try {
    const head = await loadPolicyAsync(path, workspace, fetch);
    changes = diffPolicies(gating.policy, head.policy, at.label);
  } catch (err) {
    if (!(err instanceof PolicyLoadError)) throw err;
    changes = { ...diffPolicies(gating.policy, gating.policy, at.label), error: err.message };
  }
  return { ...gating, changes, notes };
}
