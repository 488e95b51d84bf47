/**
 * DefectDojo's Generic Findings Import, JSON (`{"name", "type", "findings": [...]}`) and CSV (a header line with
 * `Date,Title,CweId,Url,Severity,Description,…`), as DefectDojo's parser (dojo/tools/generic/) reads them, which
 * teams use for manual findings and for tools DefectDojo has no parser for.
 *
 * - tool: the report's `type` (JSON), else "DefectDojo Generic Findings Import"; the kind from what the finding has:
 *   a component or CVE → sca, `dynamic_finding`/an endpoint → dast, a file or `static_finding` → sast, else other.
 * - fingerprint: `unique_id_from_tool` (with the tool name) when given; else a hash of the tool, title, file path,
 *   CWE, vulnerability ids, component and endpoint — never the line (see src/ingest/fingerprint.ts).
 * - `date` → first detected; `is_mitigated`/`mitigated` (CSV `IsMitigated`/`MitigatedDate`) → fixed on that day;
 *   `false_p`, `duplicate`, `out_of_scope`, `risk_accepted` and `active: false` → reported as suppressed by DefectDojo
 *   (not gated unless the policy says `suppressions: ignore`), never dropped.
 * - Dates as DefectDojo's dateutil reads them: ISO 8601, or `mm/dd/yyyy` (`dd/mm/yyyy` when the first number is over
 *   12); a date that may be either (02/03/2021) is read as the earlier of the two, with a warning.
 * - Fail closed: unknown JSON keys (DefectDojo refuses them too), a missing title or severity, a date or score that
 *   cannot be read are input errors at their JSON path or CSV line; "N/A"-like placeholders in numeric fields are
 *   ignored, as DefectDojo does.
 */
import type { Cvss, Finding, FindingKind, ScannerSuppression, ToolRef } from '../../model';
import { hashParts } from '../fingerprint';
import { isCsvTable, type CsvTable } from '../csv';
import type { FormatParser, ParseContext, ParseResult } from '../types';
import { cweId, isObj, isoTime, jsonKey, own, readScore, SCORE_HINT, str, text } from '../values';
import { Collector, cvssVersion, describeKind, locate } from './collector';
import { ownRecord } from '../../own';

const TOOL = 'DefectDojo Generic Findings Import';

const TOP_KEYS = new Set(['name', 'type', 'version', 'description', 'dynamic_tool', 'static_tool', 'soc', 'findings', 'title']);

/** Keys DefectDojo's JSON parser accepts in a finding (dojo/tools/generic/json_parser.py), and those it pops first. */
const FINDING_KEYS = new Set([
  'title',
  'severity',
  'description',
  'date',
  'cwe',
  'cve',
  'epss_score',
  'epss_percentile',
  'cvssv3',
  'cvssv3_score',
  'cvssv4',
  'cvssv4_score',
  'mitigation',
  'impact',
  'steps_to_reproduce',
  'severity_justification',
  'references',
  'active',
  'verified',
  'false_p',
  'out_of_scope',
  'risk_accepted',
  'under_review',
  'is_mitigated',
  'thread_id',
  'mitigated',
  'numerical_severity',
  'param',
  'payload',
  'line',
  'file_path',
  'component_name',
  'component_version',
  'static_finding',
  'dynamic_finding',
  'scanner_confidence',
  'unique_id_from_tool',
  'vuln_id_from_tool',
  'sast_source_object',
  'sast_sink_object',
  'sast_source_line',
  'sast_source_file_path',
  'nb_occurences',
  'publish_date',
  'service',
  'planned_remediation_date',
  'planned_remediation_version',
  'effort_for_fixing',
  'tags',
  'kev_date',
  'known_exploited',
  'ransomware_used',
  'fix_available',
  'fix_version',
  'endpoints',
  'files',
  'vulnerability_ids',
  'cwes',
  'duplicate',
]);

/** CSV columns (compared case-insensitively, trimmed) → the JSON key they stand for. */
const CSV_COLUMNS: Record<string, string> = Object.assign(ownRecord<string>(), {
  date: 'date',
  title: 'title',
  cweid: 'cwe',
  cweids: 'cwes',
  url: 'url',
  severity: 'severity',
  description: 'description',
  mitigation: 'mitigation',
  impact: 'impact',
  references: 'references',
  active: 'active',
  verified: 'verified',
  falsepositive: 'false_p',
  duplicate: 'duplicate',
  ismitigated: 'is_mitigated',
  mitigateddate: 'mitigated',
  cve: 'cve',
  'vulnerability id': 'vulnerability_ids',
  epss_score: 'epss_score',
  epss_percentile: 'epss_percentile',
  cvssv3: 'cvssv3',
  cvssv3_score: 'cvssv3_score',
  cvssv4: 'cvssv4',
  cvssv4_score: 'cvssv4_score',
  known_exploited: 'known_exploited',
  ransomware_used: 'ransomware_used',
  fix_available: 'fix_available',
  fix_version: 'fix_version',
  kev_date: 'kev_date',
});

/** Values DefectDojo treats as "no number" in numeric fields. */
const PLACEHOLDER = /^\s*(?:n\/?a|none|null|unknown|-|)\s*$/i;

/** One record, JSON or CSV, read through `get`; `where(key)` is the position for errors. */
interface Rec {
  get(key: string): unknown;
  where(key?: string): string;
  csv: boolean;
}

function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return v.trim() === '' ? undefined : v.trim().toLowerCase().startsWith('t');
  return undefined;
}

/** A DefectDojo date: ISO 8601, `mm/dd/yyyy`, or `dd/mm/yyyy` when the first number is over 12. */
export function readDate(v: unknown): { iso?: string; ambiguous?: boolean; problem?: string } {
  const s = text(v);
  if (!s) return {};
  const iso = isoTime(s);
  if (iso) return { iso };
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    const at = (month: number, day: number) => isoTime(`${m[3]}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`);
    const monthFirst = at(a, b);
    const dayFirst = at(b, a);
    if (monthFirst && dayFirst && a !== b) return { iso: monthFirst < dayFirst ? monthFirst : dayFirst, ambiguous: true };
    const one = monthFirst ?? dayFirst;
    if (one) return { iso: one };
  }
  return {
    problem: `expected a date (YYYY-MM-DD, an ISO 8601 time, or mm/dd/yyyy), found ${describeKind(v)} ${JSON.stringify(s.slice(0, 40))}`,
  };
}

function num(c: Collector, r: Rec, key: string, integer = false): number | undefined {
  const v = r.get(key);
  if (v === undefined || v === null || (typeof v === 'string' && PLACEHOLDER.test(v))) return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+(?:\.\d+)?\s*$|^\s*-?\.\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    c.error(r.where(key), `expected ${integer ? 'a whole number' : 'a number'}, found ${describeKind(v)}`, 'the value was not read');
    return undefined;
  }
  return n;
}

function score(c: Collector, r: Rec, key: string): number | undefined {
  const v = r.get(key);
  if (typeof v === 'string' && PLACEHOLDER.test(v)) return undefined;
  const s = readScore(v);
  if (s.problem) c.error(r.where(key), s.problem, SCORE_HINT);
  return s.score;
}

function strList(v: unknown): string[] {
  if (Array.isArray(v)) return v.map((x) => text(x)).filter((x): x is string => !!x);
  const s = text(v);
  return s ? [s] : [];
}

/** An endpoint as text: a URL string, or DefectDojo's `{protocol, host, port, path}`. */
function endpointText(v: unknown): string | undefined {
  if (typeof v === 'string') return text(v);
  if (!isObj(v)) return undefined;
  const host = text(own(v, 'host'));
  if (!host) return undefined;
  const protocol = text(own(v, 'protocol'));
  const port = str(own(v, 'port'));
  const path = text(own(v, 'path'));
  return `${protocol ? `${protocol}://` : ''}${host}${port ? `:${port}` : ''}${path ? `/${path.replace(/^\//, '')}` : ''}`;
}

const SUPPRESSED: [string, string][] = [
  ['false_p', 'false positive'],
  ['duplicate', 'duplicate'],
  ['out_of_scope', 'out of scope'],
  ['risk_accepted', 'risk accepted'],
];

interface Counters {
  ambiguous: string[];
}

function record(c: Collector, r: Rec, tool: ToolRef, index: number, ctx: ParseContext, counters: Counters): void {
  const title = text(r.get('title'));
  if (!title) {
    c.error(
      r.where('title'),
      'a finding without a title (DefectDojo requires title, severity and description)',
      'the finding was not read: give it a title',
    );
    return;
  }
  const severityText = text(r.get('severity'));
  if (!severityText)
    c.error(
      r.where('severity'),
      `finding "${title.slice(0, 80)}" has no severity (DefectDojo requires one: Critical, High, Medium, Low or Info)`,
      "it is rated by its score, else the policy's severity.default",
    );
  const date = (key: string) => {
    const d = readDate(r.get(key));
    if (d.problem) c.error(r.where(key), d.problem, 'the date was not read');
    if (d.ambiguous) counters.ambiguous.push(r.where(key));
    return d.iso;
  };
  const found = date('date');
  const mitigatedOn = date('mitigated');
  const kevDate = date('kev_date');
  const cwe = [
    ...new Set(
      [
        ...(num(c, r, 'cwe', true) ? [r.get('cwe')] : []),
        ...(Array.isArray(r.get('cwes')) ? (r.get('cwes') as unknown[]) : (str(r.get('cwes'))?.split(/[\s,]+/) ?? [])),
      ]
        .map((x) => cweId(str(x)))
        .filter((x): x is string => !!x),
    ),
  ];
  const cve = [...new Set([...strList(r.get('cve')), ...strList(r.get('vulnerability_ids'))])];
  const filePath = text(r.get('file_path'));
  const where = locate(filePath, ctx.workspace);
  const line = num(c, r, 'line', true);
  const endpoints = [...(Array.isArray(r.get('endpoints')) ? (r.get('endpoints') as unknown[]) : []), r.get('url')]
    .map(endpointText)
    .filter((x): x is string => !!x);
  const componentName = text(r.get('component_name'));
  const componentVersion = text(r.get('component_version'));
  const uid = text(r.get('unique_id_from_tool'));
  const vulnId = text(r.get('vuln_id_from_tool'));
  const kind: FindingKind =
    componentName || cve.length > 0
      ? 'sca'
      : bool(r.get('dynamic_finding')) || (endpoints.length > 0 && !filePath)
        ? 'dast'
        : filePath || bool(r.get('static_finding'))
          ? 'sast'
          : 'other';
  const fingerprint = uid
    ? { fingerprint: hashParts('defectdojo', tool.name.toLowerCase(), uid), source: 'defectdojo:unique_id_from_tool' }
    : {
        fingerprint: hashParts(
          'defectdojo',
          tool.name.toLowerCase(),
          title,
          filePath,
          cwe.join(','),
          cve.join(','),
          componentName,
          componentVersion,
          endpoints[0],
        ),
        source: 'computed:defectdojo',
      };
  const v3 = text(r.get('cvssv3'));
  const v4 = text(r.get('cvssv4'));
  const s3 = score(c, r, 'cvssv3_score');
  const s4 = score(c, r, 'cvssv4_score');
  let cvss: Cvss | undefined;
  if (s4 !== undefined || (v4 && s3 === undefined))
    cvss = { version: '4.0', ...(s4 !== undefined ? { score: s4 } : {}), ...(v4 ? { vector: v4 } : {}) };
  else if (s3 !== undefined || v3)
    cvss = { version: cvssVersion(v3) ?? '3.1', ...(s3 !== undefined ? { score: s3 } : {}), ...(v3 ? { vector: v3 } : {}) };
  const referencesText = str(r.get('references')) ?? '';
  const references = [...new Set(referencesText.match(/https?:\/\/[^\s<>"')\]]+/g) ?? [])];
  const suppressions: ScannerSuppression[] = [];
  for (const [key, what] of SUPPRESSED)
    if (bool(r.get(key))) suppressions.push({ kind: 'external', status: 'accepted', justification: `DefectDojo: ${what}` });
  const mitigated = bool(r.get('is_mitigated')) === true || mitigatedOn !== undefined;
  if (!mitigated && bool(r.get('active')) === false)
    suppressions.push({ kind: 'external', status: 'accepted', justification: 'DefectDojo: not active' });
  const tags = [
    ...strList(r.get('tags')),
    ...(bool(r.get('verified')) ? ['verified'] : []),
    ...(bool(r.get('under_review')) ? ['under-review'] : []),
  ];
  const description = str(r.get('description'))?.trim();
  const epss = num(c, r, 'epss_score');
  const percentile = num(c, r, 'epss_percentile');
  const kev = bool(r.get('known_exploited'));
  const f: Finding = {
    fingerprint: fingerprint.fingerprint,
    fingerprintSource: fingerprint.source,
    tool,
    source: { file: ctx.file, format: r.csv ? 'defectdojo-csv' : 'defectdojo', pointer: r.where() },
    ruleId: vulnId ?? cve[0] ?? cwe[0] ?? title,
    title,
    message: description || title,
    kind,
    cwe,
    cve,
    tags: [...new Set(tags)],
    resultKind: 'fail',
    suppressions,
    ...where,
  };
  if (!where.path && !where.location && endpoints[0]) f.location = endpoints[0];
  if (line !== undefined && f.path) f.startLine = line;
  if (severityText) f.scannerSeverity = severityText.toLowerCase();
  if (cvss) f.cvss = cvss;
  if (references[0]) {
    f.helpUri = references[0];
    f.references = references;
  }
  if (componentName) {
    f.package = { name: componentName, ...(componentVersion ? { version: componentVersion } : {}) };
    const fix = text(r.get('fix_version'));
    if (fix) f.package.fixedVersions = [fix];
  }
  if (kev !== undefined || epss !== undefined) {
    f.exploit = {
      ...(kev !== undefined ? { kev } : {}),
      ...(kevDate ? { kevDateAdded: kevDate.slice(0, 10) } : {}),
      ...(epss !== undefined ? { epss } : {}),
      ...(percentile !== undefined ? { epssPercentile: percentile } : {}),
    };
  }
  if (found) f.firstDetected = found;
  if (mitigated) f.fixed = mitigatedOn ? { on: mitigatedOn } : {};
  void index;
  c.add(f);
}

function warnAmbiguous(c: Collector, counters: Counters): void {
  if (counters.ambiguous.length === 0) return;
  c.errors.push({
    file: c.file,
    jsonPath: counters.ambiguous[0],
    message: `${counters.ambiguous.length} date(s) such as the one at ${counters.ambiguous[0]} read as either mm/dd/yyyy or dd/mm/yyyy: the earlier of the two was taken (the SLA clock starts no later than it should)`,
    hint: 'write dates as YYYY-MM-DD',
    severity: 'scanner',
  });
}

function detectJson(doc: unknown): boolean {
  return isObj(doc) && Array.isArray(own(doc, 'findings')) && Object.keys(doc).every((k) => TOP_KEYS.has(k));
}

function parseJson(doc: unknown, ctx: ParseContext): ParseResult {
  const c = new Collector(ctx.file, 'defectdojo');
  if (!isObj(doc)) {
    c.error('$', `expected an object with "findings", found ${describeKind(doc)}`, undefined, 'fatal');
    return { findings: [], errors: c.errors, tools: [] };
  }
  const type = text(own(doc, 'type'));
  const tool: ToolRef = { name: type ?? TOOL, ...(text(own(doc, 'version')) ? { version: text(own(doc, 'version')) as string } : {}) };
  const list = c.required(own(doc, 'findings'), '$.findings', 'the findings list');
  const counters: Counters = { ambiguous: [] };
  list.forEach((item, i) => {
    const at = `$.findings[${i}]`;
    const o = c.object(item, at, 'the finding was not read');
    if (!o) return;
    for (const k of Object.keys(o)) {
      if (!FINDING_KEYS.has(k))
        c.error(
          `${at}${jsonKey(k)}`,
          `unknown key "${k}" (DefectDojo refuses the file for it too)`,
          "it was not read: remove it, or check its spelling against DefectDojo's Generic Findings Import",
        );
    }
    record(c, { get: (k) => own(o, k), where: (k) => (k ? `${at}${jsonKey(k)}` : at), csv: false }, tool, i, ctx, counters);
  });
  warnAmbiguous(c, counters);
  return { findings: c.findings, errors: c.errors, tools: [tool] };
}

function csvColumns(t: CsvTable): Map<string, number> {
  const cols = new Map<string, number>();
  t.header.forEach((h, i) => {
    const key = CSV_COLUMNS[h.trim().toLowerCase()];
    if (key && !cols.has(key)) cols.set(key, i);
  });
  return cols;
}

function detectCsv(doc: unknown): boolean {
  if (!isCsvTable(doc)) return false;
  const cols = csvColumns(doc);
  return cols.has('title') && (cols.has('severity') || cols.has('date') || cols.has('description'));
}

function parseCsvTable(doc: unknown, ctx: ParseContext): ParseResult {
  const c = new Collector(ctx.file, 'defectdojo-csv');
  const tool: ToolRef = { name: TOOL };
  if (!isCsvTable(doc)) {
    c.error('$', 'expected a CSV table', undefined, 'fatal');
    return { findings: [], errors: c.errors, tools: [] };
  }
  const cols = csvColumns(doc);
  const seen = new Set<string>();
  doc.header.forEach((h, i) => {
    const name = h.trim().toLowerCase();
    const key = CSV_COLUMNS[name];
    if (key && seen.has(key))
      c.errors.push({
        file: ctx.file,
        line: 1,
        column: i + 1,
        message: `column "${h}" is given twice: only the first is read`,
        severity: 'partial',
        hint: 'remove or rename one',
      });
    else if (!key)
      c.errors.push({
        file: ctx.file,
        line: 1,
        message: `column "${h}" is not a Generic Findings Import column: not read`,
        severity: 'scanner',
      });
    if (key) seen.add(key);
  });
  const counters: Counters = { ambiguous: [] };
  doc.records.forEach((rec, i) => {
    const where = (k?: string) => `line ${rec.line}${k ? ` column ${doc.header[cols.get(k) ?? -1]?.trim() ?? k}` : ''}`;
    if (rec.cells.length > doc.header.length) {
      c.errors.push({
        file: ctx.file,
        line: rec.line,
        message: `${rec.cells.length} fields for ${doc.header.length} columns: the extra fields were not read`,
        severity: 'partial',
        hint: 'quote fields that contain a `,`',
      });
    }
    const get = (k: string) => {
      const at = cols.get(k);
      return at === undefined ? undefined : rec.cells[at];
    };
    const before = c.errors.length;
    record(c, { get, where, csv: true }, tool, i, ctx, counters);
    // CSV errors are shown at their line.
    for (const e of c.errors.slice(before)) {
      const p = e.jsonPath;
      if (!p?.startsWith('line ')) continue;
      const column = p.replace(/^line \d+ ?/, '');
      e.line = rec.line;
      e.message = `${column ? `${column}: ` : ''}${e.message}`;
      delete e.jsonPath;
    }
  });
  warnAmbiguous(c, counters);
  return { findings: c.findings, errors: c.errors, tools: [tool] };
}

export const defectDojoJsonParser: FormatParser = {
  id: 'defectdojo',
  label: 'DefectDojo Generic Findings Import (JSON)',
  syntax: 'json',
  detect: detectJson,
  fits: (doc) => isObj(doc) && Array.isArray(own(doc, 'findings')),
  parse: parseJson,
};

export const defectDojoCsvParser: FormatParser = {
  id: 'defectdojo-csv',
  label: 'DefectDojo Generic Findings Import (CSV)',
  syntax: 'csv',
  detect: detectCsv,
  fits: isCsvTable,
  parse: parseCsvTable,
};
