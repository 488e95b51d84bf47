import { writeSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RunResult } from '../engine';
import { codeQualityPieces } from '../report/gitlab-codequality';
import { findingsByReportType, gitlabSecurityPieces, GITLAB_REPORT_TYPES, type GitLabReportType } from '../report/gitlab-security';
import { junitPieces } from '../report/junit';
import { outputPathProblem, writeAtomically } from './atomic';

/**
 * The CLI's CI report files (relative to the workspace): `--gitlab-codequality FILE`, `--junit FILE` and GitLab's
 * security reports `--gitlab-sast FILE`, `--gitlab-dependency-scanning FILE`, `--gitlab-container-scanning FILE`.
 */
export interface CiReportPaths {
  'gitlab-codequality'?: string;
  junit?: string;
  'gitlab-sast'?: string;
  'gitlab-dependency-scanning'?: string;
  'gitlab-container-scanning'?: string;
}

const SECURITY_OPTION: Record<GitLabReportType, 'gitlab-sast' | 'gitlab-dependency-scanning' | 'gitlab-container-scanning'> = {
  sast: 'gitlab-sast',
  dependency_scanning: 'gitlab-dependency-scanning',
  container_scanning: 'gitlab-container-scanning',
};

/** A usage error for an output path that cannot be written (checked before the run), else undefined. */
export function ciReportPathProblem(paths: CiReportPaths, workspace: string): string | undefined {
  const seen = new Map<string, string>();
  for (const [option, p] of Object.entries(paths) as [keyof CiReportPaths, string | undefined][]) {
    if (!p) continue;
    const abs = resolve(workspace, p);
    const why = outputPathProblem(abs);
    if (why) return `--${option}: cannot write ${JSON.stringify(p)}: ${why}`;
    const other = seen.get(abs);
    if (other)
      return `--${option} and --${other} name the same file ${JSON.stringify(p)}: one would overwrite the other; give each its own file`;
    seen.set(abs, option);
  }
  return undefined;
}

function writePieces(path: string, pieces: Iterable<string>): void {
  writeAtomically(path, (fd) => {
    let buf = '';
    for (const piece of pieces) {
      buf += piece;
      if (buf.length >= 1 << 20) {
        writeSync(fd, buf);
        buf = '';
      }
    }
    if (buf) writeSync(fd, buf);
  });
}

/** What was written (option, absolute path) and warnings for the log. */
export interface CiReportsWritten {
  written: { option: string; path: string }[];
  warnings: string[];
}

/** Writes the requested CI reports. */
export function writeCiReports(result: RunResult, paths: CiReportPaths, workspace: string): CiReportsWritten {
  const written: { option: string; path: string }[] = [];
  const warnings: string[] = [];
  if (paths['gitlab-codequality']) {
    const p = resolve(workspace, paths['gitlab-codequality']);
    writePieces(p, codeQualityPieces(result));
    written.push({ option: 'GitLab Code Quality report', path: p });
  }
  if (paths.junit) {
    const p = resolve(workspace, paths.junit);
    writePieces(p, junitPieces(result));
    written.push({ option: 'JUnit report', path: p });
  }
  const requested = GITLAB_REPORT_TYPES.filter((t) => paths[SECURITY_OPTION[t]]);
  if (requested.length > 0) {
    // Every open finding belongs to one report type: say which ones no requested report carries.
    const byType = findingsByReportType(result);
    const unwritten: Partial<Record<GitLabReportType, number>> = {};
    for (const t of GITLAB_REPORT_TYPES) {
      if (requested.includes(t) || byType[t].length === 0) continue;
      unwritten[t] = byType[t].length;
      warnings.push(
        `${byType[t].length} open finding(s) belong in a GitLab ${t} report, which was not requested: they are in no GitLab security report (add --${SECURITY_OPTION[t]} FILE)`,
      );
    }
    for (const t of requested) {
      const p = resolve(workspace, paths[SECURITY_OPTION[t]] as string);
      writePieces(p, gitlabSecurityPieces(t, result, unwritten));
      written.push({ option: `GitLab ${t} report`, path: p });
    }
  }
  return { written, warnings };
}
