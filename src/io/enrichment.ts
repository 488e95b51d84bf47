import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { DecompressionLimitError, formatBytes, gunzipToBuffer, sniff, sniffFile, unreadableAs } from './gzip';
import type { InputError } from '../model';
import { parseEpss } from '../enrich/epss';
import { parseKev } from '../enrich/kev';
import type { Enrichment } from '../enrich/types';
import { errorMessage } from '../errors';

/**
 * The file-reading shell of enrichment: reads the KEV catalog and the EPSS CSV named by the settings (paths relative
 * to the workspace, or http(s) URLs downloaded when the network allows; gzip-compressed files are decompressed with
 * the same bounded stream as reports, src/io/gzip.ts), and parses them with the pure parsers.
 *
 * A file that cannot be read or parsed is not used and yields `fatal` input errors, so the gate fails closed exactly as
 * for an unreadable scanner report (unless `on-input-error: warn`).
 */

export interface EnrichmentFiles {
  kevFile?: string;
  epssFile?: string;
}

export interface LoadedEnrichment {
  enrichment?: Enrichment;
  errors: InputError[];
  /** One line per file used, for the log. */
  notes: string[];
  /**
   * Files that were read but enable nothing (a KEV catalog without vulnerabilities, an EPSS file with only its header):
   * enrichment silently off would be a downgrade, so the shells log each as a warning.
   */
  warnings: string[];
}

/**
 * Largest enrichment file read (bytes, after decompression): 256 MiB. The CISA KEV catalog is ~1.5 MB and the FIRST
 * EPSS CSV ~15 MB (~2 MB gzipped); a larger file is refused with its name, below V8's ~512 MB string limit (which
 * would otherwise end the run with a stack trace) and before it is held in memory.
 */
export const MAX_ENRICHMENT_BYTES = 256 * 1024 * 1024;

const readError = (
  file: string,
  message: string,
  hint = 'download it in an earlier workflow step and pass its path',
): { error: InputError } => ({
  error: { file, message, hint, severity: 'fatal' },
});

/** Turns bytes read or downloaded into the file's text bytes: gzip decompressed (bounded), other encodings refused. */
async function decode(data: Buffer, shown: string, what: string, limit: number): Promise<{ data?: Buffer; error?: InputError }> {
  const sniffed = sniff(data.subarray(0, 4));
  const unreadable = unreadableAs(sniffed);
  if (unreadable) return readError(shown, `cannot read the ${what}: ${unreadable.message}`, unreadable.hint);
  if (sniffed.kind !== 'gzip') return { data };
  return gunzipped(data, shown, what, limit);
}

/** Decompresses a gzip file (path) or bytes, as a bounded stream. */
async function gunzipped(src: string | Buffer, shown: string, what: string, limit: number): Promise<{ data?: Buffer; error?: InputError }> {
  try {
    const out = await gunzipToBuffer(src, limit);
    const inner = unreadableAs(sniff(out.subarray(0, 4)));
    if (inner) return readError(shown, `cannot read the ${what}: gzip-compressed: ${inner.message}`, inner.hint);
    return { data: out };
  } catch (err) {
    if (err instanceof DecompressionLimitError)
      return readError(
        shown,
        `cannot read the gzip-compressed ${what}: ${err.message}`,
        `the limit is ${formatBytes(limit)}: check that this is the right file`,
      );
    return readError(
      shown,
      `cannot decompress the gzip-compressed ${what}: ${errorMessage(err)}`,
      'check that the step that downloaded it finished (a cut-off .gz file is a common cause)',
    );
  }
}

async function read(abs: string, shown: string, what: string, limit: number): Promise<{ data?: Buffer; error?: InputError }> {
  let data: Buffer;
  try {
    const st = statSync(abs);
    if (st.isDirectory()) return readError(shown, `cannot read the ${what}: a directory, not a file`);
    // A gzip file is decompressed from the file, as a stream, and checked on its decompressed size.
    if (sniffFile(abs).kind === 'gzip') return await gunzipped(abs, shown, what, limit);
    if (st.size > limit) {
      return readError(
        shown,
        `cannot read the ${what}: the file is ${formatBytes(st.size)}, more than the ${formatBytes(limit)} limit for enrichment files`,
        'check that this is the right file (the CISA KEV catalog is ~1.5 MB, the FIRST EPSS CSV ~15 MB)',
      );
    }
    data = readFileSync(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'a directory, not a file' : errorMessage(err);
    return readError(shown, `cannot read the ${what}: ${why}`);
  }
  return decode(data, shown, what, limit);
}

const isUrl = (s: string) => /^https?:\/\//i.test(s);

/** Downloads an enrichment file, bounded in time and size (the body is read chunk by chunk, up to `limit`). */
async function download(url: string, what: string, timeoutMs: number, limit: number): Promise<{ data?: Buffer; error?: InputError }> {
  let data: Buffer;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { 'user-agent': 'defect-gate' } });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (res.body) {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        size += chunk.length;
        if (size > limit) throw new Error(`larger than ${formatBytes(limit)}`);
        chunks.push(chunk);
      }
    }
    data = Buffer.concat(chunks, size);
  } catch (err) {
    const why = (err as Error).name === 'TimeoutError' ? `no answer within ${Math.round(timeoutMs / 1000)} s` : errorMessage(err);
    return readError(
      url,
      `cannot download the ${what}: ${why}`,
      'without network access, download it in an earlier step (or cache it) and pass its path',
    );
  }
  return decode(data, url, what, limit);
}

export interface LoadOptions {
  /** Download timeout (ms); default 60 s. */
  timeoutMs?: number;
  /** Largest file read or decompressed (bytes); default MAX_ENRICHMENT_BYTES. */
  maxBytes?: number;
}

/** Like `loadEnrichment`, with the old positional timeout. */
export async function loadEnrichmentAsync(files: EnrichmentFiles, workspace: string, timeoutMs = 60_000): Promise<LoadedEnrichment> {
  return loadEnrichment(files, workspace, { timeoutMs });
}

/**
 * Reads and parses the enrichment files: paths relative to the workspace, or http(s) URLs (the CISA and FIRST feeds),
 * downloaded first. Plain or gzip-compressed (recognized by the bytes), up to `maxBytes` after decompression.
 */
export async function loadEnrichment(files: EnrichmentFiles, workspace: string, opts: LoadOptions = {}): Promise<LoadedEnrichment> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const limit = opts.maxBytes ?? MAX_ENRICHMENT_BYTES;
  const errors: InputError[] = [];
  const notes: string[] = [];
  const warnings: string[] = [];
  const enrichment: Enrichment = {};
  const get = (f: string, what: string) => (isUrl(f) ? download(f, what, timeoutMs, limit) : read(resolve(workspace, f), f, what, limit));
  if (files.kevFile) {
    const r = await get(files.kevFile, 'CISA KEV catalog');
    if (r.error) errors.push(r.error);
    else if (r.data) {
      const parsed = parseKev(r.data.toString('utf8'), files.kevFile);
      if (parsed.errors.length) errors.push(...parsed.errors);
      else {
        enrichment.kev = parsed.catalog;
        notes.push(
          `${files.kevFile}: CISA KEV catalog${parsed.catalog.catalogVersion ? ` ${parsed.catalog.catalogVersion}` : ''}, ${parsed.catalog.entries.size} CVEs`,
        );
        if (parsed.catalog.entries.size === 0) {
          warnings.push(
            `${files.kevFile}: the CISA KEV catalog lists no vulnerabilities, so no finding is marked as known exploited (check that the download is complete)`,
          );
        }
      }
    }
  }
  if (files.epssFile) {
    const r = await get(files.epssFile, 'EPSS scores file');
    if (r.error) errors.push(r.error);
    else if (r.data) {
      const parsed = parseEpss(r.data.toString('utf8'), files.epssFile);
      if (parsed.errors.length) errors.push(...parsed.errors);
      else {
        enrichment.epss = parsed.scores;
        notes.push(
          `${files.epssFile}: EPSS scores${parsed.scores.modelVersion ? ` (model ${parsed.scores.modelVersion}${parsed.scores.scoreDate ? `, ${parsed.scores.scoreDate.slice(0, 10)}` : ''})` : ''}, ${parsed.scores.entries.size} CVEs`,
        );
        if (parsed.scores.entries.size === 0) {
          warnings.push(
            `${files.epssFile}: the EPSS file has a header but no scores, so no finding gets an EPSS score (check that the download is complete)`,
          );
        }
      }
    }
  }
  return { ...(enrichment.kev || enrichment.epss ? { enrichment } : {}), errors, notes, warnings };
}
