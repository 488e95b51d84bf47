import { closeSync, fstatSync, lstatSync, openSync, readSync, constants } from 'node:fs';
import { join } from 'node:path';
import { CODEOWNERS_MAX_BYTES, CODEOWNERS_PATHS, parseCodeowners, type Codeowners } from '../owners/codeowners';
import { errorMessage } from '../errors';

/**
 * Reads the repository's CODEOWNERS from the workspace as GitHub does: the first of `.github/CODEOWNERS`,
 * `CODEOWNERS`, `docs/CODEOWNERS` that exists is the only one used. A symbolic link is not followed (GitHub does not
 * follow it either, and a link can point anywhere on the runner), a file of 3 MB or more is ignored (GitHub's limit).
 * What cannot be used is a warning: findings then have no CODEOWNERS owner, which the reports show.
 */
export function readCodeowners(workspace: string): { codeowners?: Codeowners; warnings: string[] } {
  const warnings: string[] = [];
  for (const rel of CODEOWNERS_PATHS) {
    const abs = join(workspace, rel);
    let st;
    try {
      st = lstatSync(abs);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) {
      warnings.push(`${rel} is a symbolic link: not followed, no CODEOWNERS owners`);
      return { warnings };
    }
    if (!st.isFile()) continue;
    let fd: number | undefined;
    try {
      fd = openSync(abs, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
      const size = fstatSync(fd).size;
      if (size >= CODEOWNERS_MAX_BYTES) {
        warnings.push(`${rel} is ${size} bytes: GitHub ignores CODEOWNERS files of 3 MB or more, and so does defect-gate`);
        return { warnings };
      }
      const buf = Buffer.alloc(size);
      let off = 0;
      while (off < size) {
        const n = readSync(fd, buf, off, size - off, off);
        if (n === 0) break;
        off += n;
      }
      const codeowners = parseCodeowners(buf.subarray(0, off).toString('utf8'), rel);
      for (const p of codeowners.problems.slice(0, 10)) warnings.push(`${rel}:${p.line}: ${p.message}`);
      if (codeowners.problems.length > 10) warnings.push(`${rel}: ${codeowners.problems.length - 10} more lines skipped`);
      return { codeowners, warnings };
    } catch (err) {
      warnings.push(`cannot read ${rel}: ${errorMessage(err)}`);
      return { warnings };
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }
  return { warnings };
}
