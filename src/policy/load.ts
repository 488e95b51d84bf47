import { isMap, isNode, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { PolicySchema, type PolicyParsed } from './schema';
import { parseSeverityComparison } from './compare';

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

export class PolicyLoadError extends Error {
  constructor(readonly errors: PolicyError[]) {
    super(
      `invalid policy (${errors.length} problem${errors.length === 1 ? '' : 's'}):\n${errors.map((e) => `  ${formatPolicyError(e)}`).join('\n')}`,
    );
    this.name = 'PolicyLoadError';
  }
}

type Key = string | number;

function pathText(path: readonly Key[]): string {
  let s = '';
  for (const k of path) s += typeof k === 'number' ? `[${k}]` : s ? `.${k}` : k;
  return s;
}

/** Position of the node at `path`, or of its nearest existing ancestor (for missing keys). */
function positionOf(doc: Document, lc: LineCounter, path: readonly Key[], preferKey = false): { line: number; column: number } {
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

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}: check the spelling against the policy format in the README`;
    case 'invalid_type':
      return issue.message.includes('received undefined') ? `missing required key: expected ${issue.expected}` : issue.message;
    default:
      return issue.message;
  }
}

/**
 * Parses and validates a policy file. Throws PolicyLoadError listing every problem with file:line:column.
 * Pure: the caller reads the file.
 */
export function parsePolicy(text: string, file: string): PolicyParsed {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const errors: PolicyError[] = [];
  for (const e of doc.errors) {
    const pos = e.linePos?.[0] ?? { line: 1, col: 1 };
    errors.push({ file, line: pos.line, column: pos.col, path: '', message: `YAML syntax error: ${e.message.split('\n')[0]}` });
  }
  if (errors.length > 0) throw new PolicyLoadError(errors);
  const raw: unknown = doc.toJS({ maxAliasCount: 100 });
  if (raw === null || raw === undefined) {
    throw new PolicyLoadError([{ file, line: 1, column: 1, path: '', message: 'the policy file is empty: expected a mapping with `version: 1`, `severity` and `gates`' }]);
  }
  const parsed = PolicySchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.filter((k): k is Key => typeof k === 'string' || typeof k === 'number');
      if (issue.code === 'unrecognized_keys') {
        for (const k of issue.keys) {
          errors.push({ file, ...positionOf(doc, lc, [...path, k], true), path: pathText([...path, k]), message: describeIssue({ ...issue, keys: [k] }) });
        }
        continue;
      }
      errors.push({ file, ...positionOf(doc, lc, path), path: pathText(path), message: describeIssue(issue) });
    }
    throw new PolicyLoadError(errors);
  }
  const policy = parsed.data;
  semanticChecks(policy, (path, message, key = false) => errors.push({ file, ...positionOf(doc, lc, path, key), path: pathText(path), message }));
  if (errors.length > 0) throw new PolicyLoadError(errors);
  return policy;
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
    if (Object.keys(r.when).length === 0) report([...base, 'when'], `rule "${r.name}" has no conditions: it would apply to every finding; use \`severity.default\` or add a condition`);
  });
  for (const [k, v] of Object.entries(p.sla ?? {})) {
    if (k === 'due-soon') {
      if (!(typeof v === 'number' || (typeof v === 'string' && /^\s*\d+(\.\d+)?\s*%\s*$/.test(v)))) {
        report(['sla', k], 'expected days (a number) or a percentage of the SLA such as "25%"');
      }
    } else if (k === 'restart-on-reopen') {
      if (typeof v !== 'boolean') report(['sla', k], 'expected true or false');
    } else if (!known.has(k)) {
      report(['sla', k], `unknown level "${k}": expected one of ${list}, due-soon or restart-on-reopen`, true);
    } else if (typeof v !== 'number') {
      report(['sla', k], 'expected a number of days');
    }
  }
  if (Object.keys(p.gates).length === 0) report(['gates'], 'no gate profile: add at least one, e.g. `production: [{name: No critical, severity: critical}]`');
  for (const [profile, rules] of Object.entries(p.gates)) {
    const names = new Set<string>();
    rules.forEach((g, i) => {
      const base: Key[] = ['gates', profile, i];
      if (names.has(g.name)) report([...base, 'name'], `gate rule name "${g.name}" is used twice in profile "${profile}"`);
      names.add(g.name);
      if (g.severity !== undefined) {
        const c = parseSeverityComparison(g.severity);
        for (const l of c.levels) checkLevel([...base, 'severity'], l);
      }
    });
  }
}
