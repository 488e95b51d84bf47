import { createHash } from 'node:crypto';
import {
  emptyBook,
  LEDGER_VERSION,
  LedgerFormatError,
  LedgerBookSchema,
  RunSnapshotSchema,
  type LedgerBook,
  type LedgerEntry,
  type RunSnapshot,
} from './schema';
import { checkScope, type LedgerStore } from './store';
import { compactBook } from './compact';
import { z } from 'zod';
import { lazyObject } from '../lazy';

/**
 * The ledger on a dedicated branch (Action default), written through the Git data API:
 *
 *   <scope>/meta.json            {schema, version, updatedAt, shards}
 *   <scope>/runs.json            run snapshots (oldest first, trimmed below the shard limit)
 *   <scope>/entries/<xx>.json    entries whose sha256(fingerprint) starts with <xx> (or all.json when small)
 *
 * Every file stays below 1 MB (the contents API limit and a sane diff size). Optimistic concurrency: read the branch
 * head, build a commit on it, move the ref without force; when that fails because another run moved it first
 * (422 not a fast-forward, 409), re-read, re-apply this run, retry (bounded).
 */

/** The part of Octokit this store uses: `octokit.request`. Errors carry `status` like Octokit's RequestError. */
export type GitHubRequest = (route: string, params?: Record<string, unknown>) => Promise<{ status: number; data: unknown }>;

export const SHARD_LIMIT_BYTES = 900 * 1024;
export const MAX_ATTEMPTS = 6;

interface TreeItem {
  path: string;
  type: string;
  sha: string;
}

interface Snapshot {
  head?: string;
  tree?: string;
  files: Map<string, TreeItem>;
}

// Built on first use (src/lazy.ts): a run that reads no branch ledger loads no zod (issue #21).
const MetaSchema = lazyObject(() =>
  z.object({
    schema: z.literal('defect-gate-ledger'),
    version: z.number().int(),
    updatedAt: z.string(),
    shards: z.number().int().min(0),
  }),
);

function statusOf(err: unknown): number | undefined {
  const s = (err as { status?: unknown })?.status;
  return typeof s === 'number' ? s : undefined;
}

/** Git's blob id of a text: lets us skip uploading shards that did not change. */
export function gitBlobSha(content: string): string {
  const buf = Buffer.from(content, 'utf8');
  return createHash('sha1').update(`blob ${buf.length}\0`).update(buf).digest('hex');
}

function shardKey(fingerprint: string, width: number): string {
  return width === 0 ? 'all' : createHash('sha256').update(fingerprint).digest('hex').slice(0, width);
}

/** Splits entries into shard files below the limit; the width (hex chars of the key) grows until every shard fits. */
export function shardEntries(entries: Record<string, LedgerEntry>, limit = SHARD_LIMIT_BYTES): Map<string, string> {
  const list = Object.values(entries).sort((a, b) => a.fingerprint.localeCompare(b.fingerprint));
  for (let width = 0; width <= 4; width++) {
    const groups = new Map<string, Record<string, LedgerEntry>>();
    for (const e of list) {
      const k = shardKey(e.fingerprint, width);
      const g = groups.get(k) ?? {};
      g[e.fingerprint] = e;
      groups.set(k, g);
    }
    const files = new Map<string, string>();
    let fits = true;
    for (const [k, g] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
      const text = `${JSON.stringify(g, null, 1)}\n`;
      if (Buffer.byteLength(text) > limit) fits = false;
      files.set(`entries/${k}.json`, text);
    }
    if (fits || width === 4) return files;
  }
  return new Map();
}

/** Keeps the newest snapshots that fit below the limit. */
export function trimRuns(runs: RunSnapshot[], limit = SHARD_LIMIT_BYTES): string {
  let kept = runs;
  let text = `${JSON.stringify(kept, null, 1)}\n`;
  while (Buffer.byteLength(text) > limit && kept.length > 0) {
    kept = kept.slice(Math.ceil(kept.length / 10));
    text = `${JSON.stringify(kept, null, 1)}\n`;
  }
  return text;
}

/**
 * One scope's book from the texts of its files on the branch (`where` is `branch:NAME:<scope>/`): the meta file
 * checked first (a newer ledger version is refused), then the entry shards, runs and approvals, validated.
 * Shared by the store and the organization report, which reads the same files through GraphQL.
 */
export function parseLedgerFiles(where: string, texts: { meta: string; entries: string[]; runs?: string; approvals?: string }): LedgerBook {
  const meta = MetaSchema.safeParse(JSON.parse(texts.meta));
  if (!meta.success) throw new LedgerFormatError(`${where}meta.json`, 'invalid ledger metadata (fix or delete this scope on the branch)');
  if (meta.data.version > LEDGER_VERSION) {
    throw new LedgerFormatError(
      `${where}meta.json`,
      `ledger version ${meta.data.version} was written by a newer defect-gate (this one reads up to ${LEDGER_VERSION}); upgrade defect-gate`,
    );
  }
  const entries: Record<string, LedgerEntry> = {};
  for (const text of texts.entries) Object.assign(entries, JSON.parse(text) as Record<string, LedgerEntry>);
  const runs = texts.runs !== undefined ? z.array(RunSnapshotSchema).parse(JSON.parse(texts.runs)) : [];
  const approvals = texts.approvals !== undefined ? (JSON.parse(texts.approvals) as unknown) : undefined;
  const book = LedgerBookSchema.safeParse({ entries, runs, ...(approvals !== undefined ? { approvals } : {}) });
  if (!book.success) throw new LedgerFormatError(where, `invalid ledger entries: ${book.error.issues[0]?.message ?? ''}`);
  return book.data;
}

export class BranchLedgerStore implements LedgerStore {
  readonly describe: string;

  constructor(
    private readonly request: GitHubRequest,
    private readonly repo: { owner: string; repo: string },
    private readonly branch: string,
    private readonly now: () => Date,
    private readonly log: { warning(m: string): void; debug(m: string): void } = { warning() {}, debug() {} },
  ) {
    this.describe = `branch:${branch}`;
  }

  private async snapshot(): Promise<Snapshot> {
    let head: string;
    try {
      const ref = await this.request('GET /repos/{owner}/{repo}/git/ref/{ref}', { ...this.repo, ref: `heads/${this.branch}` });
      head = (ref.data as { object: { sha: string } }).object.sha;
    } catch (err) {
      if (statusOf(err) === 404) return { files: new Map() };
      throw err;
    }
    const commit = await this.request('GET /repos/{owner}/{repo}/git/commits/{commit_sha}', { ...this.repo, commit_sha: head });
    const tree = (commit.data as { tree: { sha: string } }).tree.sha;
    const t = await this.request('GET /repos/{owner}/{repo}/git/trees/{tree_sha}', { ...this.repo, tree_sha: tree, recursive: '1' });
    const data = t.data as { tree: TreeItem[]; truncated?: boolean };
    if (data.truncated)
      this.log.warning(`ledger branch ${this.branch}: the tree listing was truncated by GitHub; some scopes may be unread`);
    const files = new Map<string, TreeItem>();
    for (const item of data.tree) if (item.type === 'blob') files.set(item.path, item);
    return { head, tree, files };
  }

  private async blob(sha: string): Promise<string> {
    const r = await this.request('GET /repos/{owner}/{repo}/git/blobs/{file_sha}', { ...this.repo, file_sha: sha });
    const d = r.data as { content: string; encoding: string };
    return d.encoding === 'base64' ? Buffer.from(d.content, 'base64').toString('utf8') : d.content;
  }

  private async readBook(snap: Snapshot, scope: string): Promise<LedgerBook | undefined> {
    const prefix = `${scope}/`;
    const metaItem = snap.files.get(`${prefix}meta.json`);
    if (!metaItem) return undefined;
    const entries: string[] = [];
    for (const [path, item] of snap.files) {
      if (!path.startsWith(`${prefix}entries/`) || !path.endsWith('.json')) continue;
      entries.push(await this.blob(item.sha));
    }
    const runsItem = snap.files.get(`${prefix}runs.json`);
    const approvalsItem = snap.files.get(`${prefix}approvals.json`);
    return parseLedgerFiles(`${this.describe}:${prefix}`, {
      meta: await this.blob(metaItem.sha),
      entries,
      ...(runsItem ? { runs: await this.blob(runsItem.sha) } : {}),
      ...(approvalsItem ? { approvals: await this.blob(approvalsItem.sha) } : {}),
    });
  }

  async read(scope: string): Promise<LedgerBook | undefined> {
    checkScope(scope);
    return this.readBook(await this.snapshot(), scope);
  }

  async update(scope: string, apply: (book: LedgerBook) => LedgerBook): Promise<void> {
    checkScope(scope);
    for (let attempt = 1; ; attempt++) {
      const snap = await this.snapshot();
      // Compacted as the file store does (src/ledger/compact.ts): fixed findings forgotten after the retention window.
      const book = compactBook(apply((await this.readBook(snap, scope)) ?? emptyBook()), this.now());
      try {
        await this.write(snap, scope, book);
        return;
      } catch (err) {
        const status = statusOf(err);
        const lostRace = status === 409 || status === 422;
        if (!lostRace || attempt >= MAX_ATTEMPTS) {
          if (lostRace)
            throw new Error(`ledger branch ${this.branch}: gave up after ${attempt} attempts: another run keeps moving the branch`);
          throw err;
        }
        this.log.debug(
          `ledger branch ${this.branch} moved during the update (HTTP ${status}); re-reading and merging (attempt ${attempt + 1})`,
        );
      }
    }
  }

  private async write(snap: Snapshot, scope: string, book: LedgerBook): Promise<void> {
    const prefix = `${scope}/`;
    const shards = shardEntries(book.entries);
    const files = new Map<string, string>();
    for (const [p, text] of shards) files.set(`${prefix}${p}`, text);
    files.set(`${prefix}runs.json`, trimRuns(book.runs));
    if (book.approvals && Object.keys(book.approvals).length > 0)
      files.set(`${prefix}approvals.json`, `${JSON.stringify(book.approvals, null, 1)}\n`);
    files.set(
      `${prefix}meta.json`,
      `${JSON.stringify({ schema: 'defect-gate-ledger', version: LEDGER_VERSION, updatedAt: this.now().toISOString(), shards: shards.size }, null, 1)}\n`,
    );
    const tree: Record<string, unknown>[] = [];
    for (const [path, content] of files) {
      const sha = gitBlobSha(content);
      if (snap.files.get(path)?.sha === sha) continue; // unchanged shard: no upload
      const blob = await this.request('POST /repos/{owner}/{repo}/git/blobs', { ...this.repo, content, encoding: 'utf-8' });
      tree.push({ path, mode: '100644', type: 'blob', sha: (blob.data as { sha: string }).sha });
    }
    for (const path of snap.files.keys()) {
      if (path.startsWith(prefix) && !files.has(path)) tree.push({ path, mode: '100644', type: 'blob', sha: null });
    }
    if (tree.length === 0) return;
    const newTree = await this.request('POST /repos/{owner}/{repo}/git/trees', {
      ...this.repo,
      tree,
      ...(snap.tree ? { base_tree: snap.tree } : {}),
    });
    const commit = await this.request('POST /repos/{owner}/{repo}/git/commits', {
      ...this.repo,
      message: `defect-gate: update ledger ${scope}`,
      tree: (newTree.data as { sha: string }).sha,
      parents: snap.head ? [snap.head] : [],
    });
    const sha = (commit.data as { sha: string }).sha;
    if (snap.head) {
      await this.request('PATCH /repos/{owner}/{repo}/git/refs/{ref}', { ...this.repo, ref: `heads/${this.branch}`, sha, force: false });
    } else {
      await this.request('POST /repos/{owner}/{repo}/git/refs', { ...this.repo, ref: `refs/heads/${this.branch}`, sha });
    }
  }
}
