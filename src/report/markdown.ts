import type { RatedFinding } from '../model';
import { formatInputError } from '../model';
import type { RunResult } from '../engine';
import { explainLine } from '../rate/rate';
import { code, link, md } from './escape';

/**
 * The job summary (and the base of the PR comment): verdict banner, counts by severity × tool, blocking findings with
 * location and rating explanation, gate rules, input problems, then the other findings — within a size budget.
 */

export const JOB_SUMMARY_LIMIT = 1024 * 1024;

const ICON = { pass: '✅', warn: '⚠️', fail: '❌' } as const;
const WORD = { pass: 'passed', warn: 'passed with warnings', fail: 'failed' } as const;

export interface MarkdownOptions {
  /** Maximum size in bytes (UTF-8). Default: GitHub's 1 MiB job summary limit, with a margin. */
  maxBytes?: number;
  /** Title prefix, e.g. the gate name. */
  title?: string;
  /** Where to see the complete report (e.g. the JSON report path), mentioned when tables are cut. */
  fullReport?: string;
}

function bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

export function locationText(f: RatedFinding): string {
  if (f.path) return code(`${f.path}${f.startLine ? `:${f.startLine}` : ''}`, 160);
  if (f.location) return md(f.location, 120);
  if (f.package) return code(`${f.package.name}${f.package.version ? `@${f.package.version}` : ''}`, 120);
  return '';
}

function findingRow(f: RatedFinding): string {
  const ids = f.cve.length ? ` (${f.cve.slice(0, 2).map((c) => md(c)).join(', ')})` : '';
  const what = `${link(f.title || f.ruleId, f.helpUri, 140)}${ids}<br>${code(f.ruleId, 80)}`;
  return `| **${md(f.severity)}** | ${what} | ${locationText(f)} | ${md(f.tool.name, 60)} | ${md(explainLine(f), 240)}${f.gated ? '' : `<br><i>not gated: ${md(f.notGatedReason, 160)}</i>`} |`;
}

const FINDING_HEAD = '| Severity | Finding | Location | Tool | Why this rating |\n|---|---|---|---|---|';

/** Adds rows while they fit in the budget; returns the table and how many were left out. */
function table(head: string, rows: string[], budget: number): { text: string; omitted: number } {
  let text = head;
  let used = bytes(head);
  let i = 0;
  for (; i < rows.length; i++) {
    const row = rows[i] as string;
    const b = bytes(row) + 1;
    if (used + b > budget) break;
    text += `\n${row}`;
    used += b;
  }
  return { text, omitted: rows.length - i };
}

export function renderMarkdown(r: RunResult, opts: MarkdownOptions = {}): string {
  const max = (opts.maxBytes ?? JOB_SUMMARY_LIMIT) - 2048;
  const v = r.verdict;
  const title = opts.title ?? 'defect-gate';
  const parts: string[] = [];
  parts.push(`## ${ICON[v.status]} ${md(title, 80)}: ${WORD[v.status]} (${md(r.environment, 60)})`);
  const headline =
    v.status === 'pass'
      ? `${r.counts.gated} finding${r.counts.gated === 1 ? '' : 's'} checked against the \`${md(r.environment)}\` gate; no rule exceeded.`
      : v.reasons.map((x) => `- ${md(x, 300)}`).join('\n');
  parts.push(headline);

  // Counts by severity × tool.
  const tools = Object.keys(r.counts.byTool).sort();
  if (r.counts.gated > 0) {
    const head = `| Severity | ${tools.map((t) => md(t, 40)).join(' | ')} | Total |\n|---|${tools.map(() => '---:|').join('')}---:|`;
    const rows = r.levels.map(
      (l) =>
        `| ${md(l)} | ${tools.map((t) => String(r.counts.byTool[t]?.[l] ?? 0)).join(' | ')} | **${r.counts.bySeverity[l] ?? 0}** |`,
    );
    parts.push(`${head}\n${rows.join('\n')}`);
  }
  const notes: string[] = [];
  if (r.counts.notGated > 0) notes.push(`${r.counts.notGated} more reported but not gated (suppressed by the scanner or not a failure)`);
  if (r.tools.length > 0) notes.push(`tools: ${r.tools.map((t) => md(`${t.name}${t.version ? ` ${t.version}` : ''}`, 60)).join(', ')}`);
  if (notes.length) parts.push(`<sub>${notes.join(' · ')}</sub>`);

  // Gate rules.
  const ruleRows = v.rules.map(
    (g) =>
      `| ${g.exceeded ? (g.action === 'fail' ? '❌' : '⚠️') : '✅'} | ${md(g.name, 120)} | ${md(g.conditions, 200)} | ${g.count} | ${g.max} | ${g.action} |`,
  );
  parts.push(`### Gate \`${md(r.environment)}\`\n| | Rule | Counts | Found | Max | Action |\n|---|---|---|---:|---:|---|\n${ruleRows.join('\n') || '| | (no rules) | | | | |'}`);

  // Input problems: always shown in full (they explain a fail-closed verdict).
  if (r.errors.length > 0) {
    const lines = r.errors.slice(0, 50).map((e) => `- ${md(formatInputError(e), 400)}`);
    if (r.errors.length > 50) lines.push(`- … and ${r.errors.length - 50} more`);
    parts.push(`### Input problems (${r.errors.length})\n${lines.join('\n')}`);
  }

  let used = bytes(parts.join('\n\n'));
  const cutNote = (n: number) =>
    `\n\n<sub>… ${n} more not shown (size limit)${opts.fullReport ? `; see ${md(opts.fullReport, 200)}` : ''}.</sub>`;

  const blocking = r.findings.filter((f) => r.blocking.has(f.fingerprint));
  if (blocking.length > 0) {
    const t = table(FINDING_HEAD, blocking.map(findingRow), Math.max(0, max - used - 400));
    const s = `### Blocking findings (${blocking.length})\n${t.text}${t.omitted ? cutNote(t.omitted) : ''}`;
    parts.push(s);
    used += bytes(s) + 2;
  }
  const others = r.findings.filter((f) => !r.blocking.has(f.fingerprint));
  if (others.length > 0) {
    const t = table(FINDING_HEAD, others.map(findingRow), Math.max(0, max - used - 400));
    const s = `<details><summary>Other findings (${others.length})</summary>\n\n${t.text}${t.omitted ? cutNote(t.omitted) : ''}\n\n</details>`;
    parts.push(s);
  }
  return `${parts.join('\n\n')}\n`;
}
