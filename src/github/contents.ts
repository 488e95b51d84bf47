import type { GitHubClient } from './client';

/** Reading one file from a repository at a ref through the contents API (base policies for `extends`). */

export function decodeContents(data: unknown, what: string): string {
  const d = data as { type?: string; content?: string; encoding?: string } | unknown[];
  if (Array.isArray(d)) throw new Error(`${what} is a directory, not a file`);
  if (d.type !== undefined && d.type !== 'file') throw new Error(`${what} is a ${d.type}, not a file`);
  if (typeof d.content !== 'string') throw new Error(`${what}: the API returned no content (file larger than 1 MB?)`);
  return d.encoding === 'base64' ? Buffer.from(d.content, 'base64').toString('utf8') : d.content;
}

export async function readRepoFile(
  client: GitHubClient,
  spec: { owner: string; repo: string; path: string; ref: string },
): Promise<string> {
  const what = `${spec.owner}/${spec.repo}/${spec.path}@${spec.ref}`;
  const r = await client.request('GET /repos/{owner}/{repo}/contents/{path}', spec);
  return decodeContents(r.data, what);
}
