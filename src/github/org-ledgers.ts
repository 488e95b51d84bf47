import type { GitHubRequest } from '../ledger/branch-store';

/**
 * Reading every repository's ledger of an organization through GitHub's GraphQL API: one query lists 100
 * repositories with their ledger inline (`object(expression: "<branch>:<scope>")`: the scope's tree, its files and
 * the `entries/` shards, with each blob's `oid`, `text` and `isTruncated`). 5,000 repositories are 50 queries instead
 * of thousands of REST calls. A blob GitHub answers truncated (or whose text does not hash to its oid) is read
 * through REST by its oid, and counted.
 *
 * Two orders of listing:
 * - `NAME`: the full listing (stable while repositories are pushed to, so none is skipped by pagination);
 * - `PUSHED_AT` descending: the incremental listing of a second report, stopped at the first repository whose
 *   `pushedAt` is older than the watermark of the previous listing (src/github/org-report.ts).
 *
 * Every query sent is exported (`ORG_QUERIES`) and validated against GitHub's published schema in the tests.
 */

/** GraphQL over the REST client (`POST /graphql`, same token, throttling and retries). */
export type GraphqlFn = (query: string, variables: Record<string, unknown>) => Promise<unknown>;

const BLOB = 'oid byteSize isTruncated isBinary text';
const TREE_FIELDS = `oid entries { name type oid object { __typename ... on Blob { ${BLOB} } ... on Tree { oid entries { name type oid object { __typename ... on Blob { ${BLOB} } } } } } }`;

export const ORG_LEDGERS_QUERY = `query OrgLedgers($org: String!, $expr: String!, $first: Int!, $after: String, $order: RepositoryOrderField!, $direction: OrderDirection!) {
  rateLimit { cost remaining resetAt }
  organization(login: $org) {
    latest: repositories(first: 1, orderBy: {field: PUSHED_AT, direction: DESC}) { nodes { pushedAt } }
    repositories(first: $first, after: $after, orderBy: {field: $order, direction: $direction}) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        nameWithOwner
        isArchived
        pushedAt
        ledger: object(expression: $expr) { __typename ... on Tree { ${TREE_FIELDS} } }
      }
    }
  }
}`;

export const ORG_QUERIES: Record<string, string> = { OrgLedgers: ORG_LEDGERS_QUERY };

export class OrgApiError extends Error {
  override readonly name = 'OrgApiError';
}

export interface LedgerFileRef {
  /** Path under the scope: `meta.json`, `runs.json`, `entries/00.json`, … */
  path: string;
  oid: string;
  byteSize: number;
  /** Absent when GitHub truncated it (or it is binary): read it by oid. */
  text?: string;
}

export interface ListedRepo {
  repo: string;
  archived: boolean;
  pushedAt?: string;
  /** The scope's tree on the ledger branch; absent when there is no such branch or scope. */
  ledger?: { oid: string; files: LedgerFileRef[] };
  /** Something at the ledger path that is not a directory (a file, a submodule). */
  problem?: string;
}

export interface ListedPage {
  repos: ListedRepo[];
  totalCount: number;
  hasNextPage: boolean;
  endCursor?: string;
  /** `pushedAt` of the organization's most recently pushed repository when the page was served. */
  latestPush?: string;
  rateLimit?: { cost: number; remaining: number; resetAt?: string };
}

// Untrusted answers: read with checks, not casts.
type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);
const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);

function fail(where: string, what: string): never {
  throw new OrgApiError(`GitHub GraphQL answer, ${where}: ${what}`);
}

function files(tree: Obj, prefix: string, where: string): LedgerFileRef[] {
  const entries = tree.entries;
  if (entries === null || entries === undefined) return [];
  if (!Array.isArray(entries)) fail(where, 'expected `entries` to be a list');
  const out: LedgerFileRef[] = [];
  for (const e of entries as unknown[]) {
    if (!isObj(e)) fail(where, 'expected tree entries to be objects');
    const name = str(e.name);
    const oid = str(e.oid);
    if (!name || !oid || !/^[0-9a-f]{40}$/.test(oid)) fail(where, 'expected every tree entry to have a name and a 40-hex oid');
    const obj = e.object;
    const path = `${prefix}${name}`;
    if (isObj(obj) && obj.__typename === 'Tree') {
      // Only `entries/` is a directory in a ledger scope; the query nests two levels, which is all a ledger has.
      if (prefix) fail(`${where}/${path}`, 'a directory below entries/ (not written by defect-gate)');
      out.push(...files(obj, `${path}/`, where));
      continue;
    }
    if (!isObj(obj) || obj.__typename !== 'Blob') {
      // A submodule (commit) or an object GitHub did not return: not readable here, and it may hold findings.
      fail(`${where}/${path}`, `expected a file, got ${isObj(obj) ? String(obj.__typename) : 'nothing'}`);
    }
    const byteSize = num(obj.byteSize) ?? 0;
    const text = obj.isTruncated === false && obj.isBinary !== true ? str(obj.text) : undefined;
    out.push({ path, oid, byteSize, ...(text !== undefined ? { text } : {}) });
  }
  return out;
}

/** Reads one answer of ORG_LEDGERS_QUERY; errors name where in the answer the unexpected value was. */
export function readLedgersPage(answer: unknown, org: string): ListedPage {
  if (!isObj(answer)) fail('top level', 'expected an object');
  const errors = answer.errors;
  if (Array.isArray(errors) && errors.length > 0) {
    const msgs = errors.map((e) => (isObj(e) ? (str(e.message) ?? JSON.stringify(e)) : String(e))).slice(0, 3);
    throw new OrgApiError(`GitHub GraphQL error${errors.length > 1 ? 's' : ''}: ${msgs.join('; ')}`);
  }
  const data = answer.data;
  if (!isObj(data)) fail('data', 'expected an object');
  const orgObj = data.organization;
  if (orgObj === null) throw new OrgApiError(`organization "${org}" not found (or the token cannot see it)`);
  if (!isObj(orgObj)) fail('data.organization', 'expected an object');
  const conn = orgObj.repositories;
  if (!isObj(conn) || !isObj(conn.pageInfo) || !Array.isArray(conn.nodes))
    fail('data.organization.repositories', 'expected a connection with pageInfo and nodes');
  const totalCount = num(conn.totalCount);
  if (totalCount === undefined) fail('data.organization.repositories.totalCount', 'expected a number');
  const repos: ListedRepo[] = [];
  (conn.nodes as unknown[]).forEach((n, i) => {
    const where = `data.organization.repositories.nodes[${i}]`;
    if (!isObj(n)) fail(where, 'expected a repository');
    const repo = str(n.nameWithOwner);
    if (!repo || !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repo)) fail(`${where}.nameWithOwner`, 'expected OWNER/REPO');
    const pushedAt = str(n.pushedAt);
    const r: ListedRepo = { repo, archived: n.isArchived === true, ...(pushedAt ? { pushedAt } : {}) };
    const led = n.ledger;
    if (isObj(led)) {
      if (led.__typename !== 'Tree') r.problem = `the ledger path is a ${String(led.__typename)}, not a directory`;
      else {
        const oid = str(led.oid);
        if (!oid || !/^[0-9a-f]{40}$/.test(oid)) fail(`${where}.ledger.oid`, 'expected a 40-hex oid');
        r.ledger = { oid, files: files(led, '', `${repo} ledger`) };
      }
    } else if (led !== null && led !== undefined) fail(`${where}.ledger`, 'expected an object or null');
    repos.push(r);
  });
  const latest =
    isObj(orgObj.latest) && Array.isArray(orgObj.latest.nodes) && isObj(orgObj.latest.nodes[0])
      ? str(orgObj.latest.nodes[0].pushedAt)
      : undefined;
  const rl = data.rateLimit;
  const endCursor = str(conn.pageInfo.endCursor);
  return {
    repos,
    totalCount,
    hasNextPage: conn.pageInfo.hasNextPage === true,
    ...(endCursor ? { endCursor } : {}),
    ...(latest ? { latestPush: latest } : {}),
    ...(isObj(rl) && num(rl.cost) !== undefined && num(rl.remaining) !== undefined
      ? {
          rateLimit: {
            cost: num(rl.cost) as number,
            remaining: num(rl.remaining) as number,
            ...(str(rl.resetAt) ? { resetAt: str(rl.resetAt) as string } : {}),
          },
        }
      : {}),
  };
}

/** GraphQL through the REST request function: `POST /graphql` on the API (GHES: `/api/graphql` beside `/api/v3`). */
export function graphqlOverRequest(request: GitHubRequest, baseUrl?: string): GraphqlFn {
  const ghes = baseUrl && /\/api\/v3\/?$/.test(baseUrl) ? baseUrl.replace(/\/api\/v3\/?$/, '/api') : undefined;
  return async (query, variables) => {
    // A query only reads: it may be repeated after a 5xx. The body is parsed here with JSON.parse: Octokit's own
    // parser (json-with-bigint, a reviver for every value) took several seconds of CPU over 50 answers of ~4 MB.
    const r = await request('POST /graphql', {
      query,
      variables,
      request: { idempotent: true, parseSuccessResponseBody: false },
      ...(ghes ? { baseUrl: ghes } : {}),
    });
    return parseAnswer(r.data);
  };
}

/** An answer's body: a stream (parsing left to us), a text, or already a value (a test's fake). */
async function parseAnswer(data: unknown): Promise<unknown> {
  let text: string;
  if (typeof data === 'string') text = data;
  else if (data instanceof ReadableStream) text = await new Response(data).text();
  else return data;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new OrgApiError(`GitHub GraphQL answer: not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
}

export interface ListOptions {
  org: string;
  branch: string;
  scope: string;
  order: 'NAME' | 'PUSHED_AT';
  pageSize?: number;
  /** A smaller first page (the incremental listing: most often a few repositories were pushed, or none). */
  firstPageSize?: number;
}

/**
 * The pages of the listing, one query each. The caller stops early by leaving the loop. The next page is asked for
 * as soon as this one is read, before it is yielded, when `prefetch(page)` says it will be wanted: its answer travels
 * while the caller folds this page (one request in flight at a time: GitHub asks integrators for serial requests).
 */
export async function* listLedgerPages(
  graphql: GraphqlFn,
  o: ListOptions,
  prefetch: (page: ListedPage) => boolean = () => true,
): AsyncGenerator<ListedPage> {
  const ask = (page: number, after: string | undefined): Promise<unknown> => {
    const p = graphql(ORG_LEDGERS_QUERY, {
      org: o.org,
      expr: `${o.branch}:${o.scope}`,
      first: page === 0 && o.firstPageSize ? o.firstPageSize : (o.pageSize ?? 100),
      ...(after ? { after } : {}),
      order: o.order,
      direction: o.order === 'NAME' ? 'ASC' : 'DESC',
    });
    // Awaited below; until then a failure must not count as an unhandled rejection.
    p.catch(() => {});
    return p;
  };
  let next: Promise<unknown> | undefined;
  let after: string | undefined;
  for (let page = 0; page < 10_000; page++) {
    const p = readLedgersPage(await (next ?? ask(page, after)), o.org);
    next = undefined;
    if (p.hasNextPage && !p.endCursor) throw new OrgApiError('GitHub GraphQL answer: hasNextPage without an endCursor');
    after = p.endCursor;
    if (p.hasNextPage && prefetch(p)) next = ask(page + 1, after);
    yield p;
    if (!p.hasNextPage) return;
  }
  throw new OrgApiError('the repository listing did not end after 10,000 pages');
}

/** A blob by oid through REST (the fallback for truncated text). */
export async function readBlob(request: GitHubRequest, repo: string, oid: string): Promise<string> {
  const [owner, name] = repo.split('/') as [string, string];
  const r = await request('GET /repos/{owner}/{repo}/git/blobs/{file_sha}', { owner, repo: name, file_sha: oid });
  const d = r.data as { content?: unknown; encoding?: unknown };
  if (typeof d?.content !== 'string') throw new OrgApiError(`${repo}: blob ${oid}: the answer has no content`);
  return d.encoding === 'base64' ? Buffer.from(d.content, 'base64').toString('utf8') : d.content;
}
