import type { InputError } from '../model';
import { stripBom } from '../ingest/json';
import { CVE_RE, type EpssScores } from './types';

/**
 * Parses a FIRST EPSS scores CSV (https://www.first.org/epss/data_stats; the daily `epss_scores-YYYY-MM-DD.csv`,
 * already decompressed): an optional comment line `#model_version:v2025.03.14,score_date:2026-11-24T00:00:00+0000`,
 * a header naming the columns `cve`, `epss` and (optional) `percentile`, then one row per CVE. A BOM, CRLF line ends,
 * blank lines and columns in another order are fine. Pure: the caller reads (and gunzips) the file.
 *
 * Every problem is reported with the file and its line:column; when there is any, the scores must not be used (the
 * errors are `fatal`), so a truncated or garbled file never silently drops scores.
 */

const MAX_ERRORS = 20;
const HINT = 'expected the FIRST EPSS CSV (epss_scores-current.csv from epss.cyentia.com, gunzipped): header cve,epss,percentile';

export interface EpssParseResult {
  scores: EpssScores;
  errors: InputError[];
}

function probability(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const t = s.trim();
  if (!/^(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) && n >= 0 && n <= 1 ? n : undefined;
}

export function parseEpss(text: string, file: string): EpssParseResult {
  const scores: EpssScores = { entries: new Map() };
  const errors: InputError[] = [];
  const fail = (line: number, column: number, message: string) => {
    if (errors.length < MAX_ERRORS) errors.push({ file, line, column, message, hint: HINT, severity: 'fatal' });
  };
  const body = stripBom(text);
  if (body.includes('\u0000')) {
    return {
      scores,
      errors: [
        { file, line: 1, column: 1, message: 'binary content (a gzip file that was not decompressed?)', hint: HINT, severity: 'fatal' },
      ],
    };
  }
  const lines = body.split(/\r?\n/);
  let cols: { cve: number; epss: number; percentile?: number; count: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] as string).replace(/\r$/, '');
    const n = i + 1;
    if (raw.trim() === '') continue;
    if (raw.startsWith('#')) {
      if (!cols) {
        const mv = /model_version:([^,\s]+)/.exec(raw);
        const sd = /score_date:([^,\s]+)/.exec(raw);
        if (mv?.[1]) scores.modelVersion = mv[1];
        if (sd?.[1]) scores.scoreDate = sd[1];
      }
      continue;
    }
    const cells = raw.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    if (!cols) {
      const names = cells.map((c) => c.toLowerCase());
      const cve = names.indexOf('cve');
      const epss = names.indexOf('epss');
      const pct = names.indexOf('percentile');
      if (cve < 0 || epss < 0) {
        fail(n, 1, `expected the header line "cve,epss,percentile", found ${JSON.stringify(raw.slice(0, 60))}`);
        return { scores, errors };
      }
      cols = { cve, epss, count: cells.length, ...(pct >= 0 ? { percentile: pct } : {}) };
      continue;
    }
    const column = (idx: number) => cells.slice(0, idx).reduce((s, c) => s + c.length + 1, 1);
    if (cells.length !== cols.count) {
      fail(n, 1, `expected ${cols.count} columns, found ${cells.length}`);
      continue;
    }
    const id = cells[cols.cve] as string;
    if (!CVE_RE.test(id)) {
      fail(n, column(cols.cve), `expected a CVE id such as "CVE-2021-44228", found ${JSON.stringify(id.slice(0, 40))}`);
      continue;
    }
    const epss = probability(cells[cols.epss]);
    if (epss === undefined) {
      fail(
        n,
        column(cols.epss),
        `expected an EPSS probability between 0 and 1, found ${JSON.stringify((cells[cols.epss] ?? '').slice(0, 40))}`,
      );
      continue;
    }
    let percentile: number | undefined;
    if (cols.percentile !== undefined) {
      percentile = probability(cells[cols.percentile]);
      if (percentile === undefined) {
        fail(
          n,
          column(cols.percentile),
          `expected a percentile between 0 and 1, found ${JSON.stringify((cells[cols.percentile] ?? '').slice(0, 40))}`,
        );
        continue;
      }
    }
    scores.entries.set(id.toUpperCase(), percentile !== undefined ? { epss, percentile } : { epss });
  }
  if (!cols && errors.length === 0) fail(1, 1, 'no header line "cve,epss,percentile": the file is empty or only comments');
  if (errors.length === MAX_ERRORS)
    errors.push({ file, message: `more problems not listed (stopped after ${MAX_ERRORS})`, severity: 'fatal' });
  return { scores, errors };
}
