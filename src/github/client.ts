/**
 * The smallest GitHub client the publishing code needs: Octokit's `request(route, params)`. The Action shell builds
 * the real client (src/action/octokit.ts, with throttling and retries); tests pass anything with this shape.
 */

export interface GitHubResponse<T = unknown> {
  status: number;
  data: T;
  headers: Record<string, string | number | undefined>;
}

export interface GitHubClient {
  request<T = unknown>(route: string, params?: Record<string, unknown>): Promise<GitHubResponse<T>>;
  /** A GraphQL query (GHES: the GraphQL endpoint beside the REST one); absent in clients that have none. */
  graphql?<T = unknown>(query: string): Promise<T>;
}

export interface RepoRef {
  owner: string;
  repo: string;
}

/** The HTTP status of a failed request (Octokit's RequestError carries `status`), or undefined for network errors. */
export function httpStatus(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'status' in err) {
    const s = (err as { status: unknown }).status;
    if (typeof s === 'number' && s > 0) return s;
  }
  return undefined;
}

/** A short, single-line description of a failed request for a log line (never the request headers or token). */
export function describeError(err: unknown): string {
  const status = httpStatus(err);
  const message = err instanceof Error ? err.message : String(err);
  const first = message.split('\n')[0]?.slice(0, 300) ?? '';
  return status ? `HTTP ${status}: ${first}` : first;
}
