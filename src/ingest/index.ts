import type { Finding, InputError, ToolRef } from '../model';
import { duplicateKeyMessage, findDuplicateKey, lineColumn, parseJson, stripBom } from './json';
import { parseXml } from './xml';
import { describeValue, isObj } from './values';
import { PARSERS } from './registry';
import { disambiguate } from './fingerprint';
import { pruneDeep } from './depth';
import { parseCsv } from './csv';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { parseYaml, positionOf } from '../policy/load';
import { redactIngested } from '../redact/finding';
import { parseCvssVector } from '../rate/cvss';
import { errorMessage } from '../errors';

export { MAX_DOCUMENT_DEPTH, pruneDeep } from './depth';
import type { FormatParser, ParseContext, ParseResult } from './types';

export type { FormatParser, ParseContext, ParseResult } from './types';

export interface IngestedFile extends ParseResult {
  file: string;
  /** The detected (or forced) format id; undefined when the file could not be used. */
  format?: string;
  /** When `file` is (or leads through) a symbolic link: the workspace file read (set by the shell). */
  target?: string;
  /** The parsed SARIF log, kept so a rated SARIF can be written back (SARIF inputs only). */
  document?: unknown;
}

export function formatIds(parsers: readonly FormatParser[] = PARSERS): string[] {
  return parsers.map((p) => p.id);
}

function fatal(file: string, message: string, extra: Partial<InputError> = {}): IngestedFile {
  return { file, findings: [], tools: [], errors: [{ file, message, severity: 'fatal', ...extra }] };
}

/** Describes a document that no parser accepted, saying what was recognized. */
function describeUnknown(doc: unknown): string {
  if (doc === null) return 'the document is `null`';
  if (Array.isArray(doc))
    return doc.length === 0 ? 'the document is an empty array' : `the document is an array of ${doc.length} element(s) of no known format`;
  if (!isObj(doc)) return `the document is a ${typeof doc}`;
  const keys = Object.keys(doc);
  if (keys.length === 0) return 'the document is an empty object';
  if ('error' in doc || ('errors' in doc && keys.length <= 2)) {
    const e = (doc as Record<string, unknown>).error ?? (doc as Record<string, unknown>).errors;
    const msg =
      typeof e === 'string' ? e : isObj(e) ? [e.message, e.summary, e.code].find((x): x is string => typeof x === 'string') : undefined;
    return `the document is an error object${msg ? ` ("${msg.slice(0, 200)}")` : ''}: the scanner failed before producing results`;
  }
  if ('version' in doc && 'runs' in doc)
    return `it looks like SARIF but its version is ${describeValue((doc as Record<string, unknown>).version)}`;
  return `an object with top-level keys ${keys
    .slice(0, 8)
    .map((k) => JSON.stringify(k))
    .join(', ')}${keys.length > 8 ? ', …' : ''}`;
}

/**
 * Parses one input file's text into findings. Pure: the caller reads the file.
 * Never throws: every problem becomes an InputError naming the file and, where known, the position or JSON path.
 *
 * @param format  a parser id to skip detection (the user's `format:` override), or undefined to detect by content
 * @param opts.keepDocument keep the parsed SARIF log as `document` (default true; the check writes its rated SARIF
 *   from the file instead)
 */
export function ingestText(
  text: string,
  ctx: ParseContext,
  format?: string,
  parsers: readonly FormatParser[] = PARSERS,
  opts: { keepDocument?: boolean } = {},
): IngestedFile {
  // Secrets in scanner text are redacted here, once, for every output (src/redact/).
  return redactIngested(parseText(text, ctx, format, parsers, opts));
}

function parseText(
  text: string,
  ctx: ParseContext,
  format: string | undefined,
  parsers: readonly FormatParser[],
  opts: { keepDocument?: boolean },
): IngestedFile {
  const file = ctx.file;
  const expected = `expected one of: ${parsers.map((p) => p.label).join(', ')}`;
  const forced = format ? parsers.find((p) => p.id === format) : undefined;
  if (format && !forced) {
    return fatal(file, `unknown format "${format}"`, { hint: `use one of ${formatIds(parsers).join(', ')}` });
  }
  // The shells recognize these from the bytes (src/io/gzip.ts); text decoded as UTF-8 still shows them.
  if (text.charCodeAt(0) === 0x1f && text.charCodeAt(1) === 0xfffd) {
    return fatal(file, 'the content is gzip-compressed, not text', {
      hint: 'decompress it first (the check command reads .gz reports itself)',
    });
  }
  if (/^(\uFFFD\uFFFD|[^\0]\0[^\0]\0|\0[^\0]\0[^\0])/.test(text)) {
    return fatal(
      file,
      'the content is not UTF-8 text: it looks like UTF-16 (a UTF-16 byte order mark, or NUL bytes between the characters)',
      {
        hint: 'convert it to UTF-8 (e.g. iconv -f UTF-16 -t UTF-8), or have the scanner write UTF-8 (PowerShell: Out-File -Encoding utf8)',
      },
    );
  }
  const trimmed = text.replace(/^\uFEFF/, '').trimStart();
  if (trimmed === '') {
    return fatal(file, 'the file is empty', { hint: 'check that the scanner step succeeded and wrote its report to this path' });
  }
  const isXml = trimmed.startsWith('<');
  let doc: unknown;
  let syntax: 'xml' | 'json' | 'yaml' | 'csv' = isXml ? 'xml' : 'json';
  let locate: ParseContext['locate'];
  if (isXml) {
    if (forced && forced.syntax !== 'xml')
      return fatal(file, `format "${forced.id}" is ${forced.syntax === 'csv' ? 'CSV' : 'JSON'} but the file is XML`, { hint: expected });
    const r = parseXml(text);
    if (!r.ok) {
      if (r.hint) return fatal(file, `XML refused: ${r.message}`, { line: r.line, column: r.column, hint: r.hint });
      return fatal(file, `not well-formed XML: ${r.message}`, {
        line: r.line,
        column: r.column,
        hint: 'check that the scanner step finished writing this file (a cut-off file is a common cause)',
      });
    }
    doc = r.value;
  } else {
    const r = parseJson(text, { cutStrings: true });
    if (!r.ok) {
      // Not JSON: a YAML document of a format that names itself on a line (manual findings), or a CSV table.
      const other = readYamlOrCsv(text, trimmed, file, forced, parsers);
      if (other) {
        if ('failed' in other) return other.failed;
        doc = other.doc;
        syntax = other.syntax;
        locate = other.locate;
      } else {
        const lines = trimmed.split('\n').filter((l) => l.trim() !== '');
        const ndjson =
          lines.length > 1 && lines.slice(0, 3).every((l) => parseJson(l).ok) ? ' (it looks like NDJSON: one JSON value per line)' : '';
        const yamlLike = !ndjson && /^[A-Za-z_$][\w$-]*:(?:\s|$)/m.test(trimmed);
        return fatal(file, `not valid JSON: ${r.message}${ndjson}`, {
          line: r.line,
          column: r.column,
          hint: ndjson
            ? 'ask the scanner for a single JSON document'
            : yamlLike
              ? 'it looks like YAML: only defect-gate findings files (`kind: defect-gate/findings` on a line of its own) are read as YAML'
              : 'check that the scanner step finished writing this file (a cut-off file is a common cause)',
        });
      }
    } else {
      // A repeated key (a second "results") would silently replace the first one's findings: fail closed.
      const body = stripBom(text);
      const dup = findDuplicateKey(body);
      if (dup)
        return fatal(file, duplicateKeyMessage(dup).message, {
          ...lineColumn(body, dup.offset),
          jsonPath: dup.path,
          hint: duplicateKeyMessage(dup).hint,
        });
      doc = r.value;
      locate = lazyLocator(body);
    }
  }
  const candidates = parsers.filter((p) => (syntax === 'yaml' ? p.yaml !== undefined : p.syntax === syntax));
  if (forced && !safeFits(forced, doc)) {
    // A forced format must still fit the document: a SARIF log read as Grype would give 0 findings and pass.
    const looksLike = candidates.find((p) => safeDetect(p, doc));
    return fatal(
      file,
      looksLike
        ? `forced as ${forced.id}, but the content looks like ${looksLike.label}`
        : `forced as ${forced.id}, but the content is not ${forced.label}: ${describeUnknown(doc)}`,
      {
        jsonPath: '$',
        hint: looksLike
          ? `remove the format override (input-formats / --input-format) for this file: detection reads it as ${looksLike.id}`
          : `check that the format override's glob (input-formats / --input-format) names only ${forced.label} files`,
      },
    );
  }
  const parser = forced ?? candidates.find((p) => safeDetect(p, doc));
  if (!parser) {
    return fatal(file, `unrecognized input: ${describeUnknown(doc)}`, {
      hint: `${expected}; or set the format explicitly`,
    });
  }
  let result: ParseResult;
  try {
    // Positions of values are for formats written by people (YAML findings files read as JSON too).
    result = parser.parse(doc, parser.yaml && locate ? { ...ctx, locate } : ctx);
  } catch (err) {
    // Parsers must not throw; if one does, the file is not lost silently. (A SARIF log keeps its document, as one
    // with a fatal error does: the rated SARIF carries its runs unrated, as when written from the file.)
    const failed: IngestedFile = {
      ...fatal(file, `${parser.label} parser failed: ${err instanceof Error ? err.message : String(err)}`, {
        hint: 'this is a defect-gate bug; please report it with the file',
      }),
      format: parser.id,
    };
    if (parser.id === 'sarif' && opts.keepDocument !== false) failed.document = pruneDeep(doc);
    return failed;
  }
  const out: IngestedFile = { ...result, file, format: parser.id, findings: disambiguate(result.findings) };
  const bad = vectorErrors(out.findings, file);
  if (bad.length) out.errors = [...out.errors, ...bad];
  if (parser.id === 'sarif' && opts.keepDocument !== false) out.document = pruneDeep(doc);
  return out;
}

/**
 * Reads text that is not JSON as YAML, when a YAML format names itself in it (`kind: defect-gate/findings` on a line)
 * or is forced, or as CSV, when a CSV format detects its header line or is forced; undefined when it is neither (the
 * caller reports the JSON error). `failed` is the file's fatal error (YAML or CSV syntax, with its position).
 */
function readYamlOrCsv(
  text: string,
  trimmed: string,
  file: string,
  forced: FormatParser | undefined,
  parsers: readonly FormatParser[],
): { doc: unknown; syntax: 'yaml' | 'csv'; locate?: ParseContext['locate'] } | { failed: IngestedFile } | undefined {
  const yamlFormat = forced ? (forced.yaml ? forced : undefined) : parsers.find((p) => p.yaml?.marker.test(text));
  if (yamlFormat) {
    let y: ReturnType<typeof parseYaml>;
    try {
      y = parseYaml(stripBom(text), file);
    } catch (err) {
      return { failed: fatal(file, `YAML cannot be read: ${errorMessage(err)}`, { hint: `expected ${yamlFormat.label}` }) };
    }
    if (y.errors.length > 0) {
      const errors: InputError[] = y.errors.map((e) => ({ file, line: e.line, column: e.column, message: e.message, severity: 'fatal' }));
      return { failed: { file, findings: [], tools: [], errors } };
    }
    const { doc, lc } = y;
    return { doc: y.value, syntax: 'yaml', locate: (path, preferKey) => positionOf(doc, lc, path, preferKey) };
  }
  const csvFormats = parsers.filter((p) => p.syntax === 'csv' && (!forced || p === forced));
  if (csvFormats.length === 0 || trimmed.startsWith('{') || trimmed.startsWith('[')) return undefined;
  const r = parseCsv(text);
  if (r.ok) return forced || csvFormats.some((p) => safeDetect(p, r.value)) ? { doc: r.value, syntax: 'csv' } : undefined;
  // A malformed table: reported as CSV when its header line is one a CSV format reads (or the format is forced).
  const head = parseCsv(stripBom(text).split(/\r?\n/, 1)[0] ?? '');
  if (forced || (head.ok && csvFormats.some((p) => safeDetect(p, head.value)))) {
    return {
      failed: fatal(file, `not well-formed CSV: ${r.message}`, {
        line: r.line,
        column: r.column,
        hint: 'the file was not read: correct the quoting (a field with `,`, `"` or a line break is written in double quotes, with `""` for each quote)',
      }),
    };
  }
  return undefined;
}

/** Positions of JSON values, found by reading the text again as YAML (a superset of JSON) only when asked. */
function lazyLocator(text: string): NonNullable<ParseContext['locate']> {
  let read: { doc: Document; lc: LineCounter } | undefined;
  return (path, preferKey) => {
    try {
      if (!read) {
        const lc = new LineCounter();
        read = { doc: parseDocument(text, { lineCounter: lc, uniqueKeys: false }), lc };
      }
      return positionOf(read.doc, read.lc, path, preferKey);
    } catch {
      return undefined;
    }
  };
}

/**
 * Invalid CVSS vectors are input errors (fail closed: a vector that cannot be read may understate the finding), at the
 * JSON path of the finding's record. The finding is kept; the rating does not use the vector and says so.
 */
function vectorErrors(findings: readonly Finding[], file: string): InputError[] {
  const out: InputError[] = [];
  for (const f of findings) {
    const v = f.cvss?.vector ?? f.cvssVector;
    if (v === undefined) continue;
    const c = parseCvssVector(v);
    if (c.ok) continue;
    out.push({
      file,
      jsonPath: f.source.pointer,
      message: `invalid CVSS vector "${v.length > 120 ? `${v.slice(0, 120)}…` : v}": ${c.problem}`,
      hint: 'the finding is kept and rated without the vector; fix the vector (or report the scanner bug)',
      severity: 'partial',
    });
  }
  return out;
}

function safeFits(p: FormatParser, doc: unknown): boolean {
  try {
    return p.fits ? p.fits(doc) : p.detect(doc);
  } catch {
    return false;
  }
}

function safeDetect(p: FormatParser, doc: unknown): boolean {
  try {
    return p.detect(doc);
  } catch {
    return false;
  }
}

export interface IngestSummary {
  findings: Finding[];
  /** Findings folded into an earlier one with the same fingerprint: where they came from, and that fingerprint. */
  duplicates: { source: Finding['source']; fingerprint: string }[];
  errors: InputError[];
  files: { file: string; target?: string; format?: string; findings: number; errors: number }[];
  tools: ToolRef[];
}

/**
 * Combines per-file results. Findings with the same fingerprint from different files are one defect (the same scan
 * given twice, or the same dependency vulnerability from two tools): the first is kept and the other tools are
 * listed in `alsoReportedBy`.
 */
export function combine(files: IngestedFile[]): IngestSummary {
  const byFp = new Map<string, Finding>();
  const findings: Finding[] = [];
  const duplicates: IngestSummary['duplicates'] = [];
  // Fingerprints are unique within a file (disambiguated by ingest): only later files look earlier ones up, so the
  // last file with findings is not indexed (a single large input needs no index of a million keys).
  let last = -1;
  files.forEach((f, i) => {
    if (f.findings.length > 0) last = i;
  });
  files.forEach((file, fileIndex) => {
    for (const f of file.findings) {
      const prev = byFp.get(f.fingerprint);
      if (!prev) {
        if (fileIndex !== last) byFp.set(f.fingerprint, f);
        findings.push(f);
        continue;
      }
      duplicates.push({ source: f.source, fingerprint: prev.fingerprint });
      const known = [prev.tool, ...(prev.alsoReportedBy ?? [])];
      for (const t of [f.tool, ...(f.alsoReportedBy ?? [])]) {
        if (!known.some((k) => k.name === t.name)) {
          prev.alsoReportedBy = [...(prev.alsoReportedBy ?? []), t];
          known.push(t);
        }
      }
      mergeInto(prev, f);
    }
  });
  const tools = new Map<string, ToolRef>();
  for (const f of files) for (const t of f.tools) tools.set(`${t.name}\u0000${t.version ?? ''}`, t);
  return {
    findings,
    duplicates,
    errors: files.flatMap((f) => f.errors),
    files: files.map((f) => ({
      file: f.file,
      ...(f.target ? { target: f.target } : {}),
      format: f.format,
      findings: f.findings.length,
      errors: f.errors.length,
    })),
    tools: [...tools.values()],
  };
}

/** Fills what the first report of a defect lacks from a later one (ids, CWEs, fixed versions, exploitability). */
function mergeInto(into: Finding, from: Finding): void {
  const union = (a: string[], b: string[]) => (b.some((x) => !a.includes(x)) ? [...new Set([...a, ...b])] : a);
  into.cve = union(into.cve, from.cve);
  into.cwe = union(into.cwe, from.cwe);
  if (into.securitySeverity === undefined && from.securitySeverity !== undefined) into.securitySeverity = from.securitySeverity;
  if (into.cvss?.score === undefined && from.cvss?.score !== undefined) into.cvss = from.cvss;
  if (into.package && from.package?.fixedVersions?.length && !into.package.fixedVersions?.length) {
    into.package = { ...into.package, fixedVersions: from.package.fixedVersions };
  }
  if (from.exploit) into.exploit = { ...from.exploit, ...into.exploit, kev: into.exploit?.kev || from.exploit.kev };
}
