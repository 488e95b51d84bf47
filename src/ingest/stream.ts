import type { Finding } from '../model';
import { disambiguate } from './fingerprint';
import { redactIngested } from '../redact/finding';
import {
  cutNote,
  duplicateKeyMessage,
  findDuplicateKey,
  findJsonErrorOffset,
  MAX_STRING,
  utf16Units,
  utf8CutPoint,
  type DuplicateKey,
} from './json';
import { SarifSink, type SarifRunIndex } from './formats/sarif';
import type { ParseContext } from './types';
import { jsonKey } from './values';
import type { IngestedFile } from './index';
import { errorMessage } from '../errors';

/**
 * Streaming SARIF ingest for files too large to read as one string (V8 strings stop at ~512 MB) or beyond the memory
 * budget. The file is read in chunks; the log's skeleton (top-level members, each run without its `results`) is
 * parsed member by member, and each result is parsed on its own (JSON.parse of that result's bytes) and fed to the
 * same SARIF parser logic as the in-memory path (`SarifSink`), so the findings, their order, fingerprints and the
 * structural errors are the same.
 *
 * Only SARIF is streamed: a large file of another format gets a clear error. JSON syntax is checked completely (each
 * parsed piece by JSON.parse, the structure around them by this reader).
 *
 * Streamed inputs keep no document: the rated SARIF is written from the file itself (src/io/rated-sarif.ts), with the
 * same reader.
 */

/** Run members that `indexRun` reads: when one comes after `results`, the results are parsed again. */
const INDEX_KEYS = new Set(['tool', 'originalUriBaseIds', 'artifacts', 'taxonomies']);

export class JsonSyntax extends Error {
  constructor(
    readonly at: number,
    readonly why: string,
  ) {
    super(why);
  }
}

/** A key repeated in one object (`at`: file offset of its second occurrence). */
export class JsonDuplicateKey extends Error {
  constructor(
    readonly at: number,
    readonly dup: DuplicateKey,
  ) {
    super(duplicateKeyMessage(dup).message);
  }
}

const WS = new Uint8Array(256);
for (const c of [0x20, 0x09, 0x0a, 0x0d]) WS[c] = 1;

/**
 * The bytes of a file, read at positions: the port the streaming reader reads through (src/io/file-bytes.ts opens a
 * file as one), so ingest/ touches no file system.
 */
export interface ByteSource {
  /** Reads up to `length` bytes at file offset `position` into `buf` from `offset`; the count read, 0 at the end. */
  read(buf: Buffer, offset: number, length: number, position: number): number;
}

/** A synchronous, seekable chunked reader that finds the extent of JSON values without parsing them. */
export class Reader {
  private buf: Buffer;
  /** File offset of buf[0]. */
  private base = 0;
  private len = 0;
  pos = 0;
  private eof = false;

  constructor(
    private readonly src: ByteSource,
    readonly size: number,
    chunk: number,
  ) {
    this.buf = Buffer.allocUnsafe(chunk);
  }

  /** Moves past a UTF-8 byte order mark at the start of the file, if there is one. */
  skipBom(): void {
    const bom = Buffer.alloc(3);
    if (this.src.read(bom, 0, 3, 0) === 3 && bom[0] === 0xef && bom[1] === 0xbb && bom[2] === 0xbf) this.seek(3);
  }

  abs(i = this.pos): number {
    return this.base + i;
  }

  seek(abs: number): void {
    if (abs >= this.base && abs <= this.base + this.len) {
      this.pos = abs - this.base;
      return;
    }
    this.base = abs;
    this.len = 0;
    this.pos = 0;
    this.eof = false;
  }

  /** Reads more bytes, keeping buf[keep..len); returns the shift applied to indices, or -1 at the end of the file. */
  private more(keep: number): number {
    if (this.eof) return -1;
    const kept = this.len - keep;
    if (keep > 0) {
      this.buf.copy(this.buf, 0, keep, this.len);
      this.base += keep;
      this.len = kept;
    }
    if (this.len === this.buf.length) {
      // Never larger than the rest of the file needs (a value as large as the file costs its size, not twice it).
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length + 1, Math.min(this.buf.length * 2, this.size - this.base + 1)));
      this.buf.copy(bigger, 0, 0, this.len);
      this.buf = bigger;
    }
    const n = this.src.read(this.buf, this.len, this.buf.length - this.len, this.base + this.len);
    if (n === 0) this.eof = true;
    this.len += n;
    return n === 0 ? -1 : keep;
  }

  /** The byte at pos after whitespace, or -1 at the end of the file. */
  peek(): number {
    for (;;) {
      while (this.pos < this.len) {
        const c = this.buf[this.pos] as number;
        if (WS[c] !== 1) return c;
        this.pos++;
      }
      const shift = this.more(this.pos);
      if (shift < 0) return -1;
      this.pos -= shift;
    }
  }

  expect(c: number, what: string): void {
    if (this.peek() !== c) throw new JsonSyntax(this.abs(), `expected ${what} but found ${this.describe()}`);
    this.pos++;
  }

  describe(): string {
    const c = this.peek();
    if (c < 0) return 'end of file';
    return JSON.stringify(this.buf.toString('utf8', this.pos, Math.min(this.len, this.pos + 1)));
  }

  /**
   * Advances past the next value; returns its [start, end) file offsets. Checks only its outline.
   *
   * @param bounds when given and the value is an object or array, receives the file offsets of its opening bracket,
   *   of each `,` between its members or elements, and of its closing bracket
   */
  skip(bounds?: number[], keys = false): [number, number] {
    const c = this.peek();
    if (c < 0) throw new JsonSyntax(this.abs(), 'expected a JSON value but found end of file');
    let start = this.pos;
    let i = start;
    this.keyDoubt = false;
    if (c === 0x7b || c === 0x5b || c === 0x22) {
      let depth = 0;
      let expectKey = false;
      let top = 0; // keys held: KEYS[2k] file offset of the key's first byte, KEYS[2k + 1] its length
      for (;;) {
        if (i >= this.len) {
          const shift = this.more(start);
          if (shift < 0) throw new JsonSyntax(this.abs(this.len), 'unexpected end of file inside a value');
          start -= shift;
          i -= shift;
        }
        const b = this.buf[i] as number;
        if (b === 0x22) {
          this.keepFrom = start;
          const from = i + 1;
          i = this.stringEnd(from);
          const moved = start - this.keepFrom; // (stringEnd may have read more: buffer indices moved down by this)
          start = this.keepFrom;
          if (depth === 0) break; // the value was this string
          if (keys && expectKey) {
            expectKey = false;
            top = this.key(from - moved, i - 1, top, depth);
          }
          continue;
        }
        if (b === 0x7b || b === 0x5b) {
          depth++;
          if (depth === 1 && bounds) bounds.push(this.base + i);
          if (keys) {
            if (depth >= KEY_DEPTH.length) this.keyDoubt = true;
            else {
              KEY_DEPTH[depth] = b === 0x7b ? top : -1;
              expectKey = b === 0x7b;
            }
          }
        } else if (b === 0x7d || b === 0x5d) {
          if (keys && depth < KEY_DEPTH.length && (KEY_DEPTH[depth] as number) >= 0) top = KEY_DEPTH[depth] as number;
          depth--;
          expectKey = false;
          if (depth === 0) {
            bounds?.push(this.base + i);
            i++;
            break;
          }
        } else if (b === 0x2c) {
          if (depth === 1 && bounds) bounds.push(this.base + i);
          if (keys && depth < KEY_DEPTH.length) expectKey = (KEY_DEPTH[depth] as number) >= 0;
        }
        i++;
      }
    } else {
      for (;;) {
        if (i >= this.len) {
          if (this.eof || this.more(start) < 0) break;
          const shift = start; // more() shifted by `start`
          start -= shift;
          i -= shift;
          continue;
        }
        const b = this.buf[i] as number;
        if (b === 0x2c || b === 0x7d || b === 0x5d || WS[b] === 1) break;
        i++;
      }
    }
    this.pos = i;
    return [this.abs(start), this.abs(i)];
  }

  /**
   * After `skip(bounds, true)`: whether a key may repeat in one of the value's objects — a key equal byte for byte to
   * an earlier one of its object, a key with an escape (equal keys can be spelled differently), an object with very
   * many keys or nesting too deep to track. `findDuplicateKey` then decides, on the text (rare: most values are
   * cleared by the skip itself, in the same pass).
   */
  keyDoubt = false;

  /**
   * A key of the object at `depth` (the object's keys are KEYS[KEY_DEPTH[depth] .. top)): buffer indices [from, to)
   * of its body. Compares it with the object's earlier keys byte for byte; returns the new top.
   */
  private key(from: number, to: number, top: number, depth: number): number {
    if (this.keyDoubt || depth >= KEY_DEPTH.length) return top;
    const buf = this.buf;
    const n = to - from;
    for (let k = from; k < to; k++) {
      if (buf[k] === 0x5c) {
        this.keyDoubt = true;
        return top;
      }
    }
    const first = KEY_DEPTH[depth] as number;
    if (top - first >= 2 * MAX_OBJECT_KEYS || top + 2 > KEYS.length) {
      this.keyDoubt = true;
      return top;
    }
    for (let k = first; k < top; k += 2) {
      if (KEYS[k + 1] !== n) continue;
      const at = (KEYS[k] as number) - this.base;
      let same = true;
      for (let j = 0; j < n; j++) {
        if (buf[at + j] !== buf[from + j]) {
          same = false;
          break;
        }
      }
      if (same) {
        this.keyDoubt = true;
        return top;
      }
    }
    KEYS[top] = this.base + from;
    KEYS[top + 1] = n;
    return top + 2;
  }

  /** While `value` skips: the length (bytes) past which a string is not held (`stringEnd` throws LONG_STRING); 0: off. */
  private longString = 0;

  /** Buffer index of the value being skipped, which reads must keep (`stringEnd` updates it when it reads). */
  private keepFrom = 0;

  /**
   * Buffer index just past the closing quote of the string whose body starts at `from` (no closures: this runs for
   * every string of the file).
   */
  private stringEnd(from: number): number {
    const body = this.base + from;
    for (;;) {
      const q = this.buf.indexOf(0x22, from);
      if (q < 0 || q >= this.len) {
        // A string too long to hold while `value` reads: `value` reads it again, keeping only what the cut keeps.
        if (this.longString > 0 && this.base + this.len - body > this.longString) throw LONG_STRING;
        const searched = this.len;
        const shift = this.more(this.keepFrom);
        if (shift < 0) throw new JsonSyntax(this.abs(this.len), 'unterminated string');
        this.keepFrom -= shift;
        from = searched - shift;
        continue;
      }
      let k = q - 1;
      while (k >= 0 && this.buf[k] === 0x5c) k--;
      if ((q - 1 - k) % 2 === 0) return q + 1;
      from = q + 1;
    }
  }

  /**
   * The bytes of [start, end) (file offsets), which must lie within the value last skipped or read: a view of the
   * read buffer, valid until the reader moves on.
   */
  bytes(start: number, end: number): Buffer {
    return this.buf.subarray(start - this.base, end - this.base);
  }

  /** The bytes of the next value, as they are in the file (a view of the read buffer; see `bytes`). */
  rawBytes(): Buffer {
    const [a, b] = this.skip();
    return this.bytes(a, b);
  }

  /**
   * Parses the next value.
   *
   * @param path when given, the value's JSON path: a key repeated in one of its objects throws JsonDuplicateKey
   */
  value(path?: string): unknown {
    this.peek();
    const start = this.abs();
    let a: number;
    let b: number;
    this.longString = LONG_STRING_BYTES;
    try {
      [a, b] = this.skip(undefined, path !== undefined);
    } catch (err) {
      if (err !== LONG_STRING) throw err;
      this.longString = 0;
      const v = this.compactValue(start, path);
      if (v !== RETRY) return v.value;
      this.seek(start); // (a syntax error or a duplicate key: read again whole, to name its exact position)
      [a, b] = this.skip(undefined, path !== undefined);
    } finally {
      this.longString = 0;
    }
    // Strings longer than MAX_STRING are cut before parsing (as in files read whole: cutLongStrings).
    const cut = b - a > MAX_STRING ? cutBytes(this.buf, a - this.base, b - this.base) : undefined;
    const full = () => this.buf.toString('utf8', a - this.base, b - this.base);
    let text = cut ?? full();
    let v: unknown;
    try {
      v = JSON.parse(text) as unknown;
    } catch {
      if (cut !== undefined) text = full(); // (positions are those of the file)
      const e = findJsonErrorOffset(text);
      throw new JsonSyntax(a + Buffer.byteLength(text.slice(0, e.offset)), e.message);
    }
    // (Keys the skip cleared byte for byte are not scanned again: only a doubt sends the text to findDuplicateKey.)
    if (path !== undefined && typeof v === 'object' && v !== null && this.keyDoubt) {
      let dup = findDuplicateKey(text, path);
      if (dup && cut !== undefined) dup = findDuplicateKey((text = full()), path);
      if (dup) throw new JsonDuplicateKey(a + Buffer.byteLength(text.slice(0, dup.offset)), dup);
    }
    return v;
  }

  /**
   * `skip(bounds)`, unless the value holds a string too long to hold (see `compactValue`): then the value, parsed with
   * its long strings cut as `value` cuts them (`bounds` is then not filled).
   */
  skipShort(bounds?: number[]): { range: [number, number] } | { value: unknown } {
    this.peek();
    const start = this.abs();
    this.longString = LONG_STRING_BYTES;
    try {
      return { range: this.skip(bounds) };
    } catch (err) {
      if (err !== LONG_STRING) throw err;
      this.longString = 0;
      bounds?.splice(0);
      this.seek(start);
      return { value: this.value() };
    } finally {
      this.longString = 0;
    }
  }

  /**
   * Reads the value at file offset `start` (an object, array or string holding a string longer than
   * LONG_STRING_BYTES) keeping only what the cut keeps of its long strings: the bytes past a long string's first
   * LONG_STRING_BYTES are checked (escapes, control characters) and counted, never held, so memory stays bounded by
   * the read size whatever the string's length. The result is the value `value` gives when it holds the bytes (the
   * same cut, the same note). RETRY when the value has a syntax error or a duplicate key: the caller reads it whole,
   * as before, to name the position.
   */
  private compactValue(start: number, path: string | undefined): { value: unknown } | typeof RETRY {
    this.seek(start);
    const out: Buffer[] = [];
    let body: Buffer[] = [];
    let bodyBytes = 0;
    let depth = 0;
    let inString = false;
    let esc = 0; // in a string: 0, 1 after a backslash, 2-5 the hex digits of \u left + 1
    let dropping = false;
    let at = 0; // a dropped string: where its kept bytes end
    let removed = 0; // a dropped string: the UTF-16 units left out
    let i = this.pos;
    let runStart = i; // buffer index where the bytes not yet copied start
    const flush = (to: number) => {
      if (to > runStart) (inString ? body : out).push(Buffer.from(this.buf.subarray(runStart, to)));
      if (inString) bodyBytes += Math.max(0, to - runStart);
      runStart = to;
    };
    for (;;) {
      if (i >= this.len) {
        if (!dropping) flush(i);
        runStart = 0;
        const shift = this.more(i);
        if (shift < 0) throw new JsonSyntax(this.abs(this.len), 'unexpected end of file inside a value');
        i -= shift;
        runStart = i;
      }
      if (dropping && esc === 0) {
        // The bulk of a long string: counted (UTF-16 units, as utf16Units counts), not kept; a tight loop.
        const buf = this.buf;
        const end = this.len;
        let j = i;
        let u = 0;
        for (; j < end; j++) {
          const b = buf[j] as number;
          if (b === 0x22 || b === 0x5c || b < 0x20) break;
          u += b < 0x80 ? 1 : b < 0xc0 ? 0 : b < 0xf0 ? 1 : 2;
        }
        removed += u;
        i = j;
        runStart = i;
        if (i >= end) continue;
      }
      const c = this.buf[i] as number;
      if (!inString) {
        if (c === 0x22) {
          flush(i + 1);
          inString = true;
          body = [];
          bodyBytes = 0;
          esc = 0;
          dropping = false;
        } else if (c === 0x7b || c === 0x5b) depth++;
        else if (c === 0x7d || c === 0x5d) {
          depth--;
          if (depth <= 0) {
            i++;
            flush(i);
            break;
          }
        }
        i++;
        continue;
      }
      if (esc > 0) {
        if (esc === 1) {
          if (c === 0x75) esc = 5;
          else if (c === 0x22 || c === 0x5c || c === 0x2f || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74) esc = 0;
          else return RETRY;
        } else {
          if (!((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66))) return RETRY;
          esc = esc === 2 ? 0 : esc - 1;
        }
      } else if (c === 0x22) {
        // The end of the string: its bytes (or what the cut keeps, and the note), then the closing quote and what
        // follows, copied as they come.
        if (dropping) out.push(Buffer.concat(body).subarray(0, at), Buffer.from(cutNote(removed)));
        else {
          flush(i);
          out.push(...body);
        }
        inString = false;
        dropping = false;
        body = [];
        runStart = i;
        i++;
        if (depth === 0) {
          flush(i);
          break;
        }
        continue;
      } else {
        if (c < 0x20) return RETRY;
        if (dropping) removed += c === 0x5c ? 1 : utf16Units(c);
        if (c === 0x5c) esc = 1;
      }
      i++;
      if (!dropping && esc === 0 && bodyBytes + (i - runStart) >= LONG_STRING_BYTES) {
        // Keep what the cut keeps (the same cut point as cutBytes), count the rest as it is read.
        flush(i);
        const kept = Buffer.concat(body);
        body = [kept];
        at = cutPoint(kept, 0, kept.length);
        const tail = decodedUnits(kept, at, kept.length);
        if (at < 0 || tail < 0) return RETRY;
        removed = tail;
        dropping = true;
      }
      if (dropping) runStart = i;
    }
    this.pos = i;
    const bytes = Buffer.concat(out);
    const cut = cutBytes(bytes, 0, bytes.length);
    const text = cut ?? bytes.toString('utf8');
    let v: unknown;
    try {
      v = JSON.parse(text) as unknown;
    } catch {
      return RETRY;
    }
    if (path !== undefined && typeof v === 'object' && v !== null && findDuplicateKey(text, path)) return RETRY;
    return { value: v };
  }

  string(): string {
    if (this.peek() !== 0x22) throw new JsonSyntax(this.abs(), `expected a property name in double quotes but found ${this.describe()}`);
    return this.value() as string;
  }

  /**
   * Iterates the members of the object at pos, calling `member` with each key; `member` must consume the value.
   *
   * @param path when given, the object's JSON path: a repeated key throws JsonDuplicateKey
   */
  object(member: (key: string) => void, path?: string): void {
    this.expect(0x7b, "'{'");
    if (this.peek() === 0x7d) {
      this.pos++;
      return;
    }
    const seen = path === undefined ? undefined : new Set<string>();
    for (;;) {
      this.peek(); // (past whitespace: `at` is the key's opening quote)
      const at = this.abs();
      const key = this.string();
      if (seen) {
        if (seen.has(key)) throw new JsonDuplicateKey(at, { offset: 0, path: `${path}${jsonKey(key)}`, key });
        seen.add(key);
      }
      this.expect(0x3a, "':' after the property name");
      member(key);
      const c = this.peek();
      this.pos++;
      if (c === 0x2c) continue;
      if (c === 0x7d) return;
      this.pos--;
      throw new JsonSyntax(this.abs(), `expected ',' or '}' after a property value but found ${this.describe()}`);
    }
  }

  /** Iterates the elements of the array at pos; `element` must consume the value. */
  array(element: (i: number) => void): void {
    this.expect(0x5b, "'['");
    if (this.peek() === 0x5d) {
      this.pos++;
      return;
    }
    for (let i = 0; ; i++) {
      element(i);
      const c = this.peek();
      this.pos++;
      if (c === 0x2c) continue;
      if (c === 0x5d) return;
      this.pos--;
      throw new JsonSyntax(this.abs(), `expected ',' or ']' after an array element but found ${this.describe()}`);
    }
  }
}

/**
 * The text of buf[a, b) with each string longer than MAX_STRING characters cut as `cutLongStrings` cuts a text (the
 * same characters kept, the same note), decoding only what is kept; undefined when no string is that long.
 */
export function cutBytes(buf: Buffer, a: number, b: number): string | undefined {
  let parts: string[] | undefined;
  let copied = a;
  let i = buf.indexOf(0x22, a);
  while (i >= 0 && i < b) {
    let q = buf.indexOf(0x22, i + 1);
    for (;;) {
      if (q < 0 || q >= b) break;
      let k = q - 1;
      while (buf[k] === 0x5c) k--;
      if ((q - 1 - k) % 2 === 0) break;
      q = buf.indexOf(0x22, q + 1);
    }
    if (q < 0 || q >= b) break;
    if (q - i - 1 > MAX_STRING + 64) {
      // Strings up to MAX_STRING + 64 characters (UTF-16 units, as text lengths count) are kept whole.
      const at = cutPoint(buf, i + 1, q);
      if (at >= 0) {
        const removed = decodedUnits(buf, at, q);
        if (removed >= 0) {
          (parts ??= []).push(buf.toString('utf8', copied, at), cutNote(removed));
          copied = q;
        }
      }
    }
    i = buf.indexOf(0x22, q + 1);
  }
  if (!parts) return undefined;
  parts.push(buf.toString('utf8', copied, b));
  return parts.join('');
}

/**
 * Where the string body buf[from, to) is cut (see `utf8CutPoint`), moved before an escape that the cut would split;
 * -1 when it is kept whole.
 */
function cutPoint(buf: Buffer, from: number, to: number): number {
  const cutAt = utf8CutPoint(buf, from, to);
  if (cutAt < 0) return -1;
  // (A surrogate pair that does not fit is left out whole, as cutLongStrings does.)
  let at = cutAt;
  const back = buf.lastIndexOf(0x5c, at - 1);
  if (back >= from && back + (buf[back + 1] === 0x75 ? 6 : 2) > at) {
    let k = back;
    while (k > from && buf[k - 1] === 0x5c) k--;
    if ((back - k) % 2 === 0) at = back; // an escape starts at `back` and goes past `at`: cut before it
  }
  return at;
}

/**
 * Strings longer than this many bytes are not held by `Reader.value` (see `compactValue`): at 6 bytes per character at
 * most (`\uXXXX`), such a string is longer than the cut, and its cut point lies in its first LONG_STRING_BYTES bytes.
 */
const LONG_STRING_BYTES = 6 * (MAX_STRING + 65);
/** Nesting depth and keys per object that `skip(…, true)` tracks; beyond them it leaves the check to findDuplicateKey. */
const KEY_DEPTH = new Int32Array(64);
const MAX_OBJECT_KEYS = 48;
const KEYS = new Float64Array(4096);
const LONG_STRING = new Error('a long string');
const RETRY = Symbol('retry');

const HEX = /^[0-9a-fA-F]{4}$/;

/** `decodedLength` of json.ts on bytes: the UTF-16 units a string body stands for, -1 when it is not valid JSON. */
function decodedUnits(buf: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = buf[i] as number;
    if (c < 0x20) return -1;
    if (c === 0x5c) {
      const e = buf[i + 1];
      if (e === 0x75) {
        if (!HEX.test(buf.toString('latin1', i + 2, i + 6))) return -1;
        i += 5;
      } else if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) i += 1;
      else return -1;
    }
    n += utf16Units(c);
  }
  return n;
}

/** Sets a member as JSON.parse would (an own property, even for `__proto__`). */
function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

/** 1-based line and column (in characters) of a byte offset, read from the file (only used on errors). */
function lineColumnAt(src: ByteSource, offset: number): { line: number; column: number } {
  const chunk = Buffer.allocUnsafe(1 << 20);
  let line = 1;
  let lineStart = 0;
  for (let p = 0; p < offset;) {
    const n = src.read(chunk, 0, Math.min(chunk.length, offset - p), p);
    if (n <= 0) break;
    for (let k = chunk.indexOf(10, 0); k >= 0 && k < n; k = chunk.indexOf(10, k + 1)) {
      line++;
      lineStart = p + k + 1;
    }
    p += n;
  }
  const width = Math.min(offset - lineStart, 1 << 20);
  const head = Buffer.allocUnsafe(width);
  const n = width > 0 ? src.read(head, 0, width, offset - width) : 0;
  const skipBom = lineStart === 0 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  return { line, column: head.toString('utf8', skipBom, n).length + 1 };
}

export interface StreamOptions {
  /** Read size (bytes); tests make it tiny to cross chunk boundaries everywhere. */
  chunkSize?: number;
  /**
   * What to do with a file the streaming reader cannot take (not a SARIF log, or not valid JSON): when given, its
   * outcome is returned (the caller reads the file whole, as smaller files are read); else a clear input error.
   */
  fallback?: () => IngestedFile;
}

function fatal(file: string, message: string, extra: Partial<IngestedFile['errors'][number]> = {}): IngestedFile {
  return { file, findings: [], tools: [], errors: [{ file, message, severity: 'fatal', ...extra }] };
}

/** The outcome for a file that cannot be opened or read (src/io/file-bytes.ts). */
export function unreadableFile(file: string, err: unknown): IngestedFile {
  return fatal(file, `cannot read the file: ${errorMessage(err)}`);
}

/**
 * Reads a SARIF file of `size` bytes by streaming from `src` (src/io/file-bytes.ts: `ingestSarifFile` opens it). Never
 * throws for bad content: JSON syntax errors, a non-SARIF document and structural problems become InputErrors as in
 * `ingestText`.
 *
 * @param format a forced format id (only `sarif` can be streamed), or undefined
 */
export function ingestSarifBytes(
  src: ByteSource,
  size: number,
  ctx: ParseContext,
  format?: string,
  opts: StreamOptions = {},
): IngestedFile {
  const file = ctx.file;
  const mb = `${(size / 1048576).toFixed(0)} MB`;
  const onlySarif = (what: string) =>
    opts.fallback?.() ??
    fatal(file, `${what}: this ${mb} file is above the streaming threshold, and only SARIF logs are read by streaming`, {
      hint: 'split the report into smaller files, or ask the scanner for SARIF output',
    });
  if (format && format !== 'sarif') return onlySarif(`format "${format}" cannot be streamed`);
  const r = new Reader(src, size, Math.max(16, opts.chunkSize ?? 1 << 22));
  // Byte order mark.
  r.skipBom();
  const first = r.peek();
  if (first < 0)
    return fatal(file, 'the file is empty', { hint: 'check that the scanner step succeeded and wrote its report to this path' });
  if (first !== 0x7b) return onlySarif(first === 0x3c ? 'the file is XML' : 'the document is not a JSON object');
  try {
    return streamSarif(r, ctx, onlySarif);
  } catch (err) {
    if (
      err instanceof RangeError ||
      (err instanceof Error && /string longer than|Invalid string length|Array buffer allocation/i.test(err.message))
    ) {
      return onlySarif(`a single JSON value is too large to read (${err.message})`);
    }
    if (err instanceof JsonDuplicateKey) {
      // (The file read whole says the same, or names a syntax error that comes first.)
      if (opts.fallback) return opts.fallback();
      const { line, column } = lineColumnAt(src, err.at);
      return fatal(file, err.message, { line, column, jsonPath: err.dup.path, hint: duplicateKeyMessage(err.dup).hint });
    }
    if (!(err instanceof JsonSyntax)) throw err;
    if (opts.fallback) return opts.fallback(); // (its error messages say more, e.g. for NDJSON)
    const { line, column } = lineColumnAt(src, err.at);
    return fatal(file, `not valid JSON: ${err.why}`, {
      line,
      column,
      hint: 'check that the scanner step finished writing this file (a cut-off file is a common cause)',
    });
  }
}

function streamSarif(r: Reader, ctx: ParseContext, onlySarif: (what: string) => IngestedFile): IngestedFile {
  const sink = new SarifSink(ctx);
  const top: Record<string, unknown> = {};
  let runsSeen = false;
  let runsValue: unknown;
  let runCount = 0;
  r.object((key) => {
    if (key !== 'runs') {
      // Only `$schema` and `version` are used; the others are parsed (checked) and let go.
      const v = r.value(`$${jsonKey(key)}`);
      setOwn(top, key, key === '$schema' || key === 'version' ? v : true);
      return;
    }
    runsSeen = true; // (a repeated key is an error: `object` throws)
    if (r.peek() !== 0x5b) {
      runsValue = r.value('$.runs');
      return;
    }
    runsValue = [];
    r.array((ri) => {
      runCount++;
      streamRun(r, sink, ri);
    });
  }, '$');
  if (r.peek() >= 0) throw new JsonSyntax(r.abs(), `unexpected ${r.describe()} after the end of the JSON value`);
  const schema = typeof top.$schema === 'string' ? top.$schema : '';
  const isSarif = runsSeen && ('version' in top || /sarif/i.test(schema));
  if (!isSarif) return onlySarif('the document is not a SARIF log');
  const check = new SarifSink(ctx);
  if (!check.version(Object.prototype.hasOwnProperty.call(top, 'version') ? top.version : undefined) || !check.runs(runsValue)) {
    return redactIngested({ ...check.done(), file: ctx.file, format: 'sarif' });
  }
  if (runCount === 0) sink.noRuns();
  const res = sink.done();
  return redactIngested({ ...res, file: ctx.file, format: 'sarif', findings: disambiguate(res.findings) });
}

/** Reads run `ri` at the reader's position, feeding its results to the sink. */
function streamRun(r: Reader, sink: SarifSink, ri: number): void {
  const rp = `$.runs[${ri}]`;
  if (r.peek() !== 0x7b) {
    sink.run(r.value(rp), ri, undefined);
    return;
  }
  const run: Record<string, unknown> = {};
  const start = { findings: sink.findings.length, errors: sink.errors.length };
  /** The (last) `results` member: where its value is, and what the first pass made of it. */
  let results: { at: number; isArray: boolean; value?: unknown; runErrors: number } | undefined;
  let indexChangedAfterResults = false;
  const undo = () => ({ findings: sink.findings.splice(start.findings), errors: sink.errors.splice(start.errors) });
  r.object((key) => {
    if (key !== 'results') {
      if (results && INDEX_KEYS.has(key)) indexChangedAfterResults = true;
      setOwn(run, key, r.value(`${rp}${jsonKey(key)}`));
      return;
    }
    // (A repeated `results` is an error: `object` throws.)
    const at = r.abs();
    if (r.peek() !== 0x5b) {
      results = { at, isArray: false, value: r.value(`${rp}.results`), runErrors: 0 };
      return;
    }
    // Parse the results now, with the run as read so far (the usual order: tool, …, results); if an index member
    // comes later, they are parsed again at the end of the run.
    indexChangedAfterResults = false;
    const ix = sink.run(run, ri, []) as SarifRunIndex;
    sink.tools.pop(); // `run` is called again, with the whole run, at its end
    results = { at, isArray: true, runErrors: sink.errors.length - start.errors };
    r.array((i) => sink.result(ix, r.value(`${rp}.results[${i}]`), ri, i));
  }, rp);
  if (!results) {
    sink.run(run, ri, undefined);
    return;
  }
  if (!results.isArray) {
    sink.run(run, ri, results.value);
    return;
  }
  // Redo the run-level part with the whole run, then keep (or redo) the results after it.
  const parsed = undo();
  const ix = sink.run(run, ri, []) as SarifRunIndex;
  if (!indexChangedAfterResults) {
    for (const f of parsed.findings) sink.findings.push(f); // (no spread: there may be millions)
    for (const e of parsed.errors.slice(results.runErrors)) sink.errors.push(e);
  } else {
    const end = r.abs();
    r.seek(results.at);
    r.array((i) => sink.result(ix, r.value(), ri, i));
    r.seek(end);
  }
}

export type { Finding };
