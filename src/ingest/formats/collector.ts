/**
 * Helpers shared by all native parsers: the input-error collector, value descriptions for error messages, CVSS
 * versions, file references and URI decoding. Format-family helpers live in dependency-findings.ts (trivy, grype, semgrep,
 * gitleaks, npm-audit, osv-scanner) and, for zap, dependency-check, snyk, bandit, checkov and gitlab, xml-nodes.ts,
 * tool-refs.ts, purl.ts, urls.ts and text-fields.ts.
 * Everything here is pure and never throws on untrusted input.
 */
import type { Finding, InputError } from '../../model';
import { normalizePath } from '../paths';
import { describeValue as valueText, isObj, readScore, SCORE_HINT, type Obj } from '../values';

/**
 * The kind of a value in "expected X, found Y" messages: `a number`, `an object`, `null`, `nothing` … (the value
 * itself, cut short, is src/ingest/values.ts `describeValue`).
 */
export function describeKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  const t = typeof v;
  return t === 'object' ? 'an object' : t === 'undefined' ? 'nothing' : `a ${t}`;
}

/** Collects the findings and input errors (with JSON paths) of one file. */
export class Collector {
  readonly findings: Finding[] = [];
  readonly errors: InputError[] = [];
  constructor(
    readonly file: string,
    readonly format: string,
  ) {}

  /** Records an input error; `partial` unless said otherwise. */
  error(jsonPath: string, message: string, hint?: string, severity: InputError['severity'] = 'partial'): void {
    const e: InputError = { file: this.file, jsonPath, message, severity };
    if (hint) e.hint = hint;
    this.errors.push(e);
  }

  /**
   * An optional array member: absent/`null` → [] (scanners write `null` for "none"), an array → itself, anything else
   * → [] plus a partial error (with `hint`, if given).
   */
  array(v: unknown, jsonPath: string, hint?: string): unknown[] {
    if (v === undefined || v === null) return [];
    if (Array.isArray(v)) return v;
    this.error(jsonPath, `expected an array, found ${describeKind(v)}`, hint);
    return [];
  }

  /**
   * A findings container the format always writes (e.g. ZAP `site[].alerts`, Checkov `results.failed_checks`): an
   * array → itself; absent, `null` or anything else → [] plus a partial error, since a report that does not list its
   * findings may be hiding them (fail closed). `what` names the container in the message.
   */
  required(
    v: unknown,
    jsonPath: string,
    what: string,
    hint = 'the report does not say what was found: check that the scanner step completed',
  ): unknown[] {
    if (Array.isArray(v)) return v;
    if (v === undefined || v === null)
      this.error(jsonPath, `${v === undefined ? 'missing' : 'expected an array, found null'}: ${what}`, hint);
    else this.error(jsonPath, `expected an array, found ${describeKind(v)}`, hint);
    return [];
  }

  /** A score from 0 to 10 at `jsonPath` (see `readScore`): undefined when absent, a partial error when out of range. */
  score(v: unknown, jsonPath: string): number | undefined {
    const r = readScore(v);
    if (r.problem) this.error(jsonPath, r.problem, SCORE_HINT);
    return r.score;
  }

  /** The object at `v`, or undefined with a partial error when it is anything else. */
  object(v: unknown, jsonPath: string, hint = 'the record was skipped'): Obj | undefined {
    if (isObj(v)) return v;
    this.error(jsonPath, `expected an object, found ${describeKind(v)}`, hint);
    return undefined;
  }

  add(f: Finding): void {
    this.findings.push(f);
  }

  /**
   * A report's schema version (`seen`, at `jsonPath`) that this parser does not know: a scanner warning naming the
   * version seen and the known ones, since a later schema may move or rename the findings.
   * `shown` lists the known versions as the message writes them.
   */
  unknownVersion(jsonPath: string, what: string, seen: unknown, shown: string): void {
    this.error(
      jsonPath,
      `${what} ${valueText(seen, 100)} is not known (known: ${shown}): read as the latest known version`,
      'check the findings against the report, and update defect-gate',
      'scanner',
    );
  }
}

const CVSS_PREFIX = /^CVSS:(\d+(?:\.\d+)?)\//i;
const CVSS2_SHAPE = /^\(?AV:[LANP]\/AC:[HML]\/Au:[MSN]\//;

/**
 * CVSS version from a vector string: `CVSS:3.1/…` → `3.1`; a bare v2 vector (`AV:N/AC:L/Au:N/…`) → `2.0`, or
 * undefined with `bareV2: false` (for fields that hold a later version, where the caller picks the default).
 */
export function cvssVersion(vector: string | undefined, { bareV2 = true }: { bareV2?: boolean } = {}): string | undefined {
  if (!vector) return undefined;
  const m = CVSS_PREFIX.exec(vector);
  if (m) return m[1];
  return bareV2 && CVSS2_SHAPE.test(vector) ? '2.0' : undefined;
}

/**
 * Repository-relative `path` or text `location` (anything outside the workspace or not a file) for a scanner's file
 * reference; `{}` when there is none. Spread or `Object.assign` it into a finding.
 */
export function locate(ref: string | undefined, workspace: string | undefined): { path?: string; location?: string } {
  if (!ref) return {};
  const r = normalizePath(ref, workspace);
  return 'path' in r ? { path: r.path } : { location: r.location };
}

/** `decodeURIComponent`, or the text unchanged when it is not valid percent-encoding. */
export function decodeOrKeep(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
