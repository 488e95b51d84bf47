import type { RunResult } from '../engine';
import type { RatedFinding } from '../model';
import { stripControl, truncate } from '../text/escape';

/**
 * GitLab Code Quality report (`--gitlab-codequality FILE`, artifacts:reports:codequality): the open findings, so they
 * show in the merge request widget (new and resolved against the target branch, compared by `fingerprint`).
 *
 * GitLab's format is a documented subset of Code Climate's issue spec: a JSON array of issues with `description`,
 * `check_name`, `fingerprint`, `severity` (info | minor | major | critical | blocker) and `location.path` with
 * `location.lines.begin`. schema/vendor/gitlab-codequality.schema.json holds that subset (tests validate against it).
 *
 * Which findings: the gated ones not covered by an applying exception (what a reviewer should act on). Severity: a
 * finding that makes the gate fail is `blocker`; the others by the rank of their organization severity: the most
 * severe class `critical`, the next `major`, the next `minor`, the rest `info`.
 */

export type CodeQualitySeverity = 'info' | 'minor' | 'major' | 'critical' | 'blocker';

export interface CodeQualityIssue {
  type: 'issue';
  description: string;
  check_name: string;
  fingerprint: string;
  severity: CodeQualitySeverity;
  categories: string[];
  location: { path: string; lines: { begin: number; end?: number } };
}

const BY_RANK: CodeQualitySeverity[] = ['critical', 'major', 'minor'];

/** Whether a finding is one a reviewer should act on: gated and not covered by an applying exception. */
export function isOpenFinding(f: RatedFinding): boolean {
  return f.gated && f.exception?.state !== 'active' && f.exception?.state !== 'expiring';
}

export function codeQualityIssue(f: RatedFinding, blocking: boolean): CodeQualityIssue {
  const severity: CodeQualitySeverity = blocking ? 'blocker' : (BY_RANK[f.rank] ?? 'info');
  // Every issue needs a path: a dependency or container finding without a file location points at the scanner report.
  const path = f.path ?? f.source.file;
  const begin = f.startLine !== undefined && f.startLine >= 1 ? f.startLine : 1;
  const end = f.endLine !== undefined && f.endLine >= begin ? f.endLine : undefined;
  const title = stripControl(f.title || f.ruleId);
  const where = f.path === undefined && f.location ? ` (${stripControl(f.location)})` : '';
  return {
    type: 'issue',
    description: truncate(`[${f.severity}] ${title}${where} (${f.tool.name})`, 1000),
    check_name: truncate(stripControl(`${f.tool.name}/${f.ruleId}`), 255),
    fingerprint: f.fingerprint,
    severity,
    categories: ['Security'],
    location: { path, lines: end !== undefined ? { begin, end } : { begin } },
  };
}

/** The report as JSON text in pieces (a million findings do not fit one string). */
export function* codeQualityPieces(result: Pick<RunResult, 'findings' | 'blocking'>): Generator<string> {
  let first = true;
  yield '[';
  for (const f of result.findings) {
    if (!isOpenFinding(f)) continue;
    yield `${first ? '\n' : ',\n'}  ${JSON.stringify(codeQualityIssue(f, result.blocking.has(f.fingerprint)))}`;
    first = false;
  }
  yield first ? ']\n' : '\n]\n';
}
