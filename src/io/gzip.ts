import { closeSync, createReadStream, createWriteStream, openSync, read, readSync } from 'node:fs';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

/**
 * Compressed and non-UTF-8 input files. Inputs (scanner reports, KEV and EPSS files) are recognized by their first
 * bytes, never by their names: gzip (1f 8b) is decompressed as a stream with a limit on the decompressed size, so a
 * decompression bomb ends in an error naming the file (memory stays flat: the output is counted chunk by chunk and
 * written to a file, or gathered up to the limit); encodings and archive formats that are not read are named in the
 * error instead of surfacing as a confusing JSON syntax error.
 */

/**
 * Largest decompressed size of one gzip-compressed scanner report (1 GiB). A larger one is refused as a likely
 * decompression bomb (gzip reaches ~1000:1 on zeros: 1 MB can stand for 1 GB). Reports are decompressed to a
 * temporary file, so this bounds disk use, not memory. `DEFECT_GATE_MAX_DECOMPRESSED` (bytes) overrides it.
 */
export const MAX_DECOMPRESSED_BYTES = 1024 ** 3;

/** What the first bytes of a file say about how to read it. `text`: read as UTF-8 (a UTF-8 BOM is fine). */
export type Sniffed = { kind: 'text' } | { kind: 'gzip' } | { kind: 'encoding'; name: string } | { kind: 'archive'; name: string };

/** Recognizes gzip, other compressed or archive formats, and UTF-16 / UTF-32 text from a file's first bytes (at least 4 when the file has them). */
export function sniff(head: Uint8Array): Sniffed {
  const b = (i: number) => (i < head.length ? (head[i] as number) : -1);
  if (b(0) === 0x1f && b(1) === 0x8b) return { kind: 'gzip' };
  if (b(0) === 0xff && b(1) === 0xfe && b(2) === 0 && b(3) === 0)
    return { kind: 'encoding', name: 'UTF-32 (little-endian, with a byte order mark)' };
  if (b(0) === 0 && b(1) === 0 && b(2) === 0xfe && b(3) === 0xff)
    return { kind: 'encoding', name: 'UTF-32 (big-endian, with a byte order mark)' };
  if (b(0) === 0xff && b(1) === 0xfe) return { kind: 'encoding', name: 'UTF-16 (little-endian, with a byte order mark)' };
  if (b(0) === 0xfe && b(1) === 0xff) return { kind: 'encoding', name: 'UTF-16 (big-endian, with a byte order mark)' };
  // Without a byte order mark: ASCII characters interleaved with NUL bytes (`{\0"\0` or `\0{\0"`).
  if (b(0) > 0 && b(1) === 0 && b(2) > 0 && b(3) === 0)
    return { kind: 'encoding', name: 'UTF-16 (little-endian, NUL bytes between the characters)' };
  if (b(0) === 0 && b(1) > 0 && b(2) === 0 && b(3) > 0)
    return { kind: 'encoding', name: 'UTF-16 (big-endian, NUL bytes between the characters)' };
  if (b(0) === 0x50 && b(1) === 0x4b && b(2) === 0x03 && b(3) === 0x04) return { kind: 'archive', name: 'a zip archive' };
  if (b(0) === 0x42 && b(1) === 0x5a && b(2) === 0x68) return { kind: 'archive', name: 'bzip2-compressed' };
  if (b(0) === 0xfd && b(1) === 0x37 && b(2) === 0x7a && b(3) === 0x58) return { kind: 'archive', name: 'xz-compressed' };
  if (b(0) === 0x28 && b(1) === 0xb5 && b(2) === 0x2f && b(3) === 0xfd) return { kind: 'archive', name: 'zstd-compressed' };
  return { kind: 'text' };
}

/** Sniffs a file's first bytes (`text` for an empty file). Throws what opening or reading the file throws. */
export function sniffFile(path: string): Sniffed {
  const fd = openSync(path, 'r');
  try {
    return sniffFd(fd);
  } finally {
    closeSync(fd);
  }
}

/** Sniffs the first bytes of an open file (read by position). */
export function sniffFd(fd: number): Sniffed {
  const head = Buffer.alloc(4);
  const n = readSync(fd, head, 0, 4, 0);
  return sniff(head.subarray(0, n));
}

/** What to say when a file cannot be read as it is (an encoding or an archive format that is not read). */
export function unreadableAs(s: Sniffed): { message: string; hint: string } | undefined {
  if (s.kind === 'encoding') {
    return {
      message: `the file is ${s.name} text; only UTF-8 is read`,
      hint: 'convert it to UTF-8 (e.g. iconv -f UTF-16 -t UTF-8), or have the scanner write UTF-8 (PowerShell: Out-File -Encoding utf8)',
    };
  }
  if (s.kind === 'archive') {
    return {
      message: `the file is ${s.name}; only gzip-compressed files are decompressed`,
      hint: 'extract or decompress it in an earlier step, or gzip it',
    };
  }
  return undefined;
}

/** The decompressed size passed the limit: the file was not read. */
export class DecompressionLimitError extends Error {
  constructor(readonly limit: number) {
    super(`it decompresses to more than ${formatBytes(limit)} (the limit for one file): refused as a likely decompression bomb`);
    this.name = 'DecompressionLimitError';
  }
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3 && n % 1024 ** 3 === 0) return `${n / 1024 ** 3} GiB`;
  if (n >= 1024 ** 2) return `${+(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

/** The limit from the environment (`DEFECT_GATE_MAX_DECOMPRESSED`, bytes), else MAX_DECOMPRESSED_BYTES. */
export function decompressionLimit(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.DEFECT_GATE_MAX_DECOMPRESSED);
  return env.DEFECT_GATE_MAX_DECOMPRESSED && Number.isInteger(v) && v > 0 ? v : MAX_DECOMPRESSED_BYTES;
}

/** Passes chunks on while their total is within `limit`; fails the pipeline (which stops gunzip) past it. */
function limiter(limit: number, counted: { bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      counted.bytes += chunk.length;
      if (counted.bytes > limit) done(new DecompressionLimitError(limit));
      else done(null, chunk);
    },
  });
}

/**
 * The bytes of an open file from its start, by position; the descriptor is never closed here (a read stream given an
 * fd closes it when the pipeline fails, whatever `autoClose` says; the caller owns it).
 */
function fdStream(fd: number): Readable {
  let pos = 0;
  return new Readable({
    read(size) {
      const buf = Buffer.allocUnsafe(Math.max(size, 1 << 16));
      read(fd, buf, 0, buf.length, pos, (err, n) => {
        if (err) {
          this.destroy(err);
          return;
        }
        pos += n;
        this.push(n > 0 ? buf.subarray(0, n) : null);
      });
    },
  });
}

/**
 * Decompresses the gzip file `src` (a path or an open descriptor; one or more members) into the file `dest`, as a stream: memory stays flat whatever
 * the ratio. Returns the decompressed size. Throws DecompressionLimitError past `limit` bytes (`dest` then holds a
 * part: the caller deletes it), or zlib's error for damaged or cut-off data.
 */
export async function gunzipFile(src: string | number, dest: string, limit: number): Promise<number> {
  const counted = { bytes: 0 };
  // An open descriptor (a verified input, src/io/inputs.ts openInput) is read from its start and left open.
  const input = typeof src === 'number' ? fdStream(src) : createReadStream(src);
  await pipeline(input, createGunzip(), limiter(limit, counted), createWriteStream(dest));
  return counted.bytes;
}

/**
 * Decompresses gzip data (a file path or bytes already read) into memory, as a stream, up to `limit` bytes: beyond it
 * DecompressionLimitError, having held at most `limit` bytes.
 */
export async function gunzipToBuffer(src: string | Buffer, limit: number): Promise<Buffer> {
  const counted = { bytes: 0 };
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk);
      done();
    },
  });
  await pipeline(typeof src === 'string' ? createReadStream(src) : Readable.from([src]), createGunzip(), limiter(limit, counted), sink);
  return Buffer.concat(chunks, counted.bytes);
}
