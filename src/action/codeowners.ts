import type { Logger } from '../logger';
import type { GitHubClient } from '../github/client';
import { describeError, httpStatus } from '../github/client';
import { readRepoFile } from '../github/contents';
import { CODEOWNERS_MAX_BYTES, CODEOWNERS_PATHS, parseCodeowners, type Codeowners } from '../owners/codeowners';

/**
 * On pull requests the workspace is the pull request's own (untrusted: it could rewrite CODEOWNERS to move its
 * findings out of an `owner:` gate), so CODEOWNERS is read from the base commit through the API, with GitHub's
 * precedence. Returns null when the base has none (no owners from CODEOWNERS, whatever the PR adds), undefined when it
 * cannot be read (the caller then reads the workspace's, with a warning).
 */
export async function baseCodeowners(
  client: GitHubClient,
  repo: { owner: string; repo: string },
  ref: string,
  logger: Logger,
): Promise<Codeowners | null | undefined> {
  for (const path of CODEOWNERS_PATHS) {
    try {
      const text = await readRepoFile(client, { ...repo, path, ref });
      if (Buffer.byteLength(text) >= CODEOWNERS_MAX_BYTES) {
        logger.warning(`CODEOWNERS: ${path} of the base branch is 3 MB or more: GitHub ignores it, and so does defect-gate`);
        return null;
      }
      const parsed = parseCodeowners(text, path);
      for (const p of parsed.problems.slice(0, 10)) logger.warning(`CODEOWNERS: ${path}:${p.line} (base branch): ${p.message}`);
      logger.debug(`CODEOWNERS: ${path} read from the base commit ${ref.slice(0, 12)}`);
      return parsed;
    } catch (err) {
      if (httpStatus(err) === 404) continue;
      logger.warning(
        `CODEOWNERS: cannot read ${path} of the base branch (${describeError(err)}); using the pull request's own, which it may have changed`,
      );
      return undefined;
    }
  }
  return null;
}

/** The base commit and repository of a pull_request event payload, when it has them. */
export function pullRequestBase(payload: unknown): { owner: string; repo: string; sha: string } | undefined {
  const base = (payload as { pull_request?: { base?: { sha?: unknown; repo?: { full_name?: unknown } } } } | undefined)?.pull_request?.base;
  const full = typeof base?.repo?.full_name === 'string' ? base.repo.full_name : undefined;
  const [owner, repo] = full?.split('/') ?? [];
  return typeof base?.sha === 'string' && /^[0-9a-f]{40}$/.test(base.sha) && owner && repo ? { owner, repo, sha: base.sha } : undefined;
}

/** Whether owners can change a verdict: a gate rule matches `owner:` (then a pull request's CODEOWNERS is not trusted). */
export function policyGatesOnOwners(source: { gates?: Record<string, unknown> }): boolean {
  for (const profile of Object.values(source.gates ?? {})) {
    const rules = Array.isArray(profile) ? profile : ((profile as { rules?: unknown[] } | undefined)?.rules ?? []);
    if (rules.some((r) => typeof r === 'object' && r !== null && (r as { owner?: unknown }).owner !== undefined)) return true;
  }
  return false;
}
