import type { PolicyRef } from '../io/policy-source';
import type { VerifiedApproval } from '../model';
import type { Logger } from '../logger';
import type { Policy } from '../policy/compile';
import type { RetryState } from '../github/retry';
import { approvalVerifier as verifier } from '../github/approval-verifier';
import { apiBaseUrl, createGitHubClient } from './octokit';
import type { ActionSettings } from './inputs';

/**
 * The Action's approval verifier (`exceptions.approvers`, issue #17): the run's throttled client; the history searched
 * is the base commit's on pull requests (the policy read there), else the pushed commit's (GITHUB_SHA).
 */
export function approvalVerifier(
  settings: ActionSettings,
  policyRef: PolicyRef | undefined,
  logger: Logger,
  env: NodeJS.ProcessEnv,
  retryState: RetryState,
): (policy: Policy, cache: Map<string, VerifiedApproval>) => Promise<void> {
  const [owner, repo] = String(env.GITHUB_REPOSITORY).split('/') as [string, string];
  return verifier(
    () => createGitHubClient(settings.github.token, { baseUrl: apiBaseUrl(env), logger, retryState }),
    {
      owner: policyRef?.owner ?? owner,
      repo: policyRef?.repo ?? repo,
      ref: policyRef?.ref ?? env.GITHUB_SHA ?? 'HEAD',
      workspace: settings.workspace,
    },
    logger,
  );
}
