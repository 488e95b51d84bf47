import type { InputError } from '../model';
import { parseJson } from '../ingest/json';
import { CVE_RE, isIsoDate, type KevCatalog, type KevEntry } from './types';

/**
 * Parses the CISA KEV catalog (`known_exploited_vulnerabilities.json`, schema
 * https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities_schema.json):
 * `{title, catalogVersion, dateReleased, count, vulnerabilities: [{cveID, dateAdded, dueDate,
 * knownRansomwareCampaignUse, …}]}`. Pure: the caller reads the file.
 *
 * Every problem is reported with the file and the JSON path (or line:column for JSON syntax errors); when there is any,
 * the catalog must not be used (the errors are `fatal`), so a damaged file never silently drops KEV entries.
 */

const MAX_ERRORS = 20;

export interface KevParseResult {
  catalog: KevCatalog;
  errors: InputError[];
}

const HINT = 'expected the CISA KEV catalog JSON (known_exploited_vulnerabilities.json from cisa.gov)';

export function parseKev(text: string, file: string): KevParseResult {
  const catalog: KevCatalog = { entries: new Map() };
  const errors: InputError[] = [];
  const fail = (jsonPath: string, message: string) => {
    if (errors.length < MAX_ERRORS) errors.push({ file, jsonPath, message, hint: HINT, severity: 'fatal' });
  };
  if (text.trim() === '') {
    return { catalog, errors: [{ file, message: 'the KEV file is empty', hint: HINT, severity: 'fatal' }] };
  }
  const parsed = parseJson(text);
  if (!parsed.ok) {
    return {
      catalog,
      errors: [
        { file, line: parsed.line, column: parsed.column, message: `not valid JSON: ${parsed.message}`, hint: HINT, severity: 'fatal' },
      ],
    };
  }
  const doc = parsed.value;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    fail('$', `expected an object with \`vulnerabilities\`, found ${Array.isArray(doc) ? 'an array' : doc === null ? 'null' : typeof doc}`);
    return { catalog, errors };
  }
  const o = doc as Record<string, unknown>;
  if (typeof o.catalogVersion === 'string') catalog.catalogVersion = o.catalogVersion;
  if (typeof o.dateReleased === 'string') catalog.dateReleased = o.dateReleased;
  const list = o.vulnerabilities;
  if (!Array.isArray(list)) {
    fail(
      '$.vulnerabilities',
      list === undefined ? 'missing `vulnerabilities` (the list of KEV entries)' : 'expected `vulnerabilities` to be an array',
    );
    return { catalog, errors };
  }
  list.forEach((v: unknown, i) => {
    const at = `$.vulnerabilities[${i}]`;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      fail(at, 'expected an object with `cveID`');
      return;
    }
    const x = v as Record<string, unknown>;
    const id = x.cveID;
    if (typeof id !== 'string' || !CVE_RE.test(id.trim())) {
      fail(
        `${at}.cveID`,
        id === undefined ? 'missing `cveID`' : `expected a CVE id such as "CVE-2021-44228", found ${JSON.stringify(id)?.slice(0, 60)}`,
      );
      return;
    }
    const entry: KevEntry = {
      ransomware: typeof x.knownRansomwareCampaignUse === 'string' && x.knownRansomwareCampaignUse.trim().toLowerCase() === 'known',
    };
    for (const key of ['dateAdded', 'dueDate'] as const) {
      const d = x[key];
      if (d === undefined || d === null || d === '') continue;
      if (typeof d !== 'string' || !isIsoDate(d.trim())) {
        fail(`${at}.${key}`, `expected a date as YYYY-MM-DD, found ${JSON.stringify(d)?.slice(0, 40)}`);
        continue;
      }
      entry[key] = d.trim();
    }
    const cve = id.trim().toUpperCase();
    const prev = catalog.entries.get(cve);
    // A CVE listed twice (not expected): keep the earlier due date, the stricter one.
    if (!prev || (entry.dueDate && (!prev.dueDate || entry.dueDate < prev.dueDate))) catalog.entries.set(cve, { ...prev, ...entry });
  });
  if (errors.length === MAX_ERRORS)
    errors.push({ file, message: `more problems not listed (stopped after ${MAX_ERRORS})`, severity: 'fatal' });
  return { catalog, errors };
}
