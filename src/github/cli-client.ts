import { Octokit } from '@octokit/core';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import type { GitHubRequest } from '../ledger/branch-store';
import type { GitHubClient, GitHubResponse } from './client';
import { VERSION } from '../version';

/**
 * The GitHub client of the command line (`defect-gate report --org`, branch ledgers): `@octokit/core` with the
 * throttling plugin (primary and secondary rate limits waited out, bounded) and the retry plugin (5xx and network
 * errors; never 4xx). No `@actions/*` here: the CLI runs anywhere.
 */

const DO_NOT_RETRY = [400, 401, 403, 404, 409, 410, 422, 429, 451];
const RATE_LIMIT_RETRIES = 2;

export interface CliClientOptions {
  token?: string;
  /** Default `GITHUB_API_URL`, else https://api.github.com. */
  baseUrl: string;
  warn: (m: string) => void;
  /** Milliseconds per second of `retry-after` / back-off (tests make it small). Default 1000. */
  retryBaseMs?: number;
}

export function cliApiBaseUrl(flag: string | undefined, env: Record<string, string | undefined>): string {
  return (flag || env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
}

export function cliToken(env: Record<string, string | undefined>): string | undefined {
  return env.GITHUB_TOKEN || env.GH_TOKEN || undefined;
}

export function createCliRequest(o: CliClientOptions): GitHubRequest {
  const Client = Octokit.plugin(throttling, retry);
  const base = o.retryBaseMs ?? 1000;
  const limit = (kind: string) => (retryAfter: number, options: { method: string; url: string }, _o: unknown, retryCount: number) => {
    const again = retryCount < RATE_LIMIT_RETRIES;
    o.warn(`GitHub API ${kind} on ${options.method} ${options.url}${again ? `: retrying in ${retryAfter} s` : ': giving up'}`);
    return again;
  };
  const octokit = new Client({
    ...(o.token ? { auth: o.token } : {}),
    baseUrl: o.baseUrl,
    userAgent: `defect-gate/${VERSION}`,
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    throttle: { retryAfterBaseValue: base, onRateLimit: limit('rate limit'), onSecondaryRateLimit: limit('secondary rate limit') },
    retry: { doNotRetry: DO_NOT_RETRY, retryAfterBaseValue: base, retries: 3 },
  });
  return async (route, params) => {
    const res = await octokit.request(route, params ?? {});
    return { status: res.status, data: res.data as unknown };
  };
}

/** The CLI's request function as a GitHubClient (the publishing, tracker and approval code's shape; no headers). */
export function createCliClient(o: CliClientOptions): GitHubClient {
  const request = createCliRequest(o);
  return { request: async <T>(route: string, params?: Record<string, unknown>) => ({ ...(await request(route, params)), headers: {} }) as GitHubResponse<T> };
}
