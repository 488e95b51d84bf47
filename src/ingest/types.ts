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
  /** What the document is parsed as before `detect`/`parse` see it. */
  syntax: 'json' | 'xml';
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
