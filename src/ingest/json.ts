/** JSON text handling for untrusted input files: BOM, positions of syntax errors. */

export type JsonParseOutcome =
  | { ok: true; value: unknown }
  | { ok: false; line: number; column: number; message: string };

export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Parses JSON; on failure returns the 1-based line and column of the first error and a short description.
 * The position is found by our own scan (V8's messages differ between Node versions and do not always carry one).
 */
export function parseJson(text: string): JsonParseOutcome {
  const body = stripBom(text);
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
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
    if (at >= n) return 'end of file';
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
  const stack: string[] = [];
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      stack.push('}');
      if (stack.length > 10000) throw new Stop(i, 'nesting deeper than 10000 levels');
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        stack.pop();
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
          stack.pop();
          return;
        }
        expect("',' or '}' after a property value");
      }
    } else if (c === '[') {
      stack.push(']');
      if (stack.length > 10000) throw new Stop(i, 'nesting deeper than 10000 levels');
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        stack.pop();
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
          stack.pop();
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
