import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * An NDJSON file written as a stream (one JSON value per line, `\n`, UTF-8), whole or not at all: lines go to a
 * temporary file beside the target, renamed over it by `close()`; `abort()` removes it. Memory: one 1 MiB buffer,
 * whatever the number of rows.
 */
export class NdjsonWriter {
  private readonly tmp: string;
  private fd: number | undefined;
  private buf: string[] = [];
  private size = 0;
  rows = 0;
  bytes = 0;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.tmp = `${path}.${process.pid}.tmp`;
    this.fd = openSync(this.tmp, 'w');
  }

  write(value: unknown): void {
    if (this.fd === undefined) throw new Error(`${this.path}: written after close`);
    const line = `${JSON.stringify(value)}\n`;
    this.buf.push(line);
    this.size += line.length;
    this.rows++;
    if (this.size >= 1 << 20) this.flush();
  }

  private flush(): void {
    if (this.fd === undefined || this.buf.length === 0) return;
    const chunk = Buffer.from(this.buf.join(''), 'utf8');
    this.buf = [];
    this.size = 0;
    let off = 0;
    while (off < chunk.length) off += writeSync(this.fd, chunk, off);
    this.bytes += chunk.length;
  }

  close(): void {
    this.flush();
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.path, { force: true });
    renameSync(this.tmp, this.path);
  }

  /** Drops every row written so far (the org report starting its listing over). */
  reset(): void {
    if (this.fd === undefined) throw new Error(`${this.path}: reset after close`);
    closeSync(this.fd);
    this.fd = openSync(this.tmp, 'w');
    this.buf = [];
    this.size = 0;
    this.rows = 0;
    this.bytes = 0;
  }

  abort(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.tmp, { force: true });
  }
}
