import { Octokit } from '@octokit/core';
import { throttling, type ThrottlingOptions } from '@octokit/plugin-throttling';
import type { GitHubClient } from './client';
import { DEFAULT_RETRY_POLICY, mayWaitRateLimit, retryWrap, RetryState } from './retry';
import type { Logger } from '../logger';
import { VERSION } from '../version';

/**
 * The one GitHub client factory, for every caller (the Action, the CLI, remote policies, the ledger branch store, the
 * org report, the tracker): `@octokit/core` with
 * - the throttling plugin (primary and secondary rate limits, waited out a bounded number of times with a warning);
 * - one retry stack, src/github/retry.ts, wrapped around it: 5xx and network errors for requests that may be repeated,
 *   429 after `retry-after`; never 409/422 conflicts or other 4xx; a total waiting budget per run, a timeout per
 *   attempt, and one attempt per request once GitHub is down. Not `@octokit/plugin-retry`: it has no budget and replays
 *   a create after a 5xx, which may have been carried out (CHANGELOG: "GitHub client: own retry wrap");
 * - an explicit `baseUrl` (GHES: `GITHUB_API_URL`) and the user agent `defect-gate/<version>`.
 * No `@actions/*` here: the Action shell (src/action/octokit.ts) passes its proxy-aware `fetch` and user agent.
 */

/** Statuses never retried: client errors. 403 and 429 rate limits are the throttling plugin's (429 retry-after: ours). */
export const DO_NOT_RETRY = [400, 401, 403, 404, 409, 410, 422, 451];
/** Most retries after a rate limit (primary, secondary, or a 429 with retry-after) for one request. */
export const RATE_LIMIT_RETRIES = DEFAULT_RETRY_POLICY.rateLimitRetries;

export interface ClientOptions {
  /** API base URL; default `GITHUB_API_URL`, else https://api.github.com. */
  baseUrl?: string;
  /** Warnings (rate limits, 429) and debug lines (5xx retries). */
  logger: Pick<Logger, 'warning' | 'debug'>;
  /**
   * Milliseconds per unit of retry delay (1000 in production: `retry-after` is in seconds; the back-off is 1, 2, 4 s).
   * Tests make it small; shells read `DEFECT_GATE_RETRY_BASE_MS` (for tests only) through `runRetryState`.
   */
  retryBaseMs?: number;
  /** Turn the throttling plugin off (unit tests that don't test it). */
  throttle?: boolean;
  /** Retries for 5xx and network errors (default 3). */
  retries?: number;
  /** Shared by the clients of one run (the retry budget, and whether GitHub is down); default: one per client. */
  retryState?: RetryState;
  /** The `fetch` to send requests with (the Action's honours the runner's proxy settings); default: Node's. */
  fetch?: typeof globalThis.fetch;
  /** Default `defect-gate/<version>`. */
  userAgent?: string;
  /**
   * A client that only reads (`report`, `report --org`): it refuses every request but GET, HEAD and GraphQL queries, and its
   * GraphQL queries are not spaced one second apart. The throttling plugin spaces every `POST /graphql` as a write (at
   * least 1 s between them; octokit/plugin-throttling.js#380), which GitHub asks of requests that create content; for
   * queries its secondary limits are points (1 per query without a mutation, 2,000 a minute), concurrency and server
   * time, which a client with one request in flight stays within. The organization report of 5,000 repositories (50
   * pages) took 50 s for that spacing alone, its CPU busy 13 s of them.
   */
  queriesOnly?: boolean;
}

/** True for a GraphQL document that holds a mutation or a subscription (its comments and strings left out). */
export function graphqlWrites(query: string): boolean {
  const code = query.replace(/"""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*"|#[^\n\r]*/g, ' ');
  return /(?:^|[\s,{}()])(?:mutation|subscription)\b/.test(code);
}

/**
 * What the throttling plugin asks of its write group (`write.key(id).schedule(options, job)`, awaited before a write or
 * a GraphQL request is sent), without the wait. Not a Bottleneck: a second copy of it would go into the bundles
 * (the plugin's own is in dist/lib-octokit.cjs, loaded on first use). A plugin that asks more of it fails the tests
 * of the read-only client.
 */
const OPEN_GATE = {
  key: () => ({ schedule: <T>(_options: unknown, job: () => Promise<T>): Promise<T> => job() }),
};

interface RequestLike {
  method?: unknown;
  url?: unknown;
  query?: unknown;
}

/** The request hook of a `queriesOnly` client: anything that may write is refused before it is sent. */
function refuseWrites(request: (o: RequestLike) => Promise<unknown>, options: RequestLike): Promise<unknown> {
  const method = String(options.method ?? 'GET').toUpperCase();
  const url = String(options.url ?? '');
  const graphql = method === 'POST' && /^(?:[a-z]+:\/\/[^/]+)?(?:\/api)?\/graphql(?:[?#]|$)/i.test(url);
  if (method === 'GET' || method === 'HEAD') return request(options);
  if (graphql && typeof options.query === 'string' && !graphqlWrites(options.query)) return request(options);
  return Promise.reject(
    new Error(`a read-only GitHub client refused ${method} ${url}${graphql ? ' (not a GraphQL query without mutations)' : ''}`),
  );
}

/** The API base URL: a flag (`--api-url`), else `GITHUB_API_URL`, else https://api.github.com; no trailing slash. */
export function apiBaseUrl(env: Record<string, string | undefined> = process.env, flag?: string): string {
  return (flag || env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
}

/** The token of the command line: `GITHUB_TOKEN`, else `GH_TOKEN`. */
export function envToken(env: Record<string, string | undefined>): string | undefined {
  return env.GITHUB_TOKEN || env.GH_TOKEN || undefined;
}

/** The retry state of one run: the default policy, with `DEFECT_GATE_RETRY_BASE_MS` (tests) as the time unit. */
export function runRetryState(env: Record<string, string | undefined> = process.env, retries?: number): RetryState {
  const raw = env.DEFECT_GATE_RETRY_BASE_MS ? Number(env.DEFECT_GATE_RETRY_BASE_MS) : NaN;
  const baseMs = Number.isFinite(raw) && raw >= 0 ? raw : DEFAULT_RETRY_POLICY.baseMs;
  const delays = retries === undefined ? DEFAULT_RETRY_POLICY.delays : DEFAULT_RETRY_POLICY.delays.slice(0, retries);
  return new RetryState({ ...DEFAULT_RETRY_POLICY, baseMs, delays });
}

/** An Octokit with throttling and the retry wrap; `token` may be absent (public data, GHES without auth). */
export function createOctokit(token: string | undefined, opts: ClientOptions) {
  const state =
    opts.retryState ??
    new RetryState({
      ...DEFAULT_RETRY_POLICY,
      baseMs: opts.retryBaseMs ?? DEFAULT_RETRY_POLICY.baseMs,
      delays:
        opts.retries === undefined
          ? DEFAULT_RETRY_POLICY.delays
          : Array.from({ length: opts.retries }, (_, i) => DEFAULT_RETRY_POLICY.delays[i] ?? 4),
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
  const Client = Octokit.plugin(throttling);
  const octokit = new Client({
    ...(token ? { auth: token } : {}),
    baseUrl,
    userAgent: opts.userAgent ?? `defect-gate/${VERSION}`,
    ...(opts.fetch ? { request: { fetch: opts.fetch } } : {}),
    log: { debug: () => {}, info: () => {}, warn: (m: string) => log.debug(m), error: (m: string) => log.debug(m) },
    throttle: {
      enabled: opts.throttle ?? true,
      retryAfterBaseValue: state.policy.baseMs,
      onRateLimit: onLimit('rate limit'),
      onSecondaryRateLimit: onLimit('secondary rate limit'),
      // Queries only: the plugin's write group (1 s between GraphQL requests) replaced by a gate that opens at once.
      ...(opts.queriesOnly ? { write: OPEN_GATE as unknown as ThrottlingOptions['write'] } : {}),
    },
  });
  // Retries around the throttling plugin.
  octokit.hook.wrap('request', retryWrap({ state, baseUrl, warn: (m) => log.warning(m), debug: (m) => log.debug(m) }) as never);
  // Outermost: a refused write fails at once (no retries).
  if (opts.queriesOnly) octokit.hook.wrap('request', refuseWrites as never);
  return octokit;
}

/** The client type every caller shares (as changesets/action: the factory's return type). */
export type GitHubOctokit = ReturnType<typeof createOctokit>;

/** An Octokit behind the small interface the publishing, tracker, ledger and policy code use. */
export function asGitHubClient(octokit: GitHubOctokit): GitHubClient {
  return {
    request: async <T>(route: string, params?: Record<string, unknown>) => {
      const res = await octokit.request(route, params ?? {});
      return { status: res.status, data: res.data as T, headers: res.headers as Record<string, string | number | undefined> };
    },
    // A query only reads: it may be repeated after a 5xx.
    graphql: async <T>(query: string) => (await octokit.graphql(query, { request: { idempotent: true } })) as T,
  };
}

/** `createOctokit` behind the small interface. */
export function createGitHubClient(token: string | undefined, opts: ClientOptions): GitHubClient {
  return asGitHubClient(createOctokit(token, opts));
}

/**
 * The command line's options for the factory: the token from `GITHUB_TOKEN` / `GH_TOKEN`, `--api-url` or
 * `GITHUB_API_URL`, warnings to a function (stderr), the run's retry state (`DEFECT_GATE_RETRY_BASE_MS` for tests).
 */
export function cliGitHubClient(
  env: Record<string, string | undefined>,
  o: { apiUrl?: string; warn: (message: string) => void; retryBaseMs?: number; queriesOnly?: boolean },
): GitHubClient {
  const retryState = runRetryState(o.retryBaseMs === undefined ? env : { ...env, DEFECT_GATE_RETRY_BASE_MS: String(o.retryBaseMs) });
  return createGitHubClient(envToken(env), {
    baseUrl: apiBaseUrl(env, o.apiUrl),
    logger: { warning: o.warn, debug: () => {} },
    retryState,
    ...(o.queriesOnly ? { queriesOnly: true } : {}),
  });
}
