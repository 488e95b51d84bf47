/**
 * defect-gate manual findings files (`kind: defect-gate/findings`, YAML or JSON; schema in findings-schema.ts): the
 * findings of pentests, bug bounties, threat models, code reviews, disclosures and audits, read like a scanner's.
 *
 * - tool and kind: the finding's `source` (the activity), so policies match `tool:`/`kind:` and metrics count the
 *   activity; every source given in the file is a tool that ran (an empty list records an activity that found nothing).
 * - fingerprint and rule: the finding's `id`, as written (stable across edits of the title; exceptions match it).
 * - `reported-on` → `firstDetected` (the ledger's first seen when earlier than the run, so the SLA clock starts there);
 *   `status: fixed` + `fixed-on` → `fixed.on` (reported, not gated, closed in the ledger on that day).
 * - `severity` → the scanner severity word; `cvss` → the vector (no score yet); `owasp-risk` → the factors as data.
 *
 * Fail closed: a finding that breaks the schema (unknown key, no rating, no location, a date that does not exist,
 * `fixed` without `fixed-on`, a repeated id) is an input error at its line and column and is not read; a file whose
 * top level is wrong is not read at all.
 */
import type { z } from 'zod';
import { owaspRiskFactors, type Finding, type InputError, type ToolRef } from '../../model';
import type { FormatParser, ParseContext, ParseResult } from '../types';
import { cweId, isObj, jsonKey, own } from '../values';
import { locate } from './collector';
import { FINDINGS_FILE_KIND, findingsSchemas, type ManualFindingInput } from './findings-schema';

const FORMAT = 'findings';

type Key = string | number;

function detect(doc: unknown): boolean {
  return isObj(doc) && own(doc, 'kind') === FINDINGS_FILE_KIND;
}

function pointerOf(path: readonly Key[]): string {
  return `$${path.map((k) => jsonKey(k)).join('')}`;
}

const findingKeys = () => Object.keys(findingsSchemas().ManualFindingSchema.shape).join(', ');
const fileKeys = () => Object.keys(findingsSchemas().FindingsFileSchema.shape).join(', ');

function issueMessage(issue: z.core.$ZodIssue, key?: string): string {
  if (issue.code === 'unrecognized_keys') {
    const inFinding = issue.path.length === 2 && issue.path[0] === 'findings';
    const inTop = issue.path.length === 0;
    return `unknown key "${key}"${inFinding ? `: a finding has ${findingKeys()}` : inTop ? `: a findings file has ${fileKeys()}` : ''}`;
  }
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) {
    const last = issue.path[issue.path.length - 1];
    return `missing required key${typeof last === 'string' ? ` "${last}"` : ''}: expected ${issue.expected}`;
  }
  if (issue.code === 'invalid_union') return 'invalid value: see the findings format (docs/manual-findings.md)';
  return issue.message;
}

class Errors {
  readonly list: InputError[] = [];
  constructor(
    private readonly ctx: ParseContext,
    private readonly severity: InputError['severity'],
  ) {}
  add(path: readonly Key[], message: string, hint?: string, preferKey = false, severity = this.severity): void {
    const pos = this.ctx.locate?.(path, preferKey);
    const e: InputError = { file: this.ctx.file, jsonPath: pointerOf(path), message, severity };
    if (pos) {
      e.line = pos.line;
      e.column = pos.column;
    }
    if (hint) e.hint = hint;
    this.list.push(e);
  }
  zod(issues: readonly z.core.$ZodIssue[], base: readonly Key[], hint: string, severity = this.severity): void {
    for (const issue of issues) {
      const path = [...base, ...issue.path.filter((k): k is Key => typeof k === 'string' || typeof k === 'number')];
      if (issue.code === 'unrecognized_keys') {
        for (const k of issue.keys)
          this.add([...path, k], issueMessage({ ...issue, path: [...base, ...issue.path] }, k), hint, true, severity);
        continue;
      }
      this.add(path, issueMessage({ ...issue, path: [...base, ...issue.path] }), hint, false, severity);
    }
  }
}

const SKIPPED = 'the finding was not read: correct it (docs/manual-findings.md has the format)';

/** Checks that need more than one key; each problem at its key. */
function crossChecks(f: ManualFindingInput, source: string | undefined, at: readonly Key[], errors: Errors): boolean {
  const before = errors.list.length;
  if (f.cvss === undefined && f.severity === undefined && f['owasp-risk'] === undefined) {
    errors.add(
      [...at, 'id'],
      `finding ${f.id} has no rating: give \`cvss\` (a CVSS 3.x or 4.0 vector), \`severity\` or \`owasp-risk\``,
      SKIPPED,
      true,
    );
  }
  if (f.path === undefined && f.component === undefined) {
    errors.add(
      [...at, 'id'],
      `finding ${f.id} has no location: give \`component\` (a policy component) or \`path\` (and \`line\`)`,
      SKIPPED,
      true,
    );
  }
  if (f.line !== undefined && f.path === undefined)
    errors.add([...at, 'line'], '`line` needs `path`: the file the line is in', SKIPPED, true);
  if (source === undefined)
    errors.add(
      [...at, 'id'],
      `finding ${f.id} has no \`source\`, and the file gives none`,
      `set \`source:\` on the finding or at the top of the file (${'pentest, bug-bounty, threat-model, code-review, disclosure, audit, other'})`,
      true,
    );
  const fixed = f.status === 'fixed';
  if (fixed && f['fixed-on'] === undefined)
    errors.add([...at, 'status'], '`status: fixed` needs `fixed-on` (YYYY-MM-DD): the day it was fixed', SKIPPED, true);
  if (!fixed && f['fixed-on'] !== undefined)
    errors.add(
      [...at, 'fixed-on'],
      '`fixed-on` is given but `status` is not `fixed`: set `status: fixed`, or remove `fixed-on`',
      SKIPPED,
      true,
    );
  if (f['fixed-on'] !== undefined && f['fixed-on'] < f['reported-on']) {
    errors.add([...at, 'fixed-on'], `\`fixed-on\` ${f['fixed-on']} is before \`reported-on\` ${f['reported-on']}`, SKIPPED);
  }
  return errors.list.length === before;
}

function asList<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function toFinding(f: ManualFindingInput, source: string, index: number, ctx: ParseContext, reportedBy: string | undefined): Finding {
  const tool: ToolRef = { name: source };
  const cwe = [...new Set(asList(f.cwe).map((c) => cweId(String(c)) as string))];
  const where = locate(f.path, ctx.workspace);
  const refs = f.references ?? [];
  const by = f['reported-by'] ?? reportedBy;
  const finding: Finding = {
    fingerprint: f.id,
    fingerprintSource: 'findings:id',
    tool,
    source: { file: ctx.file, format: FORMAT, pointer: `$.findings[${index}]` },
    ruleId: f.id,
    title: f.title,
    message: f.description?.trim() ? f.description : f.title,
    kind: source === 'other' ? 'other' : (source as Finding['kind']),
    cwe,
    cve: [...new Set(asList(f.cve).map((c) => c.trim()))],
    tags: f.tags ?? [],
    resultKind: 'fail',
    suppressions: [],
    ...where,
    firstDetected: `${f['reported-on']}T00:00:00.000Z`,
  };
  if (refs[0]) finding.helpUri = refs[0];
  if (refs.length) finding.references = refs;
  if (f.severity !== undefined) finding.scannerSeverity = f.severity.trim().toLowerCase();
  if (f.cvss !== undefined) finding.cvss = { version: f.cvss.slice(5, 8), vector: f.cvss };
  if (f['owasp-risk'] !== undefined) finding.owaspRisk = owaspRiskFactors(f['owasp-risk']);
  if (f.component !== undefined) {
    finding.component = f.component;
    // A finding with a component and no file is shown at the component.
    if (!finding.path && !finding.location) finding.location = `component ${f.component}`;
  }
  if (f.line !== undefined && finding.path) finding.startLine = f.line;
  if (by) finding.reportedBy = by;
  if (f.status === 'fixed' && f['fixed-on']) finding.fixed = { on: `${f['fixed-on']}T00:00:00.000Z` };
  return finding;
}

let headParser: ReturnType<typeof headSchema> | undefined;
/** The top level without the findings, which are checked one by one (a bad finding does not cost the others). */
const headSchema = () => findingsSchemas().FindingsFileSchema.omit({ findings: true });

function parse(doc: unknown, ctx: ParseContext): ParseResult {
  const fatal = new Errors(ctx, 'fatal');
  if (!isObj(doc)) {
    fatal.add([], 'expected a mapping with `kind: defect-gate/findings`, `version: 1` and `findings`');
    return { findings: [], errors: fatal.list, tools: [] };
  }
  // The top level first (without the findings): a wrong version or an unknown key there means the file is not read.
  const { findings: rawFindings, ...top } = doc as Record<string, unknown>;
  const head = (headParser ??= headSchema()).safeParse(top);
  if (!head.success) fatal.zod(head.error.issues, [], 'the file was not read: correct it (docs/manual-findings.md has the format)');
  if (!Array.isArray(rawFindings)) {
    fatal.add(
      ['findings'],
      rawFindings === undefined
        ? 'missing required key "findings": the list of findings (write `findings: []` when the activity found nothing)'
        : 'expected `findings` to be a list',
      'the file was not read',
    );
  }
  if (!head.success || !Array.isArray(rawFindings)) return { findings: [], errors: fatal.list, tools: [] };
  const fileSource = head.data.source;
  const errors = new Errors(ctx, 'partial');
  const findings: Finding[] = [];
  const sources = new Set<string>(fileSource ? [fileSource] : []);
  const firstAt = new Map<string, number>();
  let unscored = 0;
  rawFindings.forEach((raw: unknown, i: number) => {
    const at: Key[] = ['findings', i];
    const r = findingsSchemas().ManualFindingSchema.safeParse(raw);
    if (!r.success) {
      errors.zod(r.error.issues, at, SKIPPED);
      return;
    }
    const f = r.data;
    const source = f.source ?? fileSource;
    if (!crossChecks(f, source, at, errors) || source === undefined) return;
    const first = firstAt.get(f.id);
    if (first !== undefined) {
      errors.add(
        [...at, 'id'],
        `id ${f.id} is already used by findings[${first}]: each finding needs its own id (it is the finding's identity in the ledger)`,
        'this finding was not read: give it a new id',
        false,
      );
      return;
    }
    firstAt.set(f.id, i);
    sources.add(source);
    if (f.severity === undefined) unscored++;
    findings.push(toFinding(f, source, i, ctx, head.data['reported-by']));
  });
  if (unscored > 0) {
    // Scores from CVSS vectors and OWASP factors are computed by the rating; until then such a finding gets the
    // policy's default level, which its explanation says. Said once per file, as a warning.
    errors.list.push({
      file: ctx.file,
      message: `${unscored} finding(s) are rated only by a CVSS vector or OWASP risk factors, which are not scored yet: they get the policy's severity.default (their explanation says so)`,
      hint: 'add `severity:` to the findings to rate them now',
      severity: 'scanner',
    });
  }
  return { findings, errors: [...fatal.list, ...errors.list], tools: [...sources].map((name) => ({ name })) };
}

export const findingsParser: FormatParser = {
  id: FORMAT,
  label: 'defect-gate findings (YAML or JSON)',
  syntax: 'json',
  yaml: { marker: /^kind:[ \t]*(['"]?)defect-gate\/findings\1[ \t]*(?:#.*)?$/m },
  detect,
  parse,
};
