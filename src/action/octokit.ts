import { defaults, getUserAgentWithOrchestrationId } from '@actions/github/lib/utils';
import { createGitHubClient as createClient, type ClientOptions } from '../github/octokit';
import type { GitHubClient } from '../github/client';
import { VERSION } from '../version';

export { apiBaseUrl, DO_NOT_RETRY, RATE_LIMIT_RETRIES, runRetryState, type ClientOptions } from '../github/octokit';

/**
 * The Action's options for the one client factory (src/github/octokit.ts): `@actions/github`'s `fetch`, which honours
 * the runner's proxy settings (`https_proxy`, `no_proxy`), and its user agent with the job's orchestration id.
 */
export function createGitHubClient(token: string, opts: ClientOptions): GitHubClient {
  const fetch = defaults.request?.fetch as typeof globalThis.fetch | undefined;
  return createClient(token, {
    ...(fetch ? { fetch } : {}),
    userAgent: getUserAgentWithOrchestrationId(`defect-gate/${VERSION}`) ?? `defect-gate/${VERSION}`,
    ...opts,
  });
}
