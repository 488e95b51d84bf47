/** Bandit (Python SAST) JSON report: `results[]`, `errors[]`, `metrics`, `generated_at`. */
import type { Finding } from '../../model';
import { computeFingerprint } from '../fingerprint';
import type { FormatParser, ParseContext, ParseResult } from '../types';
import { arr, cweId, firstLine, isObj, num, own, posInt, text } from '../values';
import { Collector, locate } from './collector';
import { toolRef } from './tool-refs';
import { lower } from './text-fields';

/**
 * The text of line `line` from Bandit's `code` excerpt, whose lines read `<number> <text>`
 * (e.g. `"22     try:\n23         tree = …"`).
 */
export function banditCodeLine(code: string | undefined, line: number | undefined): string | undefined {
  if (!code || line === undefined) return undefined;
  const prefix = `${line} `;
  for (const l of code.split('\n')) {
    if (l.startsWith(prefix)) return l.endsWith('\r') ? l.slice(prefix.length, -1) : l.slice(prefix.length);
    if (l === String(line)) return '';
  }
  return undefined;
}

function toFinding(r: Record<string, unknown>, pointer: string, ctx: ParseContext, tool: Finding['tool']): Finding {
  const ruleId = text(own(r, 'test_id')) ?? text(own(r, 'test_name')) ?? 'unknown';
  const testName = text(own(r, 'test_name'));
  const issue = text(own(r, 'issue_text')) ?? testName ?? ruleId;
  const startLine = posInt(own(r, 'line_number'));
  const range = arr(own(r, 'line_range'))
    .map(posInt)
    .filter((n): n is number => n !== undefined);
  const issueCwe = own(r, 'issue_cwe');
  const cwe = cweId(isObj(issueCwe) ? own(issueCwe, 'id') : issueCwe);
  const confidence = lower(text(own(r, 'issue_confidence')));
  const tags = ['sast'];
  if (testName) tags.push(testName);
  if (confidence) tags.push(`confidence:${confidence}`);
  const f: Finding = {
    fingerprint: '',
    fingerprintSource: '',
    tool,
    source: { file: ctx.file, format: 'bandit', pointer },
    ruleId,
    title: firstLine(issue),
    message: issue,
    kind: 'sast',
    cwe: cwe ? [cwe] : [],
    cve: [],
    tags,
    resultKind: 'fail',
    suppressions: [],
  };
  const helpUri = text(own(r, 'more_info')) ?? (isObj(issueCwe) ? text(own(issueCwe, 'link')) : undefined);
  if (helpUri) f.helpUri = helpUri;
  const severity = lower(text(own(r, 'issue_severity')));
  if (severity) f.scannerSeverity = severity;
  Object.assign(f, locate(text(own(r, 'filename')), ctx.workspace));
  if (startLine !== undefined) {
    f.startLine = startLine;
    const end = range.length ? Math.max(...range) : undefined;
    if (end !== undefined && end >= startLine) f.endLine = end;
  }
  const col = num(own(r, 'col_offset'));
  if (col !== undefined) {
    const c = posInt(col + 1);
    if (c !== undefined) f.startColumn = c;
  }
  const endCol = num(own(r, 'end_col_offset'));
  if (endCol !== undefined && f.endLine === f.startLine) {
    const c = posInt(endCol + 1);
    if (c !== undefined) f.endColumn = c;
  }
  const codeLine = banditCodeLine(text(own(r, 'code')), startLine);
  if (codeLine !== undefined && codeLine.trim() !== '') f.snippet = codeLine;
  const lineText = (f.path && startLine !== undefined ? ctx.sourceLine?.(f.path, startLine) : undefined) ?? codeLine;
  const fp = computeFingerprint({ tool: 'bandit', ruleId, path: f.path ?? f.location, lineText, message: issue });
  f.fingerprint = fp.fingerprint;
  f.fingerprintSource = fp.source;
  return f;
}

export const banditParser: FormatParser = {
  id: 'bandit',
  label: 'Bandit JSON',
  syntax: 'json',
  detect(doc) {
    return isObj(doc) && Array.isArray(own(doc, 'results')) && isObj(own(doc, 'metrics')) && own(doc, 'generated_at') !== undefined;
  },
  parse(doc, ctx): ParseResult {
    const p = new Collector(ctx.file, 'bandit');
    const tool = toolRef('Bandit');
    const findings: Finding[] = [];
    p.required(own(doc, 'results'), '$.results', 'a Bandit report lists its findings in results').forEach((v, i) => {
      const pointer = `$.results[${i}]`;
      const r = p.object(v, pointer, 'the result was skipped');
      if (r) findings.push(toFinding(r, pointer, ctx, tool));
    });
    p.array(own(doc, 'errors'), '$.errors').forEach((v, i) => {
      const file = text(own(v, 'filename'));
      const reason = text(own(v, 'reason')) ?? (typeof v === 'string' ? v : 'unknown error');
      p.error(
        `$.errors[${i}]`,
        `Bandit could not scan ${file ?? 'a file'}: ${reason}`,
        'that file was not analyzed; fix the error or exclude the file',
        'scanner',
      );
    });
    return { findings, errors: p.errors, tools: [tool] };
  },
};
