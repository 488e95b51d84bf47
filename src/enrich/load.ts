import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { InputError } from '../model';
import { parseEpss } from './epss';
import { parseKev } from './kev';
import type { Enrichment } from './types';

/**
 * The file-reading shell of enrichment: reads the KEV catalog and the EPSS CSV named by the settings (paths relative
 * to the workspace; a gzipped EPSS file is decompressed), parses them with the pure parsers. No network: the pipeline
 * downloads the files (see README, "Exploitability enrichment").
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

export function loadEnrichment(files: EnrichmentFiles, workspace: string): LoadedEnrichment {
  const errors: InputError[] = [];
  const notes: string[] = [];
  const enrichment: Enrichment = {};
  if (files.kevFile) {
    const r = read(resolve(workspace, files.kevFile), files.kevFile, 'CISA KEV catalog');
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
    const r = read(resolve(workspace, files.epssFile), files.epssFile, 'EPSS scores file');
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
