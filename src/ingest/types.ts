import type { Finding, InputError, ToolRef } from '../model';

/** What a parser may use besides the document itself. Everything here is data or a pure function. */
export interface ParseContext {
  /** The input file as shown to users (workspace-relative when possible). */
  file: string;
  /** Absolute path of the workspace (repository root) with `/` separators, used to make URIs repository-relative. */
  workspace?: string;
  /**
   * Returns the text of line `line` (1-based) of the repository file `path`, when the shell can read it.
   * Used for fingerprints that survive unrelated edits. Absent in pure tests.
   */
  sourceLine?: (path: string, line: number) => string | undefined;
  /**
   * Line and column of the value at `path` in the file's text (YAML and JSON documents read whole; set by the generic
   * layer), or of the key itself with `preferKey`; undefined when unknown. For formats written by people, whose
   * errors are best shown at their line.
   */
  locate?: (path: readonly (string | number)[], preferKey?: boolean) => { line: number; column: number } | undefined;
}

export interface ParseResult {
  findings: Finding[];
  /** Problems in this file: fatal ones mean the file was not used, partial ones that some records were skipped. */
  errors: InputError[];
  /** Tools that ran, with or without findings (a scanner with no results still ran). */
  tools: ToolRef[];
}

/** One input format. Detection is by content, never by file name. */
export interface FormatParser {
  /** Stable id, used for the `format:` override and in reports (e.g. `sarif`, `trivy`). */
  id: string;
  /** Human name, e.g. `SARIF 2.1.0`, `Trivy JSON`. */
  label: string;
  /**
   * What the document is parsed as before `detect`/`parse` see it: JSON, XML, or CSV (a CsvTable, src/ingest/csv.ts:
   * text that is neither JSON nor XML and whose first line is a header some CSV parser detects).
   */
  syntax: 'json' | 'xml' | 'csv';
  /**
   * Also reads YAML (the same data as JSON): text that is not JSON and names the format on a line of its own
   * (`kind: defect-gate/findings`) is parsed with the hardened YAML loader (duplicate keys, alias bombs and
   * `__proto__` refused) and given to this parser.
   */
  yaml?: { marker: RegExp };
  /** True when `doc` looks like this format. Must be cheap and must not throw on any input. */
  detect(doc: unknown): boolean;
  /**
   * When the user forces this format (`input-formats`): true when `doc` still has this format's shape. Defaults to
   * `detect`; set only where a valid report cannot be detected (e.g. an empty Gitleaks array `[]`). A forced format
   * that does not fit is an input error, never a silent zero (a SARIF log read as Grype has no `matches`).
   */
  fits?(doc: unknown): boolean;
  /** Turns the document into findings. Must not throw on malformed documents: report InputErrors instead. */
  parse(doc: unknown, ctx: ParseContext): ParseResult;
}
