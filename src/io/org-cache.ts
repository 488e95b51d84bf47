import { errorMessage } from '../errors';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzip } from 'node:zlib';
import { z } from 'zod';
import { gitBlobSha } from '../ledger/branch-store';
import { writeAtomically } from './atomic';

/**
 * The organization report's cache (`report --org`), so that a second report re-reads only what changed:
 *
 *   <dir>/packs/<16 hex>.json.gz     the ledger files of one page of repositories (up to 100): gzip of a JSON object
 *                                    {<git blob oid>: text}; written once (in the background, on libuv's threads),
 *                                    read whole; removed when no repository of the index refers to it any more
 *   <dir>/org-<16 hex>.json          the last listing of one (API, org, branch, scope): per repository its
 *                                    pushedAt, the ledger tree's oid and files, and the pack holding them; the
 *                                    watermark; when
 *
 * One file per page, not per ledger file: creating 15,000 small files cost more than the report's own CPU. A text
 * is believed only when it hashes to its oid (a damaged or edited pack is a miss: the report lists everything again).
 * Ledger files are cached, not computed metrics: metrics depend on `--now`, the period and the policy, which change
 * between reports. The index is only a hint of what is unchanged: it is trusted like the rest of the machine the
 * report runs on. Default directory: `DEFECT_GATE_CACHE_DIR`, else the user's cache directory (`$XDG_CACHE_HOME` or
 * `~/.cache`, `~/Library/Caches` on macOS, `%LOCALAPPDATA%` on Windows) + `/defect-gate`.
 */

export const ORG_CACHE_VERSION = 2;

const gzipAsync = promisify(gzip);

const CachedRepoSchema = z.object({
  repo: z.string(),
  archived: z.boolean(),
  pushedAt: z.string().optional(),
  problem: z.string().optional(),
  ledger: z.object({ oid: z.string(), files: z.array(z.object({ path: z.string(), oid: z.string(), byteSize: z.number() })) }).optional(),
  /** The pack holding the ledger's files. */
  pack: z.string().optional(),
});
export type CachedRepo = z.infer<typeof CachedRepoSchema>;

const IndexSchema = z.object({
  schema: z.literal('defect-gate-org-cache'),
  version: z.literal(ORG_CACHE_VERSION),
  api: z.string(),
  org: z.string(),
  branch: z.string(),
  scope: z.string(),
  /** When the last full listing ended (this machine's clock). */
  fullListingAt: z.string(),
  /** GitHub's `pushedAt` of the org's most recently pushed repository when the last listing began. */
  watermark: z.string().optional(),
  totalCount: z.number().int(),
  repos: z.array(CachedRepoSchema),
});
export type OrgCacheIndex = z.infer<typeof IndexSchema>;

export function defaultCacheDir(env: Record<string, string | undefined>, platform: NodeJS.Platform = process.platform): string | undefined {
  if (env.DEFECT_GATE_CACHE_DIR) return env.DEFECT_GATE_CACHE_DIR;
  if (platform === 'win32') return env.LOCALAPPDATA ? join(env.LOCALAPPDATA, 'defect-gate', 'cache') : undefined;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'defect-gate');
  const home = env.HOME ?? (env === process.env ? homedir() : undefined);
  if (!home) return undefined;
  return platform === 'darwin' ? join(home, 'Library', 'Caches', 'defect-gate') : join(home, '.cache', 'defect-gate');
}

export class OrgCache {
  /** Texts answered from the cache, and texts (or packs) that failed their check. */
  hits = 0;
  damaged = 0;
  private loaded?: { name: string; blobs: Map<string, string> };
  private readonly pending: Promise<void>[] = [];

  constructor(readonly dir: string) {}

  private key(api: string, org: string, branch: string, scope: string): string {
    return createHash('sha256')
      .update(JSON.stringify([api, org.toLowerCase(), branch, scope]))
      .digest('hex')
      .slice(0, 16);
  }

  private indexPath(api: string, org: string, branch: string, scope: string): string {
    return join(this.dir, `org-${this.key(api, org, branch, scope)}.json`);
  }

  /** The last listing, or undefined (none, another version, or unreadable: the report then lists everything). */
  loadIndex(api: string, org: string, branch: string, scope: string): { index?: OrgCacheIndex; problem?: string } {
    const path = this.indexPath(api, org, branch, scope);
    if (!existsSync(path)) return {};
    try {
      const parsed = IndexSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
      if (!parsed.success) return { problem: `${path}: not a cache index of this version; listing every repository again` };
      const i = parsed.data;
      if (i.api !== api || i.org.toLowerCase() !== org.toLowerCase() || i.branch !== branch || i.scope !== scope)
        return { problem: `${path}: written for another organization; listing every repository again` };
      return { index: i };
    } catch (err) {
      return { problem: `${path}: ${errorMessage(err).split('\n')[0] ?? ''}; listing every repository again` };
    }
  }

  /**
   * Writes the index once every pack it names is on disk, then removes the packs it no longer names (and the
   * per-file cache of version 1).
   */
  async saveIndex(index: OrgCacheIndex): Promise<void> {
    await this.flushed();
    const path = this.indexPath(index.api, index.org, index.branch, index.scope);
    const text = `${JSON.stringify(index)}\n`;
    writeAtomically(path, (fd) => writeFileSync(fd, text));
    const used = new Set(index.repos.map((r) => r.pack).filter((p): p is string => p !== undefined));
    // Other indexes (other organizations, branches or scopes) share the directory: keep what they name too.
    for (const f of readdirSync(this.dir)) {
      if (!/^org-[0-9a-f]{16}\.json$/.test(f) || join(this.dir, f) === path) continue;
      try {
        for (const r of (JSON.parse(readFileSync(join(this.dir, f), 'utf8')) as { repos?: { pack?: unknown }[] }).repos ?? [])
          if (typeof r.pack === 'string') used.add(r.pack);
      } catch {
        // an unreadable index is listed again by its next report; its packs are not worth keeping
      }
    }
    const packs = join(this.dir, 'packs');
    for (const f of existsSync(packs) ? readdirSync(packs) : []) {
      const m = /^([0-9a-f]{16})\.json\.gz$/.exec(f);
      if (m && !used.has(m[1] as string)) rmSync(join(packs, f), { force: true });
    }
    rmSync(join(this.dir, 'blobs'), { recursive: true, force: true });
  }

  private packPath(name: string): string {
    return join(this.dir, 'packs', `${name}.json.gz`);
  }

  /**
   * Writes the files of one page (oid → text) as one pack, compressed and written on libuv's threads while the
   * report goes on; returns its name. `saveIndex` waits for it.
   */
  writePack(blobs: Map<string, string>): string | undefined {
    if (blobs.size === 0) return undefined;
    const json = JSON.stringify(Object.fromEntries(blobs));
    const name = createHash('sha256').update(json).digest('hex').slice(0, 16);
    const path = this.packPath(name);
    mkdirSync(join(this.dir, 'packs'), { recursive: true });
    this.pending.push(
      gzipAsync(json, { level: 1 }).then(async (gz) => {
        const tmp = `${path}.${process.pid}.tmp`;
        await writeFile(tmp, gz);
        await rename(tmp, path);
      }),
    );
    return name;
  }

  /** Waits for the packs being written; the first failure is thrown. */
  async flushed(): Promise<void> {
    const all = this.pending.splice(0);
    await Promise.all(all);
  }

  /** The text of `oid` in pack `name`, only when it hashes to `oid` (one pack is kept loaded: read them in order). */
  readBlob(name: string, oid: string): string | undefined {
    if (!/^[0-9a-f]{16}$/.test(name) || !/^[0-9a-f]{40}$/.test(oid)) return undefined;
    if (this.loaded?.name !== name) {
      let blobs = new Map<string, string>();
      try {
        const parsed = JSON.parse(gunzipSync(readFileSync(this.packPath(name))).toString('utf8')) as unknown;
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
          blobs = new Map(Object.entries(parsed as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
        else this.damaged++;
      } catch {
        if (existsSync(this.packPath(name))) this.damaged++;
      }
      this.loaded = { name, blobs };
    }
    const text = this.loaded.blobs.get(oid);
    if (text === undefined) return undefined;
    if (gitBlobSha(text) !== oid) {
      this.damaged++;
      return undefined;
    }
    this.hits++;
    return text;
  }
}
