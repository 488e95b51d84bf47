import { cweId } from '../ingest/values';
import { parseNumberComparison, parseSeverityComparison, ranksFor } from './compare';
import { parseYaml, pathText, positionOf, type PolicyError } from './load';
import { globMatcher } from './glob';

/**
 * Lint for policy authors (`defect-gate policy validate`): problems the loader accepts but that are almost certainly
 * mistakes. Pure: a function of the policy text, its levels and `now`.
 *
 * Only what can be decided soundly from the text is reported (no false claims that a rule is unreachable):
 * - a rating rule whose conditions imply those of an earlier `stop: true` rule never applies (condition implication is
 *   checked field by field: every condition of the earlier rule is also in the later one, with a subset of its values,
 *   the same globs, or a narrower score/EPSS range);
 * - two rating rules with the same conditions (both always apply together: merge them);
 * - `floor` to the least severe level and `cap` to the most severe level change nothing, nor a `floor`/`cap` that a
 *   `set` in the same rule already satisfies;
 * - gate rules that can never count anything: a `severity` that matches no level, `new` contradicting `status`;
 * - exceptions with the same `match`, or that may both match the same fingerprint or CVE + package (the first that
 *   applies wins, the other is dead or hides a problem);
 * - exceptions already expired, or not active yet (`approved-on` after today);
 * - exceptions whose `match` matches every finding (`rule: "*"`, `path: "**"`, only catch-all globs): an error with
 *   `strict`, since such an exception switches the gate off.
 * Globs are compared as text: `"src/**"` and `"src/**\/*"` are different conditions here even if they match the same
 * paths, so some redundancies are not reported; none is reported wrongly.
 */

export interface LintProblem {
  file: string;
  line: number;
  column: number;
  /** Dotted path of the key, e.g. `severity.rules[2]`. */
  path: string;
  severity: 'error' | 'warning';
  message: string;
}

export function formatLintProblem(p: LintProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.severity}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
}

/** A loader error (schema, semantics) as an `error` problem. */
export function fromPolicyError(e: PolicyError): LintProblem {
  return { file: e.file, line: e.line, column: e.column, path: e.path, severity: 'error', message: e.message };
}

export interface LintOptions {
  /** The policy's levels, most severe first (from the loaded policy: a policy that extends another may not list them). */
  levels: string[];
  now: Date;
  /** `policy validate --strict`: problems that switch the gate off (a catch-all exception) are errors. */
  strict?: boolean;
}

type Key = string | number;
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

/** Matcher fields matched case-insensitively (compared lower-cased). */
const NOCASE = new Set(['tool', 'cve', 'tags', 'scanner-severity']);
/** Numeric comparisons (compared as ranges). */
const RANGES = new Set(['score', 'epss']);

interface Range {
  lo: number;
  loIn: boolean;
  hi: number;
  hiIn: boolean;
}

function rangeOf(v: unknown): Range | undefined {
  if (typeof v !== 'number' && typeof v !== 'string') return undefined;
  let t;
  try {
    t = parseNumberComparison(v);
  } catch {
    return undefined;
  }
  const x = t.value;
  switch (t.op) {
    case '>=':
      return { lo: x, loIn: true, hi: Infinity, hiIn: false };
    case '>':
      return { lo: x, loIn: false, hi: Infinity, hiIn: false };
    case '<=':
      return { lo: -Infinity, loIn: false, hi: x, hiIn: true };
    case '<':
      return { lo: -Infinity, loIn: false, hi: x, hiIn: false };
    case '==':
      return { lo: x, loIn: true, hi: x, hiIn: true };
  }
}

/** True when every number in `inner` is in `outer`. */
function rangeWithin(inner: Range, outer: Range): boolean {
  const loOk = inner.lo > outer.lo || (inner.lo === outer.lo && (outer.loIn || !inner.loIn));
  const hiOk = inner.hi < outer.hi || (inner.hi === outer.hi && (outer.hiIn || !inner.hiIn));
  return loOk && hiOk;
}

/** The values of one condition as a set of canonical strings (a list means any of them). */
function valueSet(field: string, v: unknown): Set<string> {
  return new Set(
    list(v).map((x) => {
      if (field === 'cwe') return cweId(typeof x === 'number' ? String(x) : x) ?? JSON.stringify(x);
      if (typeof x === 'string') return NOCASE.has(field) ? x.toLowerCase() : x;
      return JSON.stringify(x);
    }),
  );
}

/**
 * True when every finding that satisfies `inner` also satisfies `outer` — decided field by field, soundly: each
 * condition of `outer` must be in `inner` with a subset of its values (or a narrower range).
 */
export function implies(inner: Obj, outer: Obj): boolean {
  for (const [field, ov] of Object.entries(outer)) {
    if (ov === undefined) continue;
    if (!(field in inner) || inner[field] === undefined) return false;
    const iv = inner[field];
    if (RANGES.has(field)) {
      const a = rangeOf(iv);
      const b = rangeOf(ov);
      if (!a || !b || !rangeWithin(a, b)) return false;
      continue;
    }
    const os = valueSet(field, ov);
    for (const x of valueSet(field, iv)) if (!os.has(x)) return false;
  }
  return true;
}

const sameConditions = (a: Obj, b: Obj) => implies(a, b) && implies(b, a);

/** Lints a policy file's own text (rules, gates and inline exceptions it defines). */
export function lintPolicy(text: string, file: string, opts: LintOptions): LintProblem[] {
  const { doc, lc, errors, value: raw } = parseYaml(text, file);
  if (errors.length > 0) return []; // reported by the loader
  if (!isObj(raw)) return [];
  const out: LintProblem[] = [];
  const warn = (path: Key[], message: string, key = false) =>
    out.push({ file, ...positionOf(doc, lc, path, key), path: pathText(path), severity: 'warning', message });
  const strictly = (path: Key[], message: string, key = false) =>
    out.push({ file, ...positionOf(doc, lc, path, key), path: pathText(path), severity: opts.strict ? 'error' : 'warning', message });
  const lineOf = (path: Key[]) => positionOf(doc, lc, path).line;
  lintRules(raw, opts.levels, warn, lineOf);
  lintGates(raw, opts.levels, warn);
  const sec = raw.exceptions;
  if (isObj(sec) && Array.isArray(sec.entries))
    lintExceptions(sec.entries as unknown[], ['exceptions', 'entries'], opts.now, warn, strictly, lineOf);
  return out.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** Lints an included exceptions file (`entries:`): the exception checks of `lintPolicy`. */
export function lintExceptionsFile(text: string, file: string, opts: LintOptions): LintProblem[] {
  const { doc, lc, errors, value: raw } = parseYaml(text, file);
  if (errors.length > 0 || !isObj(raw) || !Array.isArray(raw.entries)) return []; // reported by the loader
  const out: LintProblem[] = [];
  const push =
    (severity: 'error' | 'warning') =>
    (path: Key[], message: string, key = false) =>
      out.push({ file, ...positionOf(doc, lc, path, key), path: pathText(path), severity, message });
  lintExceptions(
    raw.entries as unknown[],
    ['entries'],
    opts.now,
    push('warning'),
    push(opts.strict ? 'error' : 'warning'),
    (path) => positionOf(doc, lc, path).line,
  );
  return out.sort((a, b) => a.line - b.line || a.column - b.column);
}

type Warn = (path: Key[], message: string, key?: boolean) => void;

function lintRules(raw: Obj, levels: string[], warn: Warn, lineOf: (p: Key[]) => number): void {
  const severity = raw.severity;
  if (!isObj(severity) || !Array.isArray(severity.rules)) return;
  const rules = severity.rules.filter(isObj);
  const most = levels[0];
  const least = levels[levels.length - 1];
  rules.forEach((r, j) => {
    const base: Key[] = ['severity', 'rules', j];
    const name = String(r.name ?? `#${j + 1}`);
    const when = isObj(r.when) ? r.when : undefined;
    if (when && Object.keys(when).length > 0) {
      for (let i = 0; i < j; i++) {
        const prev = rules[i] as Obj;
        const pw = isObj(prev.when) ? prev.when : undefined;
        if (!pw || Object.keys(pw).length === 0) continue;
        const where = `rule "${String(prev.name ?? `#${i + 1}`)}" (line ${lineOf(['severity', 'rules', i])})`;
        if (prev.stop === true && implies(when, pw)) {
          warn(base, `rule "${name}" never applies: every finding it matches also matches ${where}, which has \`stop: true\``);
          break;
        }
        if (sameConditions(when, pw)) {
          warn(
            [...base, 'when'],
            `rule "${name}" has the same conditions as ${where}: both always apply together; merge them into one rule`,
          );
          break;
        }
      }
    }
    if (least !== undefined && levels.length > 1 && r.floor === least) {
      warn([...base, 'floor'], `\`floor: ${least}\` changes nothing: ${least} is the least severe level, every finding is at least that`);
    }
    if (most !== undefined && levels.length > 1 && r.cap === most) {
      warn([...base, 'cap'], `\`cap: ${most}\` changes nothing: ${most} is the most severe level, every finding is at most that`);
    }
    if (typeof r.set === 'string' && r.raise === undefined && r.lower === undefined) {
      const s = levels.indexOf(r.set);
      const f = typeof r.floor === 'string' ? levels.indexOf(r.floor) : -1;
      const c = typeof r.cap === 'string' ? levels.indexOf(r.cap) : -1;
      if (s >= 0 && f >= 0 && f >= s && r.floor !== least)
        warn([...base, 'floor'], `\`floor: ${String(r.floor)}\` changes nothing after \`set: ${r.set}\` in the same rule`);
      if (s >= 0 && c >= 0 && c <= s && r.cap !== most)
        warn([...base, 'cap'], `\`cap: ${String(r.cap)}\` changes nothing after \`set: ${r.set}\` in the same rule`);
    }
  });
}

function lintGates(raw: Obj, levels: string[], warn: Warn): void {
  if (!isObj(raw.gates)) return;
  const rankOf = (l: string) => {
    const i = levels.indexOf(l);
    return i < 0 ? undefined : i;
  };
  for (const [profile, rules] of Object.entries(raw.gates)) {
    if (!Array.isArray(rules)) continue;
    rules.forEach((g: unknown, i) => {
      if (!isObj(g)) return;
      const base: Key[] = ['gates', profile, i];
      const name = String(g.name ?? `#${i + 1}`);
      if (typeof g.severity === 'string' || Array.isArray(g.severity)) {
        try {
          const t = parseSeverityComparison(g.severity as string | string[]);
          if (t.levels.every((l) => rankOf(l) !== undefined) && ranksFor(t, rankOf, levels.length).size === 0) {
            warn(
              [...base, 'severity'],
              `gate rule "${name}" can never count anything: severity "${String(g.severity)}" matches no level of ${levels.join(', ')}`,
            );
          }
        } catch {
          // reported by the loader
        }
      }
      if (typeof g.new === 'boolean' && g.status !== undefined) {
        const statuses = list(g.status).map(String);
        const fresh = new Set(['new', 'reopened']);
        const ok = statuses.some((s) => fresh.has(s) === g.new);
        if (!ok)
          warn(
            [...base, 'status'],
            `gate rule "${name}" can never count anything: \`new: ${g.new}\` excludes status ${statuses.join(', ')}`,
          );
      }
    });
  }
}

/** Texts every glob of a field must match to count as matching everything (ids have no `/`; paths do). */
const CATCH_ALL_PROBES: Record<string, string[]> = {
  path: ['a', 'src/app.js', 'a/b/c/d/e.f', '.github/workflows/ci.yml', 'x y/Z-1_2.txt'],
  rule: ['a', 'js-sql-injection', 'B101', 'java.lang.security.audit', 'CKV_AWS_1'],
  tool: ['a', 'CodeQL', 'trivy', 'Semgrep OSS'],
  package: ['a', 'lodash', 'org.apache.logging.log4j:log4j-core', 'golang.org-x-net'],
};

/**
 * Why an exception's `match` matches (nearly) every finding, or undefined. Sound on what it reports: every field is
 * a glob field (rule, path, tool, package) whose globs match every probe text; a fingerprint, cve, version or
 * component narrows the match, and then nothing is reported.
 */
export function catchAllMatch(m: Obj): string | undefined {
  const fields = Object.entries(m).filter(([, v]) => v !== undefined);
  if (fields.length === 0) return undefined;
  const shown: string[] = [];
  for (const [field, v] of fields) {
    const probes = Object.hasOwn(CATCH_ALL_PROBES, field) ? CATCH_ALL_PROBES[field] : undefined;
    if (!probes) return undefined;
    const globs = list(v);
    if (!globs.every((g) => typeof g === 'string')) return undefined;
    let test;
    try {
      test = globMatcher(globs as string[], { nocase: field !== 'path' && field !== 'rule' });
    } catch {
      return undefined; // reported by the loader
    }
    if (!probes.every((p) => test(p))) return undefined;
    shown.push(`${field} ${globs.map((g) => JSON.stringify(g)).join('|')}`);
  }
  return shown.join(', ');
}

function lintExceptions(entries: unknown[], prefix: Key[], now: Date, warn: Warn, strictly: Warn, lineOf: (p: Key[]) => number): void {
  const today = now.toISOString().slice(0, 10);
  entries.forEach((e, j) => {
    if (!isObj(e)) return;
    const base: Key[] = [...prefix, j];
    const id = String(e.id ?? `#${j + 1}`);
    if (typeof e.expires === 'string' && e.expires < today) {
      warn(
        [...base, 'expires'],
        `exception "${id}" expired on ${e.expires}: it no longer applies; renew it (with a new approval) or remove it`,
      );
    }
    if (typeof e['approved-on'] === 'string' && e['approved-on'] > today) {
      warn(
        [...base, 'approved-on'],
        `exception "${id}" is approved on ${e['approved-on']}, after today (${today}): it does not apply until then; correct the date if the approval was given already`,
      );
    }
    const m = isObj(e.match) ? e.match : undefined;
    if (!m) return;
    const all = catchAllMatch(m);
    if (all !== undefined) {
      strictly(
        [...base, 'match'],
        `exception "${id}" matches every finding (${all}): it would switch the gate off; name the rule, path, package, CVE or fingerprint it is for`,
      );
    }
    for (let i = 0; i < j; i++) {
      const prev = entries[i];
      if (!isObj(prev) || !isObj(prev.match)) continue;
      const pm = prev.match;
      const where = `exception "${String(prev.id ?? `#${i + 1}`)}" (line ${lineOf([...prefix, i])})`;
      if (sameConditions(m, pm)) {
        warn([...base, 'match'], `exception "${id}" has the same \`match\` as ${where}: only the first that applies is used`);
        break;
      }
      const shared = (field: string) => {
        if (m[field] === undefined || pm[field] === undefined) return undefined;
        const a = valueSet(field, m[field]);
        return [...valueSet(field, pm[field])].find((x) => a.has(x));
      };
      const fp = shared('fingerprint');
      if (fp !== undefined) {
        warn([...base, 'match'], `exception "${id}" and ${where} may both match fingerprint ${fp}: only the first that applies is used`);
        break;
      }
      const cve = shared('cve');
      const pkg = shared('package');
      if (cve !== undefined && pkg !== undefined) {
        warn(
          [...base, 'match'],
          `exception "${id}" and ${where} may both match ${cve.toUpperCase()} in package ${pkg}: only the first that applies is used`,
        );
        break;
      }
    }
  });
}
