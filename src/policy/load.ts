import { isMap, isNode, isScalar, LineCounter, parseDocument, visit, type Document } from 'yaml';
import type { z } from 'zod';
import { policySchemas, type ExceptionEntryInput, type PolicyParsed } from './schema';
import { compileVersionRange } from './version-range';
import { ownRules, resolveProfiles } from './profiles';
import { parseSeverityComparison } from './compare';
import { UserError, errorMessage } from '../errors';

/** A problem in a policy file, with its position. */
export interface PolicyError {
  file: string;
  line: number;
  column: number;
  /** Dotted path of the offending key, e.g. `gates.production[0].severity`. */
  path: string;
  message: string;
}

export function formatPolicyError(e: PolicyError): string {
  return `${e.file}:${e.line}:${e.column}: ${e.path ? `${e.path}: ` : ''}${e.message}`;
}

export class PolicyLoadError extends UserError {
  constructor(readonly errors: PolicyError[]) {
    super(
      'policy',
      `invalid policy (${errors.length} problem${errors.length === 1 ? '' : 's'}):\n${errors.map((e) => `  ${formatPolicyError(e)}`).join('\n')}`,
    );
    this.name = 'PolicyLoadError';
  }
}

type Key = string | number;

export function pathText(path: readonly Key[]): string {
  let s = '';
  for (const k of path) s += typeof k === 'number' ? `[${k}]` : s ? `.${k}` : k;
  return s;
}

/** Position of the node at `path`, or of its nearest existing ancestor (for missing keys). */
export function positionOf(doc: Document, lc: LineCounter, path: readonly Key[], preferKey = false): { line: number; column: number } {
  for (let n = path.length; n >= 0; n--) {
    const sub = path.slice(0, n);
    const node = sub.length === 0 ? doc.contents : doc.getIn(sub, true);
    if (isNode(node) && node.range) {
      let offset = node.range[0];
      if (preferKey && n === path.length && n > 0) {
        // Point at the key rather than the value when the key itself is the problem.
        const parent = n === 1 ? doc.contents : doc.getIn(path.slice(0, n - 1), true);
        if (isMap(parent)) {
          const pair = parent.items.find((p) => isNode(p.key) && (p.key as { value?: unknown }).value === path[n - 1]);
          if (pair && isNode(pair.key) && pair.key.range) offset = pair.key.range[0];
        }
      }
      const { line, col } = lc.linePos(offset);
      return { line, column: col };
    }
  }
  return { line: 1, column: 1 };
}

/** The value at `path` in `raw` (for messages that quote what was written). */
function valueAt(raw: unknown, path: readonly Key[]): unknown {
  let v = raw;
  for (const k of path) {
    if (typeof v !== 'object' || v === null || !Object.hasOwn(v, k)) return undefined;
    v = (v as Record<Key, unknown>)[k];
  }
  return v;
}

const shown = (v: unknown) =>
  typeof v === 'string'
    ? JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v)
    : Array.isArray(v)
      ? 'a list'
      : typeof v === 'object' && v !== null
        ? 'a mapping'
        : String(v);
const typeWord: Record<string, string> = {
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  int: 'a whole number',
};

function describeIssue(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}: check the spelling against the policy format in the README`;
    case 'invalid_type':
      if (value === undefined) return `missing required key: expected ${typeWord[issue.expected] ?? issue.expected}`;
      return `expected ${typeWord[issue.expected] ?? issue.expected}, got ${shown(value)}`;
    case 'invalid_value':
      return `invalid value ${shown(value)}: expected ${issue.values.length === 1 ? JSON.stringify(issue.values[0]) : `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`}`;
    default:
      return issue.message;
  }
}

/**
 * A copy of `raw` without what the schema refused: unknown keys, and values with a wrong type or value in mappings
 * (optional ones; a required one missing makes the copy fail again, and nothing more is checked).
 */
function withoutIssues(raw: unknown, issues: readonly z.core.$ZodIssue[]): unknown {
  const copy: unknown = structuredClone(raw);
  for (const issue of issues) {
    const path = issue.path.filter((k): k is Key => typeof k === 'string' || typeof k === 'number');
    const removed = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...path, k]) : [path];
    for (const p of removed) {
      const parent = valueAt(copy, p.slice(0, -1));
      const last = p[p.length - 1];
      if (last !== undefined && typeof parent === 'object' && parent !== null && !Array.isArray(parent))
        delete (parent as Record<Key, unknown>)[last];
    }
  }
  return copy;
}

/**
 * The issues of a union that matched no option, as the issues of the option the value was meant for (zod says only
 * "Invalid input" at the union): the option that did not fail on the value's own type, with the fewest issues.
 * Nested unions are unfolded the same way. Paths are absolute.
 */
export function unfoldIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): z.core.$ZodIssue[] {
  const out: z.core.$ZodIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const fits = issue.errors.filter((branch) => !branch.some((b) => b.path.length === 0 && b.code === 'invalid_type'));
      const best = [...fits].sort((a, b) => a.length - b.length)[0];
      if (best) {
        out.push(...unfoldIssues(best, path));
        continue;
      }
    }
    out.push({ ...issue, path } as z.core.$ZodIssue);
  }
  return out;
}

/** Most alias expansions a policy, exceptions or test file may use (a YAML "billion laughs" bomb needs many more). */
export const MAX_YAML_ALIASES = 100;

/**
 * Parses YAML keeping positions (a LineCounter), with duplicate keys refused and alias expansion bounded; syntax
 * errors, duplicate keys and alias bombs come back as positioned PolicyErrors (empty when there are none), and
 * `value` is the plain value (undefined when there are errors). Shared by policies, exception files and policy tests.
 */
export function parseYaml(text: string, file: string): { doc: Document; lc: LineCounter; errors: PolicyError[]; value: unknown } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true, merge: false });
  const at = (offset: number | undefined) => {
    const { line, col } = lc.linePos(offset ?? 0);
    return { line, column: col };
  };
  const errors: PolicyError[] = doc.errors.map((e) => {
    // yaml points at the start of the indentation for indentation errors: the real column is where the text starts.
    let offset = e.pos?.[0] ?? 0;
    while (text[offset] === ' ' || text[offset] === '\t') offset++;
    const where = at(offset);
    if (e.code === 'DUPLICATE_KEY') {
      return {
        file,
        ...where,
        path: '',
        message:
          'duplicate key: a key may appear only once in a mapping (the second value would silently replace the first); remove or rename one',
      };
    }
    return { file, ...where, path: '', message: `YAML syntax error: ${e.message.split('\n')[0]}` };
  });
  // A key named __proto__ would set a prototype (in merges, in zod's records) instead of a member: refused.
  visit(doc, {
    Pair(_key, pair) {
      if (isScalar(pair.key) && pair.key.value === '__proto__') {
        errors.push({
          file,
          ...at(pair.key.range?.[0]),
          path: '',
          message: 'a key named "__proto__" is not allowed (JavaScript reads it as the prototype of the mapping): rename it',
        });
      }
    },
  });
  if (errors.length > 0) return { doc, lc, errors, value: undefined };
  try {
    return { doc, lc, errors, value: doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) };
  } catch (err) {
    // yaml throws (a ReferenceError) when aliases expand too much: a "billion laughs" bomb. Point at the first alias.
    let offset: number | undefined;
    visit(doc, {
      Alias(_key, node) {
        offset = node.range?.[0];
        return visit.BREAK;
      },
    });
    const why = /alias/i.test(errorMessage(err))
      ? `YAML aliases expand too much (more than ${MAX_YAML_ALIASES} alias expansions, as in a "billion laughs" bomb): write the values out instead of repeating anchors (*name)`
      : `YAML cannot be read: ${errorMessage(err)}`;
    return { doc, lc, errors: [{ file, ...at(offset), path: '', message: why }], value: undefined };
  }
}

/** One parsed policy (or base policy) file: its YAML document, for positions, and its plain value. */
export interface PolicySource {
  file: string;
  doc: Document;
  lc: LineCounter;
  raw: Record<string, unknown>;
}

/** Where a problem at `path` (of the merged policy) is written: the most derived file that sets it. */
export type Locate = (path: Key[], preferKey?: boolean) => { file: string; line: number; column: number };

/** Parses a policy file's YAML (syntax errors and an empty file are PolicyLoadErrors). No schema check yet. */
export function readPolicySource(text: string, file: string): PolicySource {
  const { doc, lc, errors, value: raw } = parseYaml(text, file);
  if (errors.length > 0) throw new PolicyLoadError(errors);
  if (raw === null || raw === undefined) {
    throw new PolicyLoadError([
      {
        file,
        line: 1,
        column: 1,
        path: '',
        message: 'the policy file is empty: expected a mapping with `version: 1`, `severity` and `gates`',
      },
    ]);
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new PolicyLoadError([
      { file, line: 1, column: 1, path: '', message: 'expected a mapping (key: value) with `version: 1`, `severity` and `gates`' },
    ]);
  }
  return { file, doc, lc, raw: raw as Record<string, unknown> };
}

/** Locates paths in the most derived source that has them (sources: most derived first). */
export function locator(sources: PolicySource[]): Locate {
  return (path, preferKey = false) => {
    const owner = sources.find((s) => s.doc.hasIn(path)) ?? sources[0];
    if (!owner) return { file: 'policy', line: 1, column: 1 };
    return { file: owner.file, ...positionOf(owner.doc, owner.lc, path, preferKey) };
  };
}

/** Validates a (possibly merged) policy value: the schema, then the semantic checks. Throws PolicyLoadError. */
export function validatePolicy(raw: unknown, locate: Locate): PolicyParsed {
  const errors: PolicyError[] = [];
  const parsed = policySchemas().PolicySchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of unfoldIssues(parsed.error.issues)) {
      const path = issue.path.filter((k): k is Key => typeof k === 'string' || typeof k === 'number');
      if (issue.code === 'unrecognized_keys') {
        for (const k of issue.keys) {
          errors.push({
            ...locate([...path, k], true),
            path: pathText([...path, k]),
            message: describeIssue({ ...issue, keys: [k] }, undefined),
          });
        }
        continue;
      }
      errors.push({ ...locate(path), path: pathText(path), message: describeIssue(issue, valueAt(raw, path)) });
    }
    // Every problem in one run: without the keys and values the schema refused, the rest gets its semantic checks
    // too (an unknown key no longer hides a bad level until it is fixed).
    // What follows from a removed value (its parent's "needs reason") is not reported twice.
    const issues = unfoldIssues(parsed.error.issues);
    const removed = issues.map((i) => pathText(i.path.filter((k): k is Key => typeof k === 'string' || typeof k === 'number')));
    const related = (a: string, b: string) =>
      a === b || (a.startsWith(b) && /^[.[]/.test(a.slice(b.length))) || (b.startsWith(a) && /^[.[]/.test(b.slice(a.length)));
    const rest = policySchemas().PolicySchema.safeParse(withoutIssues(raw, issues));
    if (rest.success) {
      semanticChecks(rest.data, (path, message, key = false) => {
        const at = pathText(path);
        if (!removed.some((r) => related(at, r))) errors.push({ ...locate(path, key), path: at, message });
      });
    }
    throw new PolicyLoadError(errors);
  }
  const policy = parsed.data;
  semanticChecks(policy, (path, message, key = false) => errors.push({ ...locate(path, key), path: pathText(path), message }));
  if (errors.length > 0) throw new PolicyLoadError(errors);
  return policy;
}

/**
 * Parses and validates a self-contained policy file. Throws PolicyLoadError listing every problem with
 * file:line:column. Pure: the caller reads the file. A policy with `extends` is loaded by src/io/policy.ts.
 */
export function parsePolicy(text: string, file: string): PolicyParsed {
  const src = readPolicySource(text, file);
  return validatePolicy(src.raw, locator([src]));
}

/** Checks that need more than the schema: level names exist, SLA keys, duplicate levels, band order. */
function semanticChecks(p: PolicyParsed, report: (path: Key[], message: string, key?: boolean) => void): void {
  const levels = p.severity.levels;
  const known = new Set(levels);
  const list = levels.join(', ');
  const checkLevel = (path: Key[], level: string | undefined, key = false) => {
    if (level !== undefined && !known.has(level)) report(path, `unknown level "${level}": expected one of ${list}`, key);
  };
  const seen = new Set<string>();
  levels.forEach((l, i) => {
    if (seen.has(l)) report(['severity', 'levels', i], `level "${l}" is listed twice`);
    seen.add(l);
  });
  for (const [k] of Object.entries(p.severity['from-score'] ?? {})) checkLevel(['severity', 'from-score', k], k, true);
  const bands = Object.entries(p.severity['from-score'] ?? {}).filter(([k]) => known.has(k));
  for (const [k, v] of bands) {
    for (const [k2, v2] of bands) {
      if (levels.indexOf(k) < levels.indexOf(k2) && v <= v2) {
        report(['severity', 'from-score', k], `band of "${k}" (${v}) must be higher than the band of the less severe "${k2}" (${v2})`);
      }
    }
  }
  for (const [k, v] of Object.entries(p.severity['from-level'] ?? {})) checkLevel(['severity', 'from-level', k], v);
  for (const [k, v] of Object.entries(p.severity['from-scanner'] ?? {})) checkLevel(['severity', 'from-scanner', k], v);
  checkLevel(['severity', 'default'], p.severity.default);
  p.severity.rules.forEach((r, i) => {
    const base: Key[] = ['severity', 'rules', i];
    checkLevel([...base, 'set'], r.set);
    checkLevel([...base, 'floor'], r.floor);
    checkLevel([...base, 'cap'], r.cap);
    if (r.set === undefined && r.raise === undefined && r.lower === undefined && r.floor === undefined && r.cap === undefined) {
      report(base, `rule "${r.name}" changes nothing: give one of set, raise, lower, floor, cap`);
    }
    if (Object.keys(r.when).length === 0)
      report(
        [...base, 'when'],
        `rule "${r.name}" has no conditions: it would apply to every finding; use \`severity.default\` or add a condition`,
      );
  });
  for (const [k, v] of Object.entries(p.sla ?? {})) {
    if (k === 'due-soon') {
      if (!(typeof v === 'number' || (typeof v === 'string' && /^\s*\d+(\.\d+)?\s*%\s*$/.test(v)))) {
        report(['sla', k], 'expected days (a number) or a percentage of the SLA such as "25%"');
      }
    } else if (k === 'restart-on-reopen') {
      if (typeof v !== 'boolean') report(['sla', k], 'expected true or false');
    } else if (k === 'by-criticality') {
      checkSlaByCriticality(v, known, list, report);
    } else if (!known.has(k)) {
      report(['sla', k], `unknown level "${k}": expected one of ${list}, due-soon or restart-on-reopen`, true);
    } else if (typeof v !== 'number') {
      report(['sla', k], 'expected a number of days');
    }
  }
  const compNames = new Set<string>();
  (p.components ?? []).forEach((c, i) => {
    if (compNames.has(c.name)) report(['components', i, 'name'], `component "${c.name}" is listed twice`);
    compNames.add(c.name);
    if (!c.paths?.length && !c.packages?.length)
      report(['components', i], `component "${c.name}" matches nothing: give \`paths\` or \`packages\``);
  });
  const crit = p.criticality;
  if (crit) {
    if ('method' in crit) {
      for (const lk of ['high', 'medium', 'low'] as const) {
        for (const l of parseSeverityComparison(crit.likelihood[lk]).levels) checkLevel(['criticality', 'likelihood', lk], l);
        for (const lv of ['high', 'medium', 'low'] as const) checkLevel(['criticality', 'matrix', lk, lv], crit.matrix[lk][lv]);
      }
    } else {
      for (const k of ['high', 'medium', 'low'] as const) {
        const a = crit[k];
        if (!a) continue;
        checkLevel(['criticality', k, 'set'], a.set);
        checkLevel(['criticality', k, 'floor'], a.floor);
        checkLevel(['criticality', k, 'cap'], a.cap);
      }
    }
  }
  for (const [k, v] of Object.entries(p['owasp-risk']?.levels ?? {})) checkLevel(['owasp-risk', 'levels', k], v);
  if (p.exceptions) {
    const sec = p.exceptions;
    for (const k of Object.keys(sec['max-days'] ?? {})) checkLevel(['exceptions', 'max-days', k], k, true);
    for (const [type, cmp] of Object.entries(sec.allow ?? {})) {
      for (const l of parseSeverityComparison(cmp).levels) checkLevel(['exceptions', 'allow', type], l);
    }
    checkExceptionEntries(sec.entries ?? [], sec, levels, (i, key, message) =>
      report(['exceptions', 'entries', i, ...key], message, key.length > 0 && key[0] !== 'match'),
    );
  }
  if (Object.keys(p.gates).length === 0)
    report(['gates'], 'no gate profile: add at least one, e.g. `production: [{name: No critical, severity: critical}]`');
  const resolved = resolveProfiles(p.gates);
  for (const problem of resolved.problems) report(['gates', problem.profile], problem.message, true);
  for (const [profile, def] of Object.entries(p.gates)) {
    const names = new Set<string>();
    const own = ownRules(def);
    const base: Key[] = Array.isArray(def) ? ['gates', profile] : ['gates', profile, 'rules'];
    own.forEach((g, i) => {
      if (names.has(g.name)) report([...base, i, 'name'], `gate rule name "${g.name}" is used twice in profile "${profile}"`);
      names.add(g.name);
      if (g.severity !== undefined) {
        const c = parseSeverityComparison(g.severity);
        for (const l of c.levels) checkLevel([...base, i, 'severity'], l);
      }
    });
  }
}

/** `sla.by-criticality`: {high|medium|low: {level: days}}; level names must exist. */
function checkSlaByCriticality(
  v: unknown,
  known: Set<string>,
  list: string,
  report: (path: Key[], message: string, key?: boolean) => void,
): void {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    report(['sla', 'by-criticality'], 'expected days per criticality and level, e.g. {high: {critical: 3}, low: {critical: 14}}');
    return;
  }
  for (const [crit, cells] of Object.entries(v)) {
    if (crit !== 'high' && crit !== 'medium' && crit !== 'low') {
      report(['sla', 'by-criticality', crit], `unknown criticality "${crit}": expected high, medium or low`, true);
      continue;
    }
    if (typeof cells !== 'object' || cells === null || Array.isArray(cells)) {
      report(['sla', 'by-criticality', crit], 'expected days per level, e.g. {critical: 3, high: 14}');
      continue;
    }
    for (const [level, days] of Object.entries(cells)) {
      if (!known.has(level)) report(['sla', 'by-criticality', crit, level], `unknown level "${level}": expected one of ${list}`, true);
      else if (typeof days !== 'number') report(['sla', 'by-criticality', crit, level], 'expected a number of days');
    }
  }
}

type ExceptionsRules = NonNullable<PolicyParsed['exceptions']>;

const DEFAULT_REQUIRED = ['reason', 'approved-by', 'expires'] as const;

/**
 * Checks exception entries against the policy's rules: required fields, type-specific fields, dates in order, the
 * longest window any allowed level permits, a non-empty match, a valid version range. Duplicate ids within the list.
 */
export function checkExceptionEntries(
  entries: ExceptionEntryInput[],
  rules: ExceptionsRules | undefined,
  levels: string[],
  report: (index: number, key: Key[], message: string) => void,
): void {
  const required = rules?.require ?? DEFAULT_REQUIRED;
  const seen = new Set<string>();
  entries.forEach((e, i) => {
    if (seen.has(e.id)) report(i, ['id'], `exception id "${e.id}" is used twice: ids must be unique`);
    seen.add(e.id);
    for (const field of required) {
      if (e[field] === undefined) report(i, [], `exception "${e.id}" needs \`${field}\` (policy \`exceptions.require\`)`);
    }
    if (e.type === 'mitigated' && !e.control)
      report(i, [], `exception "${e.id}" is \`mitigated\`: name the compensating control in \`control\``);
    if (e.type === 'sla-extension' && !e.due)
      report(i, [], `exception "${e.id}" is an \`sla-extension\`: give the new due date in \`due\``);
    if (e.type !== 'sla-extension' && e.due) report(i, ['due'], `\`due\` is only for sla-extension exceptions`);
    if (Object.keys(e.match).length === 0)
      report(i, ['match'], `exception "${e.id}" matches nothing: give a fingerprint, rule, path, cve, package, component or tool`);
    if (e.match.version !== undefined) {
      try {
        compileVersionRange(e.match.version);
      } catch (err) {
        report(i, ['match', 'version'], errorMessage(err));
      }
      if (e.match.package === undefined && e.match.cve === undefined)
        report(i, ['match', 'version'], '`version` needs `package` or `cve` beside it');
    }
    if (e['approved-on'] && e.expires) {
      const days = (Date.parse(`${e.expires}T00:00:00Z`) - Date.parse(`${e['approved-on']}T00:00:00Z`)) / 86_400_000;
      if (days < 0) report(i, ['expires'], `expires (${e.expires}) is before approved-on (${e['approved-on']})`);
      const maxDays = rules?.['max-days'];
      if (maxDays && days >= 0) {
        // The longest window any level this type may apply to allows; per-finding limits are checked when applied.
        const allowed = levels.filter((l) => Object.hasOwn(maxDays, l));
        const longest = allowed.length ? Math.max(...allowed.map((l) => maxDays[l] as number)) : undefined;
        if (longest !== undefined && days > longest) {
          report(
            i,
            ['expires'],
            `the exception runs ${days} days from approved-on to expires; the policy allows at most ${longest} (exceptions.max-days)`,
          );
        }
      }
    }
  });
}

export interface LoadedExceptions {
  entries: ExceptionEntryInput[];
  /** Position of each entry's id, for duplicate-id errors across files. */
  positions: { line: number; column: number }[];
}

/** Parses and checks an included exceptions file (YAML with `entries:`). Throws PolicyLoadError. */
export function parseExceptionsFile(text: string, file: string, rules: ExceptionsRules | undefined, levels: string[]): LoadedExceptions {
  const { doc, lc, errors, value } = parseYaml(text, file);
  if (errors.length > 0) throw new PolicyLoadError(errors);
  const parsed = policySchemas().ExceptionsFileSchema.safeParse(value ?? {});
  if (!parsed.success) {
    for (const issue of unfoldIssues(parsed.error.issues)) {
      const path = issue.path.filter((k): k is Key => typeof k === 'string' || typeof k === 'number');
      errors.push({ file, ...positionOf(doc, lc, path), path: pathText(path), message: describeIssue(issue, valueAt(value, path)) });
    }
    throw new PolicyLoadError(errors);
  }
  const entries = parsed.data.entries;
  checkExceptionEntries(entries, rules, levels, (i, key, message) =>
    errors.push({
      file,
      ...positionOf(doc, lc, ['entries', i, ...key], key.length > 0 && key[0] !== 'match'),
      path: pathText(['entries', i, ...key]),
      message,
    }),
  );
  if (errors.length > 0) throw new PolicyLoadError(errors);
  return { entries, positions: entries.map((_, i) => positionOf(doc, lc, ['entries', i, 'id'])) };
}
