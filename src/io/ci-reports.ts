import { writeSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RunResult } from '../engine';
import { codeQualityPieces } from '../report/gitlab-codequality';
import { junitPieces } from '../report/junit';
import { outputPathProblem, writeAtomically } from './atomic';

/** The CLI's CI report files: `--gitlab-codequality FILE` and `--junit FILE` (relative to the workspace). */
export interface CiReportPaths {
  'gitlab-codequality'?: string;
  junit?: string;
}

/** A usage error for an output path that cannot be written (checked before the run), else undefined. */
export function ciReportPathProblem(paths: CiReportPaths, workspace: string): string | undefined {
  for (const [option, p] of Object.entries(paths) as [keyof CiReportPaths, string | undefined][]) {
    if (!p) continue;
    const why = outputPathProblem(resolve(workspace, p));
    if (why) return `--${option}: cannot write ${JSON.stringify(p)}: ${why}`;
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

/** Writes the requested CI reports; returns what was written (option, absolute path). */
export function writeCiReports(result: RunResult, paths: CiReportPaths, workspace: string): { option: string; path: string }[] {
  const written: { option: string; path: string }[] = [];
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
  return written;
}
