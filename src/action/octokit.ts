import { getOctokit } from '@actions/github';
import { throttling } from '@octokit/plugin-throttling';
import type { GitHubClient } from '../github/client';
import { DEFAULT_RETRY_POLICY, mayWaitRateLimit, retryWrap, RetryState } from '../github/retry';
import type { Logger } from '../logger';
import { VERSION } from '../version';

/**
 * The one GitHub client factory: throttling (primary and secondary rate limits, waited out a bounded number of times
 * with a warning), retries (src/github/retry.ts: 5xx and network errors for requests that may be repeated, 429 after
 * `retry-after`; never 409/422 conflicts or other 4xx; a total waiting budget per run, and one attempt per request once
 * GitHub is down), an explicit `baseUrl` (GHES: `GITHUB_API_URL`) and the user agent `defect-gate/<version>`.
 */

/** Statuses never retried: client errors. 403 and 429 rate limits are the throttling plugin's (429 retry-after: ours). */
export const DO_NOT_RETRY = [400, 401, 403, 404, 409, 410, 422, 451];
/** Most retries after a rate limit (primary, secondary, or a 429 with retry-after) for one request. */
export const RATE_LIMIT_RETRIES = DEFAULT_RETRY_POLICY.rateLimitRetries;

export interface ClientOptions {
  /** API base URL; default `GITHUB_API_URL`, else https://api.github.com. */
  baseUrl?: string;
  logger: Logger;
  /**
   * Milliseconds per unit of retry delay (1000 in production: `retry-after` is in seconds; the back-off is 1, 2, 4 s).
   * Tests make it small; the Action reads `DEFECT_GATE_RETRY_BASE_MS` (for tests only).
   */
  retryBaseMs?: number;
  /** Turn the throttling plugin off (unit tests that don't test it). */
  throttle?: boolean;
  /** Retries for 5xx and network errors (default 3). */
  retries?: number;
  /** Shared by the clients of one run (the retry budget, and whether GitHub is down); default: one per client. */
  retryState?: RetryState;
}

export function apiBaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
}

/** The retry state of one run: the default policy, with `DEFECT_GATE_RETRY_BASE_MS` (tests) as the time unit. */
export function runRetryState(env: NodeJS.ProcessEnv = process.env, retries?: number): RetryState {
  const raw = env.DEFECT_GATE_RETRY_BASE_MS ? Number(env.DEFECT_GATE_RETRY_BASE_MS) : NaN;
  const baseMs = Number.isFinite(raw) && raw >= 0 ? raw : DEFAULT_RETRY_POLICY.baseMs;
  const delays = retries === undefined ? DEFAULT_RETRY_POLICY.delays : DEFAULT_RETRY_POLICY.delays.slice(0, retries);
  return new RetryState({ ...DEFAULT_RETRY_POLICY, baseMs, delays });
}

export function createOctokit(token: string, opts: ClientOptions) {
  const state =
    opts.retryState ??
    new RetryState({
      ...DEFAULT_RETRY_POLICY,
      baseMs: opts.retryBaseMs ?? DEFAULT_RETRY_POLICY.baseMs,
      delays: opts.retries === undefined ? DEFAULT_RETRY_POLICY.delays : Array.from({ length: opts.retries }, (_, i) => DEFAULT_RETRY_POLICY.delays[i] ?? 4),
    });
  const log = opts.logger;
  const baseUrl = opts.baseUrl ?? apiBaseUrl();
  const onLimit = (kind: string) => (retryAfter: number, options: { method: string; url: string }, _o: unknown, retryCount: number) => {
    const again = mayWaitRateLimit(state, retryAfter, retryCount);
    log.warning(
      `GitHub API ${kind} hit on ${options.method} ${options.url}${again ? `: retrying in ${retryAfter} s (retry ${retryCount + 1} of ${state.policy.rateLimitRetries})` : `: giving up${retryAfter > state.policy.maxRetryAfter ? ` (GitHub asks to wait ${retryAfter} s)` : ''}`}`,
    );
    return again;
  };
  const octokit = getOctokit(
    token,
    {
      baseUrl,
      userAgent: `defect-gate/${VERSION}`,
      log: { debug: () => {}, info: () => {}, warn: (m: string) => log.debug(m), error: (m: string) => log.debug(m) },
      throttle: {
        enabled: opts.throttle ?? true,
        retryAfterBaseValue: state.policy.baseMs,
        onRateLimit: onLimit('rate limit'),
        onSecondaryRateLimit: onLimit('secondary rate limit'),
      },
    },
    throttling,
  );
  // Outermost wrap: retries around the throttling plugin.
  octokit.hook.wrap('request', retryWrap({ state, baseUrl, warn: (m) => log.warning(m), debug: (m) => log.debug(m) }) as never);
  return octokit;
}

/** The real client behind the small interface the publishing code uses. */
export function createGitHubClient(token: string, opts: ClientOptions): GitHubClient {
  const octokit = createOctokit(token, opts);
  return {
    request: async <T>(route: string, params?: Record<string, unknown>) => {
      const res = await octokit.request(route, params);
      return { status: res.status, data: res.data as T, headers: res.headers as Record<string, string | number | undefined> };
    },
    // A query only reads: it may be repeated after a 5xx.
    graphql: async <T>(query: string) => (await octokit.graphql(query, { request: { idempotent: true } })) as T,
  };
}
