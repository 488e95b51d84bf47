import { createGitHubClient as createClient, type ClientOptions } from '../github/octokit';
import type { GitHubClient } from '../github/client';
import { VERSION } from '../version';
import type * as ActionsGitHubUtils from '@actions/github/lib/utils';

export { apiBaseUrl, DO_NOT_RETRY, RATE_LIMIT_RETRIES, runRetryState, type ClientOptions } from '../github/octokit';

let actionsGitHub: Promise<typeof ActionsGitHubUtils> | undefined;

/**
 * `@actions/github`'s `fetch`, which honours the runner's proxy settings (`https_proxy`, `no_proxy`), with its user
 * agent tag of the job's orchestration id, both taken when the first request is sent: importing `@actions/github`
 * builds its REST client class, its event context and the proxy-aware HTTP stack (undici, 400 KB), which a run that
 * sends no request never needs (issue #21: the Action's start-up).
 */
const actionsFetch: typeof globalThis.fetch = async (input, init) => {
  const { defaults, getUserAgentWithOrchestrationId } = await (actionsGitHub ??= import('@actions/github/lib/utils'));
  const send = (defaults.request?.fetch as typeof globalThis.fetch | undefined) ?? globalThis.fetch;
  const headers = new Headers(init?.headers);
  const agent = headers.get('user-agent');
  if (agent) headers.set('user-agent', getUserAgentWithOrchestrationId(agent) ?? agent);
  return send(input, { ...init, headers });
};

/** The Action's options for the one client factory (src/github/octokit.ts): the fetch above, its user agent. */
export function createGitHubClient(token: string, opts: ClientOptions): GitHubClient {
  return createClient(token, { fetch: actionsFetch, userAgent: `defect-gate/${VERSION}`, ...opts });
}
