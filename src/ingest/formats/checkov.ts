/**
 * Checkov JSON (`checkov -o json`): one report object per framework (`check_type`, `results`, `summary`), an array of
 * them, or a summary-only object when nothing was scanned. Failed checks are findings; skipped checks are reported
 * with an in-source suppression; passed checks are not findings.
 */
import type { Finding, ScannerSuppression } from '../../model';
import { hashParts } from '../fingerprint';
import { normalizePath } from '../paths';
import type { FormatParser, ParseContext, ParseResult } from '../types';
import { arr, describeValue, firstLine, isObj, num, own, posInt, text, type Obj } from '../values';
import { Collector } from './collector';
import { ToolSet, toolRef } from './tool-refs';
import { lower } from './text-fields';

function isReport(v: unknown): boolean {
  return isObj(v) && typeof own(v, 'check_type') === 'string' && isObj(own(v, 'results'));
}

/** `{"passed": 0, "failed": 0, …, "checkov_version": "2.1.269"}`: written when no file was scanned. */
function isSummaryOnly(v: unknown): boolean {
  return (
    isObj(v) &&
    typeof own(v, 'checkov_version') === 'string' &&
    typeof own(v, 'passed') === 'number' &&
    typeof own(v, 'failed') === 'number'
  );
}

/** Repository-relative path: the absolute path when it lies in the workspace, else the path relative to the scan root. */
function checkovPath(c: Obj, ctx: ParseContext): { path?: string; location?: string } {
  const abs = text(own(c, 'file_abs_path'));
  if (abs && ctx.workspace) {
    const n = normalizePath(abs, ctx.workspace);
    if ('path' in n) return n;
  }
  const rel = text(own(c, 'repo_file_path')) ?? text(own(c, 'file_path'));
  if (!rel) return {};
  // Checkov writes paths relative to the scanned directory with a leading `/`.
  const n = normalizePath(rel.replace(LEADING_SLASHES, ''), ctx.workspace);
  return 'path' in n ? { path: n.path } : { location: n.location };
}
const LEADING_SLASHES = /^\/+/;

function toFinding(
  c: Obj,
  checkType: string | undefined,
  pointer: string,
  suppressions: ScannerSuppression[],
  ctx: ParseContext,
  tool: Finding['tool'],
): Finding {
  const ruleId = text(own(c, 'check_id')) ?? 'unknown';
  const name = text(own(c, 'check_name')) ?? ruleId;
  const resource = text(own(c, 'resource'));
  const where = checkovPath(c, ctx);
  let message = text(own(c, 'description')) ?? text(own(c, 'short_description')) ?? name;
  if (resource) message += `\n\nResource: ${resource}`;
  const tags = ['iac'];
  if (checkType) tags.push(checkType);
  const bcId = text(own(c, 'bc_check_id'));
  if (bcId) tags.push(bcId);
  const category = text(own(c, 'bc_category'));
  if (category) tags.push(category);
  const f: Finding = {
    // The resource identifies the finding in the file (line numbers move, the resource address does not).
    fingerprint: hashParts('checkov', ruleId, where.path ?? where.location, resource ?? name),
    fingerprintSource: 'computed:resource',
    tool,
    source: { file: ctx.file, format: 'checkov', pointer },
    ruleId,
    title: firstLine(name),
    message,
    kind: 'iac',
    cwe: [],
    cve: [],
    tags,
    resultKind: 'fail',
    suppressions,
    ...where,
  };
  const guideline = text(own(c, 'guideline'));
  if (guideline) f.helpUri = guideline;
  const severity = lower(text(own(c, 'severity')));
  if (severity) f.scannerSeverity = severity;
  if (resource) f.component = resource;
  const range = arr(own(c, 'file_line_range'));
  const start = posInt(range[0]);
  const end = posInt(range[1]);
  if (start !== undefined) {
    f.startLine = start;
    if (end !== undefined && end >= start) f.endLine = end;
  }
  return f;
}

function parseReport(report: Obj, path: string, p: Collector, ctx: ParseContext, out: Finding[], tool: Finding['tool']): void {
  const checkType = text(own(report, 'check_type'));
  const results = own(report, 'results');
  if (results === undefined) {
    // Checkov writes only a summary (`{"passed": 0, "failed": 0, …, "checkov_version"}`) when it found no file to
    // check: clean when it counts no failure; failures counted but not listed may be hidden findings.
    const failed = num(own(report, 'failed'));
    if (isSummaryOnly(report) && failed === 0) return;
    p.error(
      `${path}.results`,
      isSummaryOnly(report)
        ? `missing: the summary counts ${describeValue(own(report, 'failed'))} failed check(s) but the report lists none`
        : 'missing: a Checkov report lists its checks in results.failed_checks',
      'ask Checkov for the full JSON report (-o json), not only the summary',
    );
    return;
  }
  if (!isObj(results)) {
    p.error(
      `${path}.results`,
      `expected an object, found ${Array.isArray(results) ? 'an array' : typeof results}`,
      'the results of this framework were skipped',
    );
    return;
  }
  // Checkov always writes failed_checks (also with --quiet, which leaves out passed_checks): its absence hides findings.
  p.required(
    own(results, 'failed_checks'),
    `${path}.results.failed_checks`,
    'a Checkov report lists its failed checks in results.failed_checks',
  ).forEach((v, i) => {
    const pointer = `${path}.results.failed_checks[${i}]`;
    const c = p.object(v, pointer, 'the check was skipped');
    if (c) out.push(toFinding(c, checkType, pointer, [], ctx, tool));
  });
  p.array(own(results, 'skipped_checks'), `${path}.results.skipped_checks`).forEach((v, i) => {
    const pointer = `${path}.results.skipped_checks[${i}]`;
    const c = p.object(v, pointer, 'the check was skipped');
    if (!c) return;
    const s: ScannerSuppression = { kind: 'inSource' };
    const why = text(own(own(c, 'check_result'), 'suppress_comment'));
    if (why) s.justification = why;
    out.push(toFinding(c, checkType, pointer, [s], ctx, tool));
  });
  p.array(own(results, 'parsing_errors'), `${path}.results.parsing_errors`).forEach((v, i) => {
    const file = text(v) ?? text(own(v, 'file'));
    p.error(`${path}.results.parsing_errors[${i}]`, `Checkov could not parse ${file ?? 'a file'}`, 'that file was not checked', 'scanner');
  });
}

export const checkovParser: FormatParser = {
  id: 'checkov',
  label: 'Checkov JSON',
  syntax: 'json',
  detect(doc) {
    if (Array.isArray(doc)) return doc.length > 0 && doc.every((x) => isReport(x) || isSummaryOnly(x));
    return isReport(doc) || isSummaryOnly(doc);
  },
  parse(doc, ctx): ParseResult {
    const p = new Collector(ctx.file, 'checkov');
    const findings: Finding[] = [];
    const tools = new ToolSet();
    const reports: { v: unknown; path: string }[] = Array.isArray(doc)
      ? doc.map((v, i) => ({ v, path: `$[${i}]` }))
      : [{ v: doc, path: '$' }];
    for (const { v, path } of reports) {
      const report = p.object(v, path, 'the report was skipped');
      if (!report) continue;
      const version = text(own(own(report, 'summary'), 'checkov_version')) ?? text(own(report, 'checkov_version'));
      const tool = tools.add(toolRef('Checkov', version));
      parseReport(report, path, p, ctx, findings, tool);
    }
    return { findings, errors: p.errors, tools: tools.list() };
  },
};
