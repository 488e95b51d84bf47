import type { RatedFinding } from '../model';
import type { RunResult } from '../engine';
import { explainLine } from '../rate/rate';
import { annotationText, stripControl } from '../text/escape';
import { ANNOTATION_MESSAGE_MAX_BYTES, ANNOTATION_TITLE_MAX_CHARS, truncateBytes } from './limits';

/**
 * Check-run annotations from a run's findings. Pure.
 *
 * - `failure` for blocking findings, `warning` for other gated findings at or above the warning level,
 *   `notice` for gated findings below it; findings that are not gated (suppressed, SARIF pass/review …) get none.
 * - Only findings on repository files (`path`); a location outside the workspace (`location`) is never annotated.
 * - Order: new and reopened findings first (when a ledger was read: `tracked`), then blocking, then by severity and
 *   location.
 */

export type AnnotationLevel = 'notice' | 'warning' | 'failure';

/** The annotation object of the check runs API (`output.annotations[]`). */
export interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: AnnotationLevel;
  message: string;
  title?: string;
  raw_details?: string;
}

export interface AnnotationOptions {
  /** Most annotations to produce (0: none). */
  max: number;
  /** Rank (index in the policy's levels, 0 = most severe) at or above which non-blocking findings are `warning`. */
  warningRank: number;
}

export interface AnnotationSet {
  annotations: CheckAnnotation[];
  /** Findings that would have been annotated but were over `max`. */
  omitted: number;
}

export function isNew(f: RatedFinding): boolean {
  return f.status === 'new' || f.status === 'reopened';
}

/** The rank of `level` in `levels`; `medium` (or the middle level) when empty. An unknown name is an error message. */
export function resolveWarningRank(levels: readonly string[], level: string | undefined): { rank: number } | { error: string } {
  if (!level) {
    const medium = levels.indexOf('medium');
    return { rank: medium >= 0 ? medium : Math.floor((levels.length - 1) / 2) };
  }
  const rank = levels.findIndex((l) => l.toLowerCase() === level.toLowerCase());
  if (rank < 0)
    return { error: `Invalid input 'annotation-level': '${level}'. Expected one of the policy's levels: ${levels.join(', ')}.` };
  return { rank };
}

function levelOf(f: RatedFinding, blocking: ReadonlySet<string>, warningRank: number): AnnotationLevel {
  if (blocking.has(f.fingerprint)) return 'failure';
  return f.rank <= warningRank ? 'warning' : 'notice';
}

function statusWord(f: RatedFinding): string {
  return f.status === 'reopened' ? ' (reopened)' : f.status === 'new' ? ' (new)' : '';
}

export function annotationFor(f: RatedFinding & { path: string }, level: AnnotationLevel): CheckAnnotation {
  const start = f.startLine && f.startLine > 0 ? f.startLine : 1;
  const end = f.endLine && f.endLine >= start ? f.endLine : start;
  const lines = [annotationText(f.message || f.title, 20_000)];
  lines.push(`Why ${f.severity}: ${annotationText(explainLine(f), 4000)}`);
  if (f.sla) {
    const when = f.sla.state === 'breached' ? `overdue by ${-f.sla.daysLeft} day(s)` : `${f.sla.daysLeft} day(s) left`;
    lines.push(`Fix by ${f.sla.due.slice(0, 10)} (${when}; ${annotationText(f.sla.reason, 300)})`);
  }
  if (f.firstSeen) lines.push(`First seen ${f.firstSeen.slice(0, 10)}`);
  const details = [
    `Tool: ${f.tool.name}${f.tool.version ? ` ${f.tool.version}` : ''}`,
    `Rule: ${f.ruleId}`,
    ...(f.cwe.length ? [`CWE: ${f.cwe.join(', ')}`] : []),
    ...(f.cve.length ? [`Vulnerability: ${f.cve.join(', ')}`] : []),
    ...(f.helpUri ? [`Help: ${f.helpUri}`] : []),
    `Fingerprint: ${f.fingerprint}`,
  ];
  const a: CheckAnnotation = {
    path: f.path,
    start_line: start,
    end_line: end,
    annotation_level: level,
    title: annotationText(`${f.severity}${statusWord(f)}: ${f.title || f.ruleId}`, ANNOTATION_TITLE_MAX_CHARS),
    message: truncateBytes(lines.join('\n'), ANNOTATION_MESSAGE_MAX_BYTES),
    raw_details: truncateBytes(stripControl(details.join('\n')), ANNOTATION_MESSAGE_MAX_BYTES),
  };
  // Columns are only allowed when the annotation is on one line.
  if (start === end && f.startColumn && f.endColumn && f.endColumn >= f.startColumn) {
    a.start_column = f.startColumn;
    a.end_column = f.endColumn;
  }
  return a;
}

export function buildAnnotations(result: Pick<RunResult, 'findings' | 'blocking' | 'tracked'>, opts: AnnotationOptions): AnnotationSet {
  const eligible = result.findings.filter((f): f is RatedFinding & { path: string } => f.gated && !!f.path);
  // Without a ledger every finding counts as new: the status says nothing then.
  const tracked = result.tracked === true;
  const order = (f: RatedFinding) => (tracked && isNew(f) ? 0 : 1);
  // Array.prototype.sort is stable: within each group the engine's order (blocking, severity, location) stays.
  const sorted = eligible
    .map((f, i) => ({ f, i }))
    .sort(
      (a, b) =>
        order(a.f) - order(b.f) ||
        Number(result.blocking.has(b.f.fingerprint)) - Number(result.blocking.has(a.f.fingerprint)) ||
        a.f.rank - b.f.rank ||
        a.i - b.i,
    )
    .map((x) => x.f);
  const max = Math.max(0, opts.max);
  const annotations = sorted
    .slice(0, max)
    .map((f) => annotationFor(tracked ? f : { ...f, status: undefined }, levelOf(f, result.blocking, opts.warningRank)));
  return { annotations, omitted: Math.max(0, sorted.length - max) };
}

/** Splits annotations into request-sized batches. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
