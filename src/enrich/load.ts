import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { InputError } from '../model';
import { parseEpss } from './epss';
import { parseKev } from './kev';
import type { Enrichment } from './types';

/**
 * The file-reading shell of enrichment: reads the KEV catalog and the EPSS CSV named by the settings (paths relative
 * to the workspace, or http(s) URLs downloaded when the network allows; a gzipped EPSS file is decompressed), and
 * parses them with the pure parsers.
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
}

function read(abs: string, shown: string, what: string): { data?: Buffer; error?: InputError } {
  try {
    return { data: readFileSync(abs) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'a directory, not a file' : (err as Error).message;
    return { error: { file: shown, message: `cannot read the ${what}: ${why}`, hint: 'download it in an earlier workflow step and pass its path', severity: 'fatal' } };
  }
}

const isUrl = (s: string) => /^https?:\/\//i.test(s);

/** Downloads an enrichment file (bounded in time and size); an unreachable network is a clear input error. */
async function download(url: string, what: string, timeoutMs: number): Promise<{ data?: Buffer; error?: InputError }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { 'user-agent': 'defect-gate' } });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const data = Buffer.from(await res.arrayBuffer());
    if (data.length > 512 * 1024 * 1024) throw new Error('larger than 512 MB');
    return { data };
  } catch (err) {
    const why = (err as Error).name === 'TimeoutError' ? `no answer within ${Math.round(timeoutMs / 1000)} s` : (err as Error).message;
    return {
      error: {
        file: url,
        message: `cannot download the ${what}: ${why}`,
        hint: 'without network access, download it in an earlier step (or cache it) and pass its path',
        severity: 'fatal',
      },
    };
  }
}

/**
 * Like `loadEnrichment`, and `kevFile` / `epssFile` may be http(s) URLs, downloaded first (the CISA and FIRST feeds).
 */
export async function loadEnrichmentAsync(files: EnrichmentFiles, workspace: string, timeoutMs = 60_000): Promise<LoadedEnrichment> {
  const fetched = new Map<string, Buffer>();
  const errors: InputError[] = [];
  for (const [f, what] of [
    [files.kevFile, 'CISA KEV catalog'],
    [files.epssFile, 'EPSS scores file'],
  ] as const) {
    if (!f || !isUrl(f)) continue;
    const r = await download(f, what, timeoutMs);
    if (r.error) errors.push(r.error);
    else if (r.data) fetched.set(f, r.data);
  }
  const local: EnrichmentFiles = {
    ...(files.kevFile && (!isUrl(files.kevFile) || fetched.has(files.kevFile)) ? { kevFile: files.kevFile } : {}),
    ...(files.epssFile && (!isUrl(files.epssFile) || fetched.has(files.epssFile)) ? { epssFile: files.epssFile } : {}),
  };
  const loaded = loadEnrichment(local, workspace, fetched);
  return { ...loaded, errors: [...errors, ...loaded.errors] };
}

export function loadEnrichment(files: EnrichmentFiles, workspace: string, fetched: ReadonlyMap<string, Buffer> = new Map()): LoadedEnrichment {
  const errors: InputError[] = [];
  const notes: string[] = [];
  const enrichment: Enrichment = {};
  if (files.kevFile) {
    const pre = fetched.get(files.kevFile);
    const r = pre ? { data: pre } : read(resolve(workspace, files.kevFile), files.kevFile, 'CISA KEV catalog');
    if (r.error) errors.push(r.error);
    else if (r.data) {
      const parsed = parseKev(r.data.toString('utf8'), files.kevFile);
      if (parsed.errors.length) errors.push(...parsed.errors);
      else {
        enrichment.kev = parsed.catalog;
        notes.push(`${files.kevFile}: CISA KEV catalog${parsed.catalog.catalogVersion ? ` ${parsed.catalog.catalogVersion}` : ''}, ${parsed.catalog.entries.size} CVEs`);
      }
    }
  }
  if (files.epssFile) {
    const pre = fetched.get(files.epssFile);
    const r = pre ? { data: pre } : read(resolve(workspace, files.epssFile), files.epssFile, 'EPSS scores file');
    if (r.error) errors.push(r.error);
    else if (r.data) {
      let text: string | undefined;
      if (r.data[0] === 0x1f && r.data[1] === 0x8b) {
        try {
          text = gunzipSync(r.data).toString('utf8');
        } catch (err) {
          errors.push({ file: files.epssFile, message: `cannot decompress the gzipped EPSS file: ${(err as Error).message}`, severity: 'fatal' });
        }
      } else text = r.data.toString('utf8');
      if (text !== undefined) {
        const parsed = parseEpss(text, files.epssFile);
        if (parsed.errors.length) errors.push(...parsed.errors);
        else {
          enrichment.epss = parsed.scores;
          notes.push(`${files.epssFile}: EPSS scores${parsed.scores.modelVersion ? ` (model ${parsed.scores.modelVersion}${parsed.scores.scoreDate ? `, ${parsed.scores.scoreDate.slice(0, 10)}` : ''})` : ''}, ${parsed.scores.entries.size} CVEs`);
        }
      }
    }
  }
  return { ...(enrichment.kev || enrichment.epss ? { enrichment } : {}), errors, notes };
}
