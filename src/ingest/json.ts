/** JSON text handling for untrusted input files: BOM, positions of syntax errors. */

export type JsonParseOutcome = { ok: true; value: unknown } | { ok: false; line: number; column: number; message: string };

export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Parses JSON (with `cutStrings`, as scanner files are read: strings longer than MAX_STRING cut, see cutLongStrings);
 * on failure returns the 1-based line and column of the first error and a short description.
 * The position is found by our own scan (V8's messages differ between Node versions and do not always carry one).
 */
export function parseJson(text: string, opts: { cutStrings?: boolean } = {}): JsonParseOutcome {
  const body = stripBom(text);
  try {
    return { ok: true, value: JSON.parse(opts.cutStrings ? cutLongStrings(body) : body) as unknown };
  } catch {
    const offset = findJsonErrorOffset(body);
    const { line, column } = lineColumn(body, offset.offset);
    return { ok: false, line, column, message: offset.message };
  }
}

export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/**
 * Nesting the error locator follows (it recurses once per level): below what the stack holds on every Node version
 * and under jest (about 9,500 levels there), so that a deep document is reported as such at the level that passes it,
 * not as a stack overflow at some other place. JSON.parse itself reads deeper documents; the locator runs only when
 * JSON.parse failed.
 */
export const MAX_LOCATE_DEPTH = 5000;

/** A small recursive-descent validator, run only when JSON.parse failed, to locate and describe the error. */
export function findJsonErrorOffset(text: string): { offset: number; message: string } {
  let i = 0;
  const n = text.length;
  class Stop extends Error {
    constructor(
      readonly at: number,
      readonly why: string,
    ) {
      super(why);
    }
  }
  const describe = (at: number): string => {
    const ch = text[at];
    return ch === undefined ? 'end of file' : JSON.stringify(ch);
  };
  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const expect = (what: string): never => {
    throw new Stop(i, `expected ${what} but found ${describe(i)}`);
  };
  let depth = 0;
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      if (++depth > MAX_LOCATE_DEPTH) throw new Stop(i, `nesting deeper than ${MAX_LOCATE_DEPTH} levels`);
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        depth--;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') expect('a property name in double quotes');
        string();
        ws();
        if (text[i] !== ':') expect("':' after the property name");
        i++;
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          depth--;
          return;
        }
        expect("',' or '}' after a property value");
      }
    } else if (c === '[') {
      if (++depth > MAX_LOCATE_DEPTH) throw new Stop(i, `nesting deeper than ${MAX_LOCATE_DEPTH} levels`);
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        depth--;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          depth--;
          return;
        }
        expect("',' or ']' after an array element");
      }
    } else if (c === '"') {
      string();
    } else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      number();
    } else if (text.startsWith('true', i)) i += 4;
    else if (text.startsWith('false', i)) i += 5;
    else if (text.startsWith('null', i)) i += 4;
    else expect('a JSON value');
  };
  const string = () => {
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return;
      }
      if (c === 92) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) throw new Stop(i, 'invalid \\u escape in a string');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else throw new Stop(i, 'invalid escape in a string');
        continue;
      }
      if (c < 32) throw new Stop(i, 'control character (such as a raw line break) inside a string');
      i++;
    }
    throw new Stop(i, 'unterminated string');
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) throw new Stop(i, 'invalid number');
    i += m[0].length;
  };
  try {
    ws();
    if (i >= n) return { offset: 0, message: 'the file is empty' };
    value();
    ws();
    if (i < n) return { offset: i, message: `unexpected ${describe(i)} after the end of the JSON value` };
    return { offset: n, message: 'invalid JSON' };
  } catch (e) {
    if (e instanceof Stop) return { offset: e.at, message: e.why };
    return { offset: i, message: 'invalid JSON' };
  }
}

/** A key that appears twice in one object: where its second occurrence is and the JSON path of the object's member. */
export interface DuplicateKey {
  /** Offset (in characters of the scanned text) of the second occurrence's opening quote. */
  offset: number;
  /** JSON path of the repeated member, e.g. `$.runs[0].results`. */
  path: string;
  key: string;
}

/** Above this many keys in one object, keys are looked up in a Set instead of compared one by one. */
const LINEAR_KEYS = 8;
// Reused between calls (the scan is not re-entrant and never recursive): one allocation per nesting level, not per
// object, so that checking a million streamed results costs no garbage.
const kinds: number[] = [];
const keysAt: string[][] = [];
const setsAt: (Set<string> | undefined)[] = [];
const memberAt: (string | number)[] = [];

/**
 * The first key that appears twice in one object of a JSON text, or undefined. JSON.parse keeps the last value of a
 * repeated key, so a second `"results"` or `"runs"` would silently replace the findings: scanner files with duplicate
 * keys are input errors (fail closed). The text must be valid JSON (call this after JSON.parse succeeded); `base` is
 * the JSON path of the value the text holds. Linear in the text: strings are skipped with indexOf, keys of small
 * objects are compared in a short list, of larger ones in a Set.
 */
export function findDuplicateKey(text: string, base = '$'): DuplicateKey | undefined {
  const n = text.length;
  let depth = -1;
  let expectKey = false;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // A string: find its closing quote (one not escaped by an odd number of backslashes).
      let q = text.indexOf('"', i + 1);
      for (;;) {
        if (q < 0) return undefined; // (not valid JSON: the caller has reported it)
        let k = q - 1;
        while (text.charCodeAt(k) === 92) k--;
        if ((q - 1 - k) % 2 === 0) break;
        q = text.indexOf('"', q + 1);
      }
      if (expectKey) {
        expectKey = false;
        const raw = text.slice(i + 1, q);
        const key = raw.includes('\\') ? (JSON.parse(text.slice(i, q + 1)) as string) : raw;
        const keys = keysAt[depth] as string[];
        let set = setsAt[depth];
        let seen: boolean;
        if (set) seen = set.has(key);
        else {
          seen = false;
          for (let k = 0; k < keys.length; k++) {
            if (keys[k] === key) {
              seen = true;
              break;
            }
          }
        }
        if (seen) {
          memberAt[depth] = key;
          return { offset: i, path: pathTo(base, depth), key };
        }
        if (set) set.add(key);
        else {
          keys.push(key);
          if (keys.length > LINEAR_KEYS) setsAt[depth] = set = new Set(keys);
        }
        memberAt[depth] = key;
      }
      i = q + 1;
      continue;
    }
    if (c === 123) {
      depth++;
      kinds[depth] = 1;
      const keys = keysAt[depth];
      if (keys) keys.length = 0;
      else keysAt[depth] = [];
      setsAt[depth] = undefined;
      expectKey = true;
    } else if (c === 91) {
      depth++;
      kinds[depth] = 2;
      memberAt[depth] = 0;
    } else if (c === 125 || c === 93) {
      setsAt[depth] = undefined;
      depth--;
      expectKey = false;
    } else if (c === 44 && depth >= 0) {
      if (kinds[depth] === 1) expectKey = true;
      else memberAt[depth] = (memberAt[depth] as number) + 1;
    }
    i++;
  }
  return undefined;
}

function pathTo(base: string, depth: number): string {
  let p = base;
  for (let d = 0; d <= depth; d++) {
    const m = memberAt[d] as string | number;
    // An array index is a number: JSON.stringify writes it as [3], a key that is not an identifier as ["a b"].
    p += typeof m === 'string' && /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(m) ? `.${m}` : `[${JSON.stringify(m)}]`;
  }
  return p;
}

/** The input error message for a duplicate key (the same for files read whole and streamed). */
export function duplicateKeyMessage(d: DuplicateKey): { message: string; hint: string } {
  return {
    message: `duplicate key ${JSON.stringify(d.key.length > 60 ? `${d.key.slice(0, 60)}…` : d.key)} at ${d.path}: JSON readers keep only one of the values, so findings could be hidden`,
    hint: 'each key may appear once per object; fix the tool or step that wrote this report and run it again',
  };
}

/**
 * Longest scanner string kept (in characters for text, bytes for streamed input): a message, snippet or description
 * beyond it is cut, with "… [cut: N characters]" at the end. A single 300 MB message otherwise cost ~17 times its size
 * in memory (parsed, copied into findings, reports and the rated SARIF).
 */
export const MAX_STRING = 64 * 1024;

export function cutNote(removed: number): string {
  return `… [cut: ${removed} characters]`;
}

/**
 * Checks the escapes of a JSON string body text[from, to) and counts the characters they stand for; -1 when the body
 * is not valid JSON (a raw control character, a bad escape), so that cutting never hides a syntax error.
 */
function decodedLength(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20) return -1;
    if (c === 92) {
      const e = text.charCodeAt(i + 1);
      if (e === 117) {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return -1;
        i += 5;
      } else if (e === 34 || e === 92 || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116) i += 1;
      else return -1;
    }
    n++;
  }
  return n;
}

/**
 * The JSON text with every string longer than `max` characters cut to `max` plus a note of how many characters were
 * left out (the same text when there is none: one indexOf pass). Runs before JSON.parse, so the parsed document never
 * holds the long strings. A string whose left-out part is not valid JSON is kept whole (JSON.parse reports it).
 */
export function cutLongStrings(text: string, max = MAX_STRING): string {
  let out: string[] | undefined;
  let copied = 0;
  let i = text.indexOf('"');
  while (i >= 0) {
    // The closing quote: one not escaped by an odd number of backslashes.
    let q = text.indexOf('"', i + 1);
    for (;;) {
      if (q < 0) break;
      let k = q - 1;
      while (text.charCodeAt(k) === 92) k--;
      if ((q - 1 - k) % 2 === 0) break;
      q = text.indexOf('"', q + 1);
    }
    if (q < 0) break;
    if (q - i - 1 > max + 64) {
      // Cut at `max`, moved back so as not to split an escape (or a surrogate pair).
      let at = i + 1 + max;
      const h = text.charCodeAt(at - 1);
      if (h >= 0xd800 && h <= 0xdbff) at--;
      const back = text.lastIndexOf('\\', at - 1);
      if (back > i && back + (text.charCodeAt(back + 1) === 117 ? 6 : 2) > at) {
        let k = back;
        while (k > i && text.charCodeAt(k - 1) === 92) k--;
        if ((back - k) % 2 === 0) at = back; // an escape starts at `back` and goes past `at`: cut before it
      }
      const removed = decodedLength(text, at, q);
      if (removed >= 0) {
        (out ??= []).push(text.slice(copied, at), cutNote(removed));
        copied = q;
      }
    }
    i = text.indexOf('"', q + 1);
  }
  if (!out) return text;
  out.push(text.slice(copied));
  return out.join('');
}

/** UTF-16 code units of the UTF-8 sequence led by byte `c` (0 for a continuation byte). */
export function utf16Units(c: number): number {
  return c < 0x80 ? 1 : c < 0xc0 ? 0 : c < 0xf0 ? 1 : 2;
}

/**
 * Where the UTF-8 text buf[from, to) is cut so that MAX_STRING UTF-16 units are kept: the offset of the first character
 * that does not fit, or -1 when the text is at most MAX_STRING + 64 units long (kept whole). Shared by the byte-level
 * cuts of JSON strings (stream.ts) and XML character data (xml.ts), so both cut where `cutLongStrings` cuts a text.
 */
export function utf8CutPoint(buf: Uint8Array, from: number, to: number): number {
  let at = from;
  let n = 0;
  let cutAt = -1;
  while (at < to) {
    const u = utf16Units(buf[at] as number);
    if (n + u > MAX_STRING && cutAt < 0) cutAt = at;
    n += u;
    if (n > MAX_STRING + 64) return cutAt;
    at++;
    while (at < to && ((buf[at] as number) & 0xc0) === 0x80) at++;
  }
  return -1;
}
