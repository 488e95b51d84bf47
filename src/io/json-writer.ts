import { writeSync } from 'node:fs';
import { writeAtomically } from './atomic';
import { MappedList } from '../report/json';

/**
 * The JSON writer of large reports (the CLI's `--format json`, `--report`, the Action's report file): JSON.stringify in
 * pieces, so a report of a million findings never becomes one string. Moved out of src/check.ts.
 */

const BATCH = 256;
/**
 * Elements of a large array serialized per JSON.stringify call, and characters gathered per write: both keep the
 * strings below V8's large-object size, so they die young instead of piling up in the large-object space until a
 * full garbage collection (measured on 100,000 findings: 0.5 s and 130 MB less than 256 elements and 4 M characters).
 */
const SLICE = 64;
const WRITE_CHUNK = 1 << 15;

/** True when the value holds an array longer than BATCH (within a few levels). */
function isBig(v: unknown, depth: number): boolean {
  if (v instanceof MappedList) return true;
  if (typeof v !== 'object' || v === null || depth > 4 || typeof (v as { toJSON?: unknown }).toJSON === 'function') return false;
  if (Array.isArray(v)) return v.length > BATCH || v.some((x) => isBig(x, depth + 1));
  for (const k of Object.keys(v)) if (isBig((v as Record<string, unknown>)[k], depth + 1)) return true;
  return false;
}

/** A list the writer maps batch by batch (`MappedList`) or a plain array. */
type Sliceable = unknown[] | MappedList<unknown, unknown>;

const indented = (s: string, indent: string) => (indent && s.includes('\n') ? s.replace(/\n/g, `\n${indent}`) : s);

/**
 * Yields `JSON.stringify(value, null, space)` in pieces: the objects above large arrays are written member by member
 * and large arrays in batches, so a report of a million findings never becomes one string (V8 strings stop at
 * ~512 MB). `space` 0 writes compact JSON (large outputs), 2 indented JSON (the default for readable reports).
 */
export function* jsonPieces(value: unknown, indent = '', depth = 0, space: 0 | 2 = 2): Generator<string> {
  const pretty = space === 2;
  if (!isBig(value, depth)) {
    yield pretty ? indented(JSON.stringify(value, null, 2), indent) : JSON.stringify(value);
    return;
  }
  const inner = pretty ? `${indent}  ` : '';
  const nl = pretty ? '\n' : '';
  const skip = (v: unknown) => v === undefined || typeof v === 'function' || typeof v === 'symbol';
  if (value instanceof MappedList && value.length <= BATCH) {
    yield* jsonPieces(value.slice(0, value.length), indent, depth, space);
    return;
  }
  if (Array.isArray(value) || value instanceof MappedList) {
    yield '[';
    if (value.length > BATCH) {
      for (let i = 0; i < value.length; i += SLICE) {
        const batch = (value as Sliceable).slice(i, i + SLICE);
        if (pretty) {
          const s = JSON.stringify(batch, null, 2);
          // "[\n  a,\n  b\n]" → "\n  a,\n  b" at this indentation
          yield `${i ? ',' : ''}${indented(s.slice(1, -2), indent)}`;
        } else {
          yield `${i ? ',' : ''}${JSON.stringify(batch).slice(1, -1)}`;
        }
      }
    } else {
      for (let i = 0; i < value.length; i++) {
        yield `${i ? ',' : ''}${nl}${inner}`;
        const v: unknown = (value as unknown[])[i];
        if (skip(v)) yield 'null';
        else yield* jsonPieces(v, inner, depth + 1, space);
      }
    }
    yield `${nl}${indent}]`;
    return;
  }
  const keys = Object.keys(value as object).filter((k) => !skip((value as Record<string, unknown>)[k]));
  yield '{';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    yield `${i ? ',' : ''}${nl}${inner}${JSON.stringify(k)}:${pretty ? ' ' : ''}`;
    yield* jsonPieces((value as Record<string, unknown>)[k], inner, depth + 1, space);
  }
  yield `${nl}${indent}}`;
}

/** Outputs of more findings than this are written as compact JSON (indentation would double their size). */
export const PRETTY_JSON_MAX_FINDINGS = 5000;

/** Writes the JSON of `value` and a newline atomically, in pieces (see jsonPieces). */
export function writeJsonAtomic(path: string, value: unknown, space: 0 | 2 = 2): void {
  writeAtomically(path, (fd) => {
    const chunks: string[] = [];
    let size = 0;
    for (const piece of jsonPieces(value, '', 0, space)) {
      chunks.push(piece);
      size += piece.length;
      if (size >= WRITE_CHUNK) {
        writeSync(fd, chunks.join(''));
        chunks.length = 0;
        size = 0;
      }
    }
    chunks.push('\n');
    writeSync(fd, chunks.join(''));
  });
}
