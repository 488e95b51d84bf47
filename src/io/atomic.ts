import { closeSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';

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
