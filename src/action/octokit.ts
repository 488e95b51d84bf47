import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import type { GitHubClient } from '../github/client';
import type { Logger } from '../logger';
import { VERSION } from '../version';

/**
 * The one GitHub client factory: throttling (primary and secondary rate limits, retried a bounded number of times
 * with a warning) and retries (5xx and network errors; never 409/422 conflicts or 4xx client errors, and 403 only
 * through the throttling plugin's rate-limit detection), an explicit `baseUrl` (GHES: `GITHUB_API_URL`) and the
 * user agent `defect-gate/<version>`.
 */

/** Statuses the retry plugin must not retry: client errors; 403 and 429 are the throttling plugin's. */
export const DO_NOT_RETRY = [400, 401, 403, 404, 409, 410, 422, 429, 451];
/** Most retries after a rate limit (primary or secondary) for one request. */
export const RATE_LIMIT_RETRIES = 2;

export interface ClientOptions {
  /** API base URL; default `GITHUB_API_URL`, else https://api.github.com. */
  baseUrl?: string;
  logger: Logger;
  /**
   * Milliseconds per unit of retry delay (1000 in production: `retry-after` is in seconds; the retry plugin's
   * back-off is 1, 4, 9 s). Tests make it small; the Action reads `DEFECT_GATE_RETRY_BASE_MS` (for tests only).
   */
  retryBaseMs?: number;
  /** Turn the throttling plugin off (unit tests that don't test it). */
  throttle?: boolean;
  /** Retries for 5xx and network errors (default 3). */
  retries?: number;
}

export function apiBaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
}

export function createOctokit(token: string, opts: ClientOptions) {
  const base = opts.retryBaseMs ?? 1000;
  const log = opts.logger;
  return getOctokit(
    token,
    {
      baseUrl: opts.baseUrl ?? apiBaseUrl(),
      userAgent: `defect-gate/${VERSION}`,
      log: { debug: () => {}, info: () => {}, warn: (m: string) => log.debug(m), error: (m: string) => log.debug(m) },
      throttle: {
        enabled: opts.throttle ?? true,
        retryAfterBaseValue: base,
        onRateLimit: (retryAfter: number, options: { method: string; url: string }, _o: unknown, retryCount: number) => {
          const again = retryCount < RATE_LIMIT_RETRIES;
          log.warning(
            `GitHub API rate limit hit on ${options.method} ${options.url}${again ? `: retrying in ${retryAfter} s (retry ${retryCount + 1} of ${RATE_LIMIT_RETRIES})` : ': giving up'}`,
          );
          return again;
        },
        onSecondaryRateLimit: (retryAfter: number, options: { method: string; url: string }, _o: unknown, retryCount: number) => {
          const again = retryCount < RATE_LIMIT_RETRIES;
          log.warning(
            `GitHub API secondary rate limit hit on ${options.method} ${options.url}${again ? `: retrying in ${retryAfter} s (retry ${retryCount + 1} of ${RATE_LIMIT_RETRIES})` : ': giving up'}`,
          );
          return again;
        },
      },
      retry: { doNotRetry: DO_NOT_RETRY, retryAfterBaseValue: base, retries: opts.retries ?? 3 },
    },
    throttling,
    retry,
  );
}

/** The real client behind the small interface the publishing code uses. */
export function createGitHubClient(token: string, opts: ClientOptions): GitHubClient {
  const octokit = createOctokit(token, opts);
  return {
    request: async <T>(route: string, params?: Record<string, unknown>) => {
      const res = await octokit.request(route, params);
      return { status: res.status, data: res.data as T, headers: res.headers as Record<string, string | number | undefined> };
    },
  };
}
