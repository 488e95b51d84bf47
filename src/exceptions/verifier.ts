import type { VerifiedApproval } from '../model';
import type { GitHubClient } from '../github/client';
import type { Logger } from '../logger';
import type { Policy } from '../policy/compile';
import { repoPath } from '../io/policy-source';
import { verifyApprovals } from './approvals';

/**
 * The approval verifier of `exceptions.approvers` (issue #17) for runCheck's `verifyApprovals`, shared by the Action
 * (src/action/approvals.ts, the run's throttled client) and the CLI (src/cli/check.ts, the CLI's client): the history of
 * `owner/repo` at `ref` is searched; exception files are named relative to `workspace`. No `@actions/*` here.
 */
export function approvalVerifier(
  client: () => GitHubClient,
  at: { owner: string; repo: string; ref: string; workspace: string },
  logger: Logger,
): (policy: Policy, cache: Map<string, VerifiedApproval>) => Promise<void> {
  return async (policy, cache) => {
    const { calls, cached } = await verifyApprovals(policy.exceptions, {
      client: client(),
      owner: at.owner,
      repo: at.repo,
      ref: at.ref,
      repoPathOf: (file) => {
        try {
          return repoPath(file, at.workspace);
        } catch {
          return undefined;
        }
      },
      log: logger,
      cache,
    });
    logger.info(`exception approvals: ${calls} GitHub API request(s), ${cached} verified approval(s) from the ledger`);
  };
}
