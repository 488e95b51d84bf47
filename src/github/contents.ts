import type { GitHubClient } from './client';

/** Reading one file from a repository at a ref through the contents API (base policies for `extends`). */

export function decodeContents(data: unknown, what: string): string {
  const d = data as { type?: string; content?: string; encoding?: string } | unknown[];
  if (Array.isArray(d)) throw new Error(`${what} is a directory, not a file`);
  if (d.type !== undefined && d.type !== 'file') throw new Error(`${what} is a ${d.type}, not a file`);
  if (typeof d.content !== 'string') throw new Error(`${what}: the API returned no content (file larger than 1 MB?)`);
  return d.encoding === 'base64' ? Buffer.from(d.content, 'base64').toString('utf8') : d.content;
}

export async function readRepoFile(client: GitHubClient, spec: { owner: string; repo: string; path: string; ref: string }): Promise<string> {
  const what = `${spec.owner}/${spec.repo}/${spec.path}@${spec.ref}`;
  const r = await client.request('GET /repos/{owner}/{repo}/contents/{path}', spec);
  return decodeContents(r.data, what);
}

/**
 * A minimal client over fetch for the CLI (which must not depend on @actions/*): GitHub's REST API with a token, for
 * the few GET requests the CLI makes. Route templates are expanded like Octokit's (`{param}` from params; the rest
 * become the query string).
 */
export function fetchClient(baseUrl: string, token: string | undefined, userAgent: string): GitHubClient {
  return {
    async request<T>(route: string, params: Record<string, unknown> = {}) {
      const [method, template] = route.split(' ') as [string, string];
      const rest: Record<string, unknown> = { ...params };
      const path = template.replace(/\{(\w+)\}/g, (_m, k: string) => {
        const v = String(rest[k]);
        delete rest[k];
        return k === 'path' ? v.split('/').map(encodeURIComponent).join('/') : encodeURIComponent(v);
      });
      const query = new URLSearchParams(Object.entries(rest).map(([k, v]): [string, string] => [k, String(v)]));
      const url = `${baseUrl.replace(/\/+$/, '')}${path}${query.size ? `?${query}` : ''}`;
      const res = await fetch(url, {
        method,
        headers: {
          accept: 'application/vnd.github+json',
          'user-agent': userAgent,
          'x-github-api-version': '2022-11-28',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      });
      const text = await res.text();
      const data = text ? (JSON.parse(text) as T) : (undefined as T);
      if (!res.ok) {
        const err = new Error(`${method} ${path}: HTTP ${res.status}${(data as { message?: string })?.message ? `: ${(data as { message: string }).message}` : ''}`) as Error & { status: number };
        err.status = res.status;
        throw err;
      }
      const headers: Record<string, string> = {};
      res.headers.forEach((v, k) => (headers[k] = v));
      return { status: res.status, data, headers };
    },
  };
}
