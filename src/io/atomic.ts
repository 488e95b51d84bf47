import { closeSync, mkdirSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Why an output file cannot be written at `path` (absolute), checked before the run does any work: an existing
 * directory, or a parent that is a file. Undefined when it can be written (as far as can be told beforehand).
 */
export function outputPathProblem(path: string): string | undefined {
  try {
    if (statSync(path).isDirectory()) return 'it is an existing directory; expected a file path (e.g. a name inside that directory)';
    return undefined;
  } catch {
    // does not exist (or is unreadable): look at the nearest existing parent
  }
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    try {
      return statSync(dir).isDirectory() ? undefined : `its parent ${JSON.stringify(dir)} is a file, not a directory`;
    } catch {
      if (dirname(dir) === dir) return undefined;
    }
  }
}

/**
 * Writes an output file (a report) whole or not at all: `fill` writes a temp file beside it (creating parent
 * directories), which is then renamed to `path`. Readers see the old file, no file, or the whole new one, never a part.
 *
 * The old file is removed before the rename: renaming over an existing file makes ext4 (auto_da_alloc) write the new
 * one to disk before the rename returns (~0.1 s per 100 MB), a durability reports do not need.
 */
export function writeAtomically(path: string, fill: (fd: number) => void): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    fill(fd);
  } finally {
    closeSync(fd);
  }
  rmSync(path, { force: true });
  renameSync(tmp, path);
}
