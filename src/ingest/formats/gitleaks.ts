/**
 * Gitleaks JSON report: an array of leaks, with v7 field names (`rule`, `offender`, `line`, `lineNumber`, `file`,
 * `commit`, `tags` as a comma-separated string) or v8 ones (`RuleID`, `Secret`, `Match`, `StartLine`, `File`, `Commit`,
 * `Fingerprint`, `Tags[]`). The secret is never copied into a finding: snippets are redacted.
 * Gitleaks has no severity; `scannerSeverity` stays undefined.
 * Gitleaks' own `Fingerprint` (`commit:file:rule:line`) contains the line number, so it is not used as identity.
 */
import type { ToolRef } from '../../model';
import { computeFingerprint } from '../fingerprint';
import type { FormatParser, ParseContext, ParseResult } from '../types';
import { arr, firstLine, isObj, own, posInt, str, text, type Obj } from '../values';
import { Collector, locate } from './collector';
import { makeFinding, redactIn, redactSecret } from './dependency-findings';

const FORMAT = 'gitleaks';

function isLeak(v: unknown): boolean {
  if (!isObj(v)) return false;
  const v8 = typeof own(v, 'RuleID') === 'string' && ('Secret' in v || 'Match' in v) && ('File' in v || 'StartLine' in v);
  const v7 = typeof own(v, 'rule') === 'string' && 'offender' in v && ('file' in v || 'line' in v);
  return v8 || v7;
}

function detect(doc: unknown): boolean {
  // The first record decides; later malformed records become InputErrors.
  return Array.isArray(doc) && doc.length > 0 && isLeak(doc[0]);
}

function leak(c: Collector, o: Obj, pointer: string, tool: ToolRef, ctx: ParseContext): void {
  const v8 = 'RuleID' in o;
  const ruleId = text(own(o, v8 ? 'RuleID' : 'rule'));
  if (!ruleId) {
    c.error(pointer, `leak without ${v8 ? 'RuleID' : 'rule'}`, 'the record was skipped');
    return;
  }
  const secret = str(own(o, 'Secret')) ?? str(own(o, 'offender'));
  const match = str(own(o, 'Match'));
  const secrets = [secret, match && secret && match.includes(secret) ? undefined : match].filter((s): s is string => !!s);
  const fileRef = text(own(o, v8 ? 'File' : 'file'));
  const where = locate(fileRef, ctx.workspace);
  const startLine = posInt(own(o, v8 ? 'StartLine' : 'lineNumber'));
  const endLine = posInt(own(o, 'EndLine'));
  const startColumn = posInt(own(o, 'StartColumn'));
  const endColumn = posInt(own(o, 'EndColumn'));
  const description = text(own(o, 'Description')) ?? ruleId;
  const commit = text(own(o, v8 ? 'Commit' : 'commit'));
  const rawLine = str(own(o, 'line'));
  const tags = v8
    ? arr(own(o, 'Tags'))
        .map((t) => text(t))
        .filter((t): t is string => !!t)
    : (text(own(o, 'tags'))
        ?.split(',')
        .map((t) => t.trim())
        .filter(Boolean) ?? []);
  // The line (or matched text) is only hashed; the finding gets the redacted form.
  const lineText =
    (where.path && startLine !== undefined ? ctx.sourceLine?.(where.path, startLine) : undefined) ?? rawLine ?? match ?? secret;
  const fp = computeFingerprint({ tool: 'gitleaks', ruleId, path: where.path ?? where.location, lineText, message: description });
  const shown = rawLine ?? match;
  let snippet: string | undefined;
  if (shown !== undefined) {
    const red = redactIn(shown, secrets);
    // Only show a snippet when the redaction certainly removed the secret.
    snippet = secrets.some((s) => red.includes(s)) ? undefined : red.trim() ? red : undefined;
  }
  const where2 = fileRef ? ` in ${fileRef}` : '';
  const parts = [`${description}${where2}${commit ? ` (commit ${commit.slice(0, 12)})` : ''}.`];
  if (secret) parts.push(`Secret: ${redactSecret(secret)}`);
  c.add(
    makeFinding(c, {
      fingerprint: fp.fingerprint,
      fingerprintSource: fp.source,
      tool,
      pointer,
      ruleId,
      title: firstLine(description === ruleId ? `Secret: ${ruleId}` : description),
      message: parts.join('\n'),
      kind: 'secret',
      tags: [...new Set(tags)],
      ...where,
      startLine,
      endLine: endLine !== undefined && startLine !== undefined && endLine >= startLine ? endLine : undefined,
      startColumn,
      endColumn:
        endColumn !== undefined && (startLine !== endLine || startColumn === undefined || endColumn >= startColumn) ? endColumn : undefined,
      snippet,
      component: commit ? `commit:${commit}` : undefined,
    }),
  );
}

function parse(doc: unknown, ctx: ParseContext): ParseResult {
  const c = new Collector(ctx.file, FORMAT);
  const tool: ToolRef = { name: 'Gitleaks' };
  c.required(doc, '$', 'a Gitleaks report is a JSON array of leaks ([] when none)').forEach((x, i) => {
    const p = `$[${i}]`;
    const o = c.object(x, p);
    if (o) leak(c, o, p, tool, ctx);
  });
  if (!Array.isArray(doc) && c.errors.length > 0) {
    const first = c.errors[0];
    if (first) first.severity = 'fatal';
  }
  return { findings: c.findings, errors: c.errors, tools: [tool] };
}

export const gitleaksParser: FormatParser = {
  id: FORMAT,
  label: 'Gitleaks JSON',
  syntax: 'json',
  detect,
  // A report without leaks (`[]`, or `null` from some Gitleaks 8 versions) cannot be detected, but fits when forced.
  fits: (doc: unknown) => doc === null || (Array.isArray(doc) && doc.length === 0) || detect(doc),
  parse,
};
