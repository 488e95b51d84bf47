import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { IngestedFile } from '../ingest/index';
import { ingestSarifBytes, unreadableFile, type ByteSource, type StreamOptions } from '../ingest/stream';
import type { ParseContext } from '../ingest/types';

/** Files as the streaming reader's byte sources (src/ingest/stream.ts reads through `ByteSource`, never `fs`). */

/** An open file descriptor as a ByteSource. */
export function fdBytes(fd: number): ByteSource {
  return { read: (buf, offset, length, position) => readSync(fd, buf, offset, length, position) };
}

/**
 * Reads a SARIF file by streaming (src/ingest/stream.ts). Never throws for bad content, nor for a file that cannot be
 * opened: both become InputErrors.
 *
 * @param path a path, or an open descriptor (a verified input, src/io/inputs.ts `openInput`), read by position and left
 *   open
 * @param format a forced format id (only `sarif` can be streamed), or undefined
 */
export function ingestSarifFile(path: string | number, ctx: ParseContext, format?: string, opts: StreamOptions = {}): IngestedFile {
  let fd: number;
  try {
    fd = typeof path === 'number' ? path : openSync(path, 'r');
  } catch (err) {
    return unreadableFile(ctx.file, err);
  }
  try {
    return ingestSarifBytes(fdBytes(fd), fstatSync(fd).size, ctx, format, opts);
  } finally {
    if (typeof path !== 'number') closeSync(fd);
  }
}
