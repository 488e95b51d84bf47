import { gitBlobSha, type GitHubRequest } from '../ledger/branch-store';
import { parseLedgerTexts } from './org-ledger-parse';
import { computeMetrics, type MetricsOptions } from '../metrics/compute';
import { OrgAggregator, type OrgMetrics } from '../metrics/org';
import { exportRows, type OrgExportRow } from '../metrics/org-export';
import type { CachedRepo, OrgCache, OrgCacheIndex } from '../io/org-cache';
import { ORG_CACHE_VERSION } from '../io/org-cache';
import { stripControl } from '../text/escape';
import { listLedgerPages, OrgApiError, readBlob, type GraphqlFn, type LedgerFileRef, type ListedRepo } from './org-ledgers';

/**
 * `report --org`: every repository's ledger of an organization, read through GraphQL in pages of 100 (ledger files
 * inline), folded into the organization's metrics one repository at a time (never all ledgers in memory), with the
 * rows of `--export ndjson` written as each repository is read.
 *
 * With a cache (src/io/org-cache.ts) a second report asks GitHub only what was pushed since the first: repositories
 * listed by `PUSHED_AT` descending, stopping at the first one pushed before the previous listing began (its
 * watermark); every other repository is computed again from its cached ledger files (by oid). When the repository
 * count does not add up (a repository deleted, transferred or renamed) or the last full listing is older than
 * `maxAgeMs` (default 24 h: renames and archiving are seen by the next full listing), it lists everything again.
 */

export interface OrgReportOptions {
  org: string;
  branch: string;
  scope: string;
  /** The API base URL (part of the cache key). */
  api: string;
  metrics: MetricsOptions;
  cache?: OrgCache;
  /** Age of the last full listing after which the next report lists every repository again. Default 24 h. */
  maxAgeMs?: number;
  /** This machine's clock (the cache's age); metrics use `metrics.now`. */
  clock: () => Date;
  pageSize?: number;
  /** NDJSON export: one row per finding; `reset()` when an incremental listing had to start over. */
  sink?: { row(r: OrgExportRow): void; reset(): void };
  log: (m: string) => void;
}

export interface OrgReportStats {
  mode: 'full' | 'incremental';
  /** Why the listing was full (no cache, too old, repositories added or removed, …). */
  reason?: string;
  graphqlCalls: number;
  restCalls: number;
  /** Repositories listed (archived ones included) and read. */
  totalCount: number;
  archived: number;
  /** Repositories whose ledger changed (or was read for the first time) and ones computed from cached files. */
  changed: number;
  fromCache: number;
  /** Ledger files read through REST because GraphQL truncated them (or the cache lost them). */
  blobFallbacks: number;
  rateLimitRemaining?: number;
}

class Restart extends Error {}

const DEFAULT_MAX_AGE_MS = 24 * 3_600_000;

function describe(err: unknown): string {
  const s = (err as { status?: unknown })?.status;
  const msg = (err instanceof Error ? err.message : String(err)).split('\n')[0]?.slice(0, 300) ?? '';
  return stripControl(typeof s === 'number' ? `HTTP ${s}: ${msg}` : msg);
}

export async function runOrgReport(
  graphql: GraphqlFn,
  request: GitHubRequest,
  o: OrgReportOptions,
): Promise<{ metrics: OrgMetrics; stats: OrgReportStats }> {
  const stats: OrgReportStats = {
    mode: 'full',
    graphqlCalls: 0,
    restCalls: 0,
    totalCount: 0,
    archived: 0,
    changed: 0,
    fromCache: 0,
    blobFallbacks: 0,
  };
  const gql: GraphqlFn = async (q, v) => {
    stats.graphqlCalls++;
    return graphql(q, v);
  };
  const rest: GitHubRequest = async (route, params) => {
    stats.restCalls++;
    return request(route, params);
  };
  const loaded = o.cache?.loadIndex(o.api, o.org, o.branch, o.scope) ?? {};
  if (loaded.problem) o.log(`cache: ${loaded.problem}`);
  const prev = loaded.index;
  let reason: string | undefined;
  if (!o.cache) reason = 'no cache';
  else if (!prev) reason = 'no previous listing in the cache';
  else if (!prev.watermark) reason = 'the previous listing saw no pushed repository';
  else if (
    o.clock().getTime() - Date.parse(prev.fullListingAt) > (o.maxAgeMs ?? DEFAULT_MAX_AGE_MS) ||
    Number.isNaN(Date.parse(prev.fullListingAt))
  )
    reason = `the last full listing (${prev.fullListingAt}) is older than the cache's maximum age`;
  if (prev && !reason) {
    try {
      const metrics = await incremental(prev, gql, rest, o, stats);
      return { metrics, stats };
    } catch (err) {
      if (!(err instanceof Restart)) throw err;
      reason = err.message;
      o.sink?.reset();
    }
  }
  stats.mode = 'full';
  stats.reason = reason;
  stats.changed = stats.fromCache = 0;
  const metrics = await full(gql, rest, o, stats);
  return { metrics, stats };
}

async function full(gql: GraphqlFn, rest: GitHubRequest, o: OrgReportOptions, stats: OrgReportStats): Promise<OrgMetrics> {
  const agg = new OrgAggregator(o.org, o.metrics.now);
  const repos: CachedRepo[] = [];
  let watermark: string | undefined;
  let first = true;
  for await (const page of listLedgerPages(gql, {
    org: o.org,
    branch: o.branch,
    scope: o.scope,
    order: 'NAME',
    ...(o.pageSize ? { pageSize: o.pageSize } : {}),
  })) {
    if (first) watermark = page.latestPush;
    first = false;
    stats.totalCount = page.totalCount;
    if (page.rateLimit) stats.rateLimitRemaining = page.rateLimit.remaining;
    repos.push(...(await foldPage(page.repos, agg, rest, o, stats)));
  }
  await o.cache?.saveIndex({
    schema: 'defect-gate-org-cache',
    version: ORG_CACHE_VERSION,
    api: o.api,
    org: o.org,
    branch: o.branch,
    scope: o.scope,
    fullListingAt: o.clock().toISOString(),
    ...(watermark ? { watermark } : {}),
    totalCount: repos.length,
    repos,
  });
  return agg.result();
}

async function incremental(
  prev: OrgCacheIndex,
  gql: GraphqlFn,
  rest: GitHubRequest,
  o: OrgReportOptions,
  stats: OrgReportStats,
): Promise<OrgMetrics> {
  stats.mode = 'incremental';
  const agg = new OrgAggregator(o.org, o.metrics.now);
  const watermark = prev.watermark as string;
  const prevPack = new Map(prev.repos.filter((c) => c.pack).map((c) => [c.repo.toLowerCase(), c.pack as string]));
  const seen = new Map<string, CachedRepo>();
  let newWatermark: string | undefined;
  let totalCount = -1;
  let complete = true;
  let first = true;
  for await (const page of listLedgerPages(
    gql,
    {
      org: o.org,
      branch: o.branch,
      scope: o.scope,
      order: 'PUSHED_AT',
      firstPageSize: Math.min(10, o.pageSize ?? 100),
      ...(o.pageSize ? { pageSize: o.pageSize } : {}),
      // The next page is surely wanted when this one ends with a repository pushed since the watermark.
    },
    (page) => {
      const last = page.repos[page.repos.length - 1]?.pushedAt;
      return last !== undefined && Date.parse(last) >= Date.parse(watermark);
    },
  )) {
    if (first) newWatermark = page.latestPush ?? watermark;
    first = false;
    totalCount = page.totalCount;
    if (page.rateLimit) stats.rateLimitRemaining = page.rateLimit.remaining;
    // Everything pushed before the previous listing began was read by it (and not pushed since).
    const old = page.repos.findIndex((r) => r.pushedAt !== undefined && Date.parse(r.pushedAt) < Date.parse(watermark));
    const listed = old < 0 ? page.repos : page.repos.slice(0, old);
    // A truncated file that did not change is in the previous pack of its repository.
    for (const c of await foldPage(listed, agg, rest, o, stats, (repo) => prevPack.get(repo.toLowerCase())))
      seen.set(c.repo.toLowerCase(), c);
    if (old >= 0) {
      complete = false;
      break;
    }
  }
  stats.totalCount = totalCount;
  const repos: CachedRepo[] = [...seen.values()];
  if (!complete) {
    for (const c of prev.repos) if (!seen.has(c.repo.toLowerCase())) repos.push(c);
    if (repos.length !== totalCount) {
      throw new Restart(
        `the organization has ${totalCount} repositories, the cache and the pushes since know ${repos.length} (added, removed, transferred or renamed)`,
      );
    }
    // In pack order: each pack is read once.
    const unchanged = prev.repos
      .filter((c) => !seen.has(c.repo.toLowerCase()))
      .sort((a, b) => ((a.pack ?? '') < (b.pack ?? '') ? -1 : (a.pack ?? '') > (b.pack ?? '') ? 1 : 0));
    for (const c of unchanged) await fold(c, agg, rest, o, stats, { fromCache: true, ...(c.pack ? { pack: c.pack } : {}) });
  }
  await o.cache?.saveIndex({
    ...prev,
    ...(newWatermark ? { watermark: newWatermark } : {}),
    totalCount: repos.length,
    repos: repos.sort((a, b) => a.repo.localeCompare(b.repo)),
  });
  return agg.result();
}

function toCached(r: ListedRepo): CachedRepo {
  return {
    repo: r.repo,
    archived: r.archived,
    ...(r.pushedAt ? { pushedAt: r.pushedAt } : {}),
    ...(r.problem ? { problem: r.problem } : {}),
    ...(r.ledger
      ? { ledger: { oid: r.ledger.oid, files: r.ledger.files.map((f) => ({ path: f.path, oid: f.oid, byteSize: f.byteSize })) } }
      : {}),
  };
}

/** Where a repository's ledger files come from, and where the ones read from GitHub go (the page's pack). */
interface FoldFrom {
  fromCache?: boolean;
  /** The cached pack holding its files (a second report). */
  pack?: string;
  /** The files read from GitHub for this page's pack. */
  blobs?: Map<string, string>;
}

/** One page of listed repositories into the aggregate; their files into one pack of the cache. */
async function foldPage(
  page: ListedRepo[],
  agg: OrgAggregator,
  rest: GitHubRequest,
  o: OrgReportOptions,
  stats: OrgReportStats,
  packOf: (repo: string) => string | undefined = () => undefined,
): Promise<CachedRepo[]> {
  const blobs = new Map<string, string>();
  for (const r of page) {
    const pack = packOf(r.repo);
    await fold(r, agg, rest, o, stats, { blobs, ...(pack ? { pack } : {}) });
  }
  const pack = o.cache?.writePack(blobs);
  return page.map((r) => {
    const c = toCached(r);
    // A repository whose files were not all read (a REST failure) has no pack: its files are read again next time.
    if (pack && c.ledger && c.ledger.files.every((f) => blobs.has(f.oid))) c.pack = pack;
    return c;
  });
}

/** The text of one ledger file: inline (checked against its oid), else the cache's pack, else REST by oid (checked). */
async function fileText(
  repo: string,
  f: LedgerFileRef,
  rest: GitHubRequest,
  o: OrgReportOptions,
  stats: OrgReportStats,
  from: FoldFrom,
): Promise<string> {
  if (f.text !== undefined && gitBlobSha(f.text) === f.oid) {
    from.blobs?.set(f.oid, f.text);
    return f.text;
  }
  if (from.pack !== undefined) {
    const cached = o.cache?.readBlob(from.pack, f.oid);
    if (cached !== undefined) {
      from.blobs?.set(f.oid, cached);
      return cached;
    }
    // A repository not listed again is read from the cache alone; a listed one (its text truncated) from GitHub.
    if (from.fromCache) throw new Restart(`the cache lost ledger files (pack ${from.pack} is missing or damaged)`);
  }
  stats.blobFallbacks++;
  const text = await readBlob(rest, repo, f.oid);
  if (gitBlobSha(text) !== f.oid)
    throw new OrgApiError(`${repo}: ${o.scope}/${f.path}: the blob GitHub returned does not hash to its oid ${f.oid}`);
  from.blobs?.set(f.oid, text);
  return text;
}

/** One repository into the aggregate (and the export): its ledger read, parsed, measured, then dropped. */
async function fold(
  r: ListedRepo | CachedRepo,
  agg: OrgAggregator,
  rest: GitHubRequest,
  o: OrgReportOptions,
  stats: OrgReportStats,
  from: FoldFrom,
): Promise<void> {
  if (r.archived) {
    stats.archived++;
    return;
  }
  if (r.problem) return agg.add({ repo: r.repo, error: `${o.branch}:${o.scope}: ${r.problem}` });
  const files = r.ledger?.files;
  const meta = files?.find((f) => f.path === 'meta.json');
  if (!files || !meta) return agg.add({ repo: r.repo });
  if (from.fromCache) stats.fromCache++;
  else stats.changed++;
  try {
    const text = (f: LedgerFileRef) => fileText(r.repo, f, rest, o, stats, from);
    const entries: { path: string; text: string }[] = [];
    for (const f of files
      .filter((x) => x.path.startsWith('entries/') && x.path.endsWith('.json'))
      .sort((a, b) => a.path.localeCompare(b.path)))
      entries.push({ path: f.path, text: await text(f) });
    const runs = files.find((f) => f.path === 'runs.json');
    const approvals = files.find((f) => f.path === 'approvals.json');
    const book = parseLedgerTexts(`${r.repo} branch:${o.branch}:${o.scope}/`, {
      meta: await text(meta),
      entries,
      ...(runs ? { runs: await text(runs) } : {}),
      ...(approvals ? { approvals: await text(approvals) } : {}),
    });
    agg.add({ repo: r.repo, metrics: computeMetrics(book, o.metrics) });
    if (o.sink) for (const row of exportRows(r.repo, book, o.metrics)) o.sink.row(row);
  } catch (err) {
    if (err instanceof Restart) throw err;
    o.log(`warning: ${r.repo}: ${describe(err)}`);
    agg.add({ repo: r.repo, error: describe(err) });
  }
}
