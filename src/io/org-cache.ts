import { errorMessage } from '../errors';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { gitBlobSha } from '../ledger/branch-store';
import { writeAtomically } from './atomic';

/**
 * The organization report's cache (`report --org`), so that a second report re-reads only what changed:
 *
 *   <dir>/blobs/<2 hex>/<oid>.gz     ledger files by their git blob oid (gzip), content-addressed
 *   <dir>/org-<16 hex>.json          the last listing of one (API, org, branch, scope): per repository its
 *                                    pushedAt and the ledger tree's oid and files; the watermark; when
 *
 * A blob is believed only when its text hashes to its oid (a damaged or edited file is a miss, read again from
 * GitHub). Ledger files are cached, not computed metrics: metrics depend on `--now`, the period and the policy, which
 * change between reports. The index is only a hint of what is unchanged: it is trusted like the rest of the machine
 * the report runs on. Default directory: `DEFECT_GATE_CACHE_DIR`, else the user's cache directory
 * (`$XDG_CACHE_HOME` or `~/.cache`, `~/Library/Caches` on macOS, `%LOCALAPPDATA%` on Windows) + `/defect-gate`.
 */

export const ORG_CACHE_VERSION = 1;

const CachedRepoSchema = z.object({
  repo: z.string(),
  archived: z.boolean(),
  pushedAt: z.string().optional(),
  problem: z.string().optional(),
  ledger: z.object({ oid: z.string(), files: z.array(z.object({ path: z.string(), oid: z.string(), byteSize: z.number() })) }).optional(),
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
  /** Blob reads answered from the cache, and blobs that failed their hash check. */
  hits = 0;
  damaged = 0;

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

  saveIndex(index: OrgCacheIndex): void {
    const path = this.indexPath(index.api, index.org, index.branch, index.scope);
    const text = `${JSON.stringify(index)}\n`;
    writeAtomically(path, (fd) => writeFileSync(fd, text));
  }

  private blobPath(oid: string): string {
    return join(this.dir, 'blobs', oid.slice(0, 2), `${oid}.gz`);
  }

  /** The text of a cached blob, only when it hashes to `oid`. */
  readBlob(oid: string): string | undefined {
    if (!/^[0-9a-f]{40}$/.test(oid)) return undefined;
    const path = this.blobPath(oid);
    let text: string;
    try {
      text = gunzipSync(readFileSync(path)).toString('utf8');
    } catch {
      if (existsSync(path)) this.damaged++;
      return undefined;
    }
    if (gitBlobSha(text) !== oid) {
      this.damaged++;
      rmSync(path, { force: true });
      return undefined;
    }
    this.hits++;
    return text;
  }

  writeBlob(oid: string, text: string): void {
    if (!/^[0-9a-f]{40}$/.test(oid)) return;
    const path = this.blobPath(oid);
    if (existsSync(path)) return;
    mkdirSync(join(this.dir, 'blobs', oid.slice(0, 2)), { recursive: true });
    const gz = gzipSync(text, { level: 1 });
    writeAtomically(path, (fd) => writeFileSync(fd, gz));
  }
}
