import { redactionNote } from '../redact/finding';
import { formatInputError } from '../model';
import type { RatedFinding } from '../model';
import type { RunResult } from '../engine';
import { explainLine } from '../rate/rate';
import { stripControl, truncate } from '../text/escape';
import { earlierLine } from '../gate/scope';
import { activityLabel } from '../gate/activity';
import { daysSince } from '../ledger/time';

/** The terminal report: verdict, counts, gate rules, findings table. Scanner text is stripped of control characters. */

export interface TextOptions {
  color?: boolean;
  /** Most findings listed (blocking first). Default 50. */
  limit?: number;
  /** Terminal width for the message column. */
  width?: number;
}

/** Findings listed by default (and by the CLI's text verdict, which sorts no more: EngineInput.sortTop). */
export const TEXT_LIMIT = 50;

const C = { red: 31, yellow: 33, green: 32, dim: 2, bold: 1 } as const;

function clean(s: string | undefined, max: number): string {
  return truncate(
    stripControl(s ?? '')
      .replace(/\s+/g, ' ')
      .trim(),
    max,
  );
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function where(f: RatedFinding): string {
  if (f.component && f.path) return `[${f.component}] ${f.path}${f.startLine ? `:${f.startLine}` : ''}`;
  if (f.path) return `${f.path}${f.startLine ? `:${f.startLine}` : ''}`;
  if (f.location) return f.location;
  if (f.package) return `${f.package.name}${f.package.version ? `@${f.package.version}` : ''}`;
  return '-';
}

function trackLine(f: RatedFinding, tracked: boolean, now: number): string {
  const parts: string[] = [];
  if (tracked && f.status) {
    const age = f.firstSeen ? daysSince(f.firstSeen, now) : undefined;
    parts.push(
      `${f.status}${f.status !== 'new' && f.firstSeen && age !== undefined ? `, first seen ${f.firstSeen.slice(0, 10)} (${age} day${age === 1 ? '' : 's'} ago)` : ''}`,
    );
  }
  if (f.sla) {
    const d = f.sla.daysLeft;
    parts.push(
      f.sla.state === 'breached'
        ? `SLA breached: ${-d} day(s) overdue (due ${f.sla.due.slice(0, 10)})`
        : `due ${f.sla.due.slice(0, 10)} (${d} day(s) left${f.sla.state === 'due-soon' ? ', due soon' : ''})`,
    );
  }
  return parts.join('; ');
}

export function renderText(r: RunResult, opts: TextOptions = {}): string {
  const paint = (code: number, s: string) => (opts.color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const limit = opts.limit ?? TEXT_LIMIT;
  const now = Date.parse(r.generatedAt);
  const v = r.verdict;
  const out: string[] = [];
  const status = v.status === 'fail' ? paint(C.red, 'FAIL') : v.status === 'warn' ? paint(C.yellow, 'WARN') : paint(C.green, 'PASS');
  out.push(
    `${paint(C.bold, 'defect-gate')} ${status}  environment: ${r.environment}  findings: ${r.counts.total} (${r.counts.gated} gated, ${r.counts.blocking} blocking)`,
  );
  for (const reason of v.reasons) out.push(`  ${reason}`);
  const redacted = redactionNote(r.findings);
  if (redacted) out.push(`  ${redacted.replace(/^🔒 /, '').replace(/`/g, '')}`);
  out.push('');
  out.push(`  ${r.levels.map((l) => `${l}: ${r.counts.bySeverity[l] ?? 0}`).join('  ')}`);
  if (r.tracked) {
    const c = r.counts;
    out.push(`  new: ${c.new}  reopened: ${c.reopened}  fixed: ${c.fixed}  past SLA: ${c.slaBreached}  due soon: ${c.slaDueSoon}`);
  }
  out.push('');
  out.push('Gate rules:');
  for (const g of v.rules) {
    const mark = g.exceeded ? (g.action === 'fail' ? paint(C.red, 'x') : paint(C.yellow, '!')) : paint(C.green, 'ok');
    out.push(`  ${pad(mark, opts.color ? 11 : 2)} ${g.name}: ${g.count} found, max ${g.max} (${g.action}; ${g.conditions})`);
  }
  if (v.coverage?.length) {
    out.push('');
    out.push('Scan coverage:');
    for (const c of v.coverage) {
      const mark = c.ok ? paint(C.green, 'ok') : paint(C.red, 'x');
      out.push(
        `  ${pad(mark, opts.color ? 11 : 2)} ${clean(activityLabel(c.activity), 40)}: ${c.lastReported ? `last ${c.lastReported.slice(0, 10)} by ${clean(c.tools.join(', '), 80)}` : 'never reported'} (max ${clean(c.max, 20)})`,
      );
    }
  }
  const earlier = earlierLine(r.fromLedger, r.blocking, new Date(r.generatedAt));
  if (earlier) {
    out.push('');
    out.push(clean(earlier, 400));
    const sevW = Math.max(8, ...r.levels.map((l) => l.length));
    for (const f of r.fromLedger.slice(0, limit)) {
      const mark = r.blocking.has(f.fingerprint) ? paint(C.red, '✗') : f.gated ? ' ' : paint(C.dim, '-');
      out.push(
        `${mark} ${pad(f.severity, sevW)}  ${pad(clean(f.tool.name, 14), 14)}  ${pad(clean(where(f), 40), 40)}  ${clean(f.title || f.ruleId, opts.width ?? 80)} [${clean(f.ruleId, 60)}]`,
      );
      out.push(
        `  ${pad('', sevW)}  ${paint(C.dim, `last seen ${f.lastSeen.slice(0, 10)}; ${trackLine(f, true, now)}${f.exception ? `; exception ${clean(f.exception.id, 60)} ${f.exception.state}` : ''}`)}`,
      );
    }
    if (r.fromLedger.length > limit) out.push(`  … ${r.fromLedger.length - limit} more (use --format json or --report for all)`);
  }
  if (r.errors.length > 0) {
    out.push('');
    out.push(`Input problems (${r.errors.length}):`);
    for (const e of r.errors) out.push(`  ${clean(formatInputError(e), 400)}`);
  }
  if (r.findings.length > 0) {
    out.push('');
    const shown = r.findings.slice(0, limit);
    const sevW = Math.max(8, ...r.levels.map((l) => l.length));
    out.push(`${pad('', 2)}${pad('SEVERITY', sevW)}  ${pad('TOOL', 14)}  ${pad('LOCATION', 40)}  FINDING`);
    for (const f of shown) {
      const mark = r.blocking.has(f.fingerprint) ? paint(C.red, '✗') : f.gated ? ' ' : paint(C.dim, '-');
      out.push(
        `${mark} ${pad(f.severity, sevW)}  ${pad(clean(f.tool.name, 14), 14)}  ${pad(clean(where(f), 40), 40)}  ${clean(f.title || f.ruleId, opts.width ?? 80)} [${clean(f.ruleId, 60)}]`,
      );
      if (r.blocking.has(f.fingerprint)) out.push(`  ${pad('', sevW)}  ${paint(C.dim, `why: ${clean(explainLine(f), 200)}`)}`);
      const track = trackLine(f, r.tracked, now);
      if (track) out.push(`  ${pad('', sevW)}  ${f.sla?.state === 'breached' ? paint(C.red, track) : paint(C.dim, track)}`);
    }
    if (r.findings.length > shown.length) out.push(`  … ${r.findings.length - shown.length} more (use --format json or --report for all)`);
    out.push(`  ${paint(C.dim, '✗ blocking   - not gated (suppressed or not a failure)')}`);
  }
  return `${out.join('\n')}\n`;
}
