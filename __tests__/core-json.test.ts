import { describe, expect, it } from '@jest/globals';
import {
  cutLongStrings,
  cutNote,
  duplicateKeyMessage,
  findDuplicateKey,
  findJsonErrorOffset,
  lineColumn,
  MAX_LOCATE_DEPTH,
  MAX_STRING,
  parseJson,
  stripBom,
  utf16Units,
  utf8CutPoint,
} from '../src/ingest/json';

/**
 * src/ingest/json.ts, the fail-closed reading of JSON input files, exactly: where a syntax error is and what it says,
 * which key is repeated and at which JSON path, where long strings are cut. The end-to-end tests (fail-closed*.test.ts)
 * run the same code through the CLI; these pin each branch.
 */

describe('stripBom, lineColumn, parseJson', () => {
  it('strips one leading byte order mark and nothing else', () => {
    expect(stripBom('\uFEFF{"a":1}')).toBe('{"a":1}');
    expect(stripBom('\uFEFF\uFEFF1')).toBe('\uFEFF1');
    expect(stripBom('{"a":"\uFEFF"}')).toBe('{"a":"\uFEFF"}');
    expect(stripBom('')).toBe('');
  });

  it('lineColumn counts lines from 1 and columns from 1, a line feed starting the next line', () => {
    expect(lineColumn('abc', 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumn('abc', 2)).toEqual({ line: 1, column: 3 });
    expect(lineColumn('ab\ncd', 2)).toEqual({ line: 1, column: 3 }); // the line feed itself
    expect(lineColumn('ab\ncd', 3)).toEqual({ line: 2, column: 1 });
    expect(lineColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
    expect(lineColumn('a\n\n\nb', 4)).toEqual({ line: 4, column: 1 });
    expect(lineColumn('a\r\nb', 3)).toEqual({ line: 2, column: 1 }); // CR is a column, LF ends the line
    // Past the end: clamped to the end.
    expect(lineColumn('ab\nc', 99)).toEqual({ line: 2, column: 2 });
  });

  it('parses valid JSON (with a BOM), and cuts long strings only when asked', () => {
    expect(parseJson('\uFEFF {"a":[1,true,null]} ')).toEqual({ ok: true, value: { a: [1, true, null] } });
    const long = `{"m":"${'x'.repeat(MAX_STRING + 100)}"}`;
    const whole = parseJson(long);
    expect(whole.ok && (whole.value as { m: string }).m.length).toBe(MAX_STRING + 100);
    const cut = parseJson(long, { cutStrings: true });
    expect(cut.ok && (cut.value as { m: string }).m).toBe(`${'x'.repeat(MAX_STRING)}${cutNote(100)}`);
    expect(parseJson(long, { cutStrings: false })).toEqual(whole);
  });

  it('a syntax error gives its line and column (after the BOM) and what was expected', () => {
    expect(parseJson('{\n  "a": 1,\n  "b" 2\n}')).toEqual({
      ok: false,
      line: 3,
      column: 7,
      message: `expected ':' after the property name but found "2"`,
    });
    expect(parseJson('\uFEFF[1,]')).toEqual({ ok: false, line: 1, column: 4, message: `expected a JSON value but found "]"` });
    expect(parseJson('')).toEqual({ ok: false, line: 1, column: 1, message: 'the file is empty' });
  });
});

describe('findJsonErrorOffset: every error, where it is and what it says', () => {
  const at = (text: string) => findJsonErrorOffset(text);

  it('empty or blank files', () => {
    expect(at('')).toEqual({ offset: 0, message: 'the file is empty' });
    expect(at(' \t\r\n ')).toEqual({ offset: 0, message: 'the file is empty' });
  });

  it('objects: names in double quotes, a colon, a comma or the closing brace', () => {
    expect(at('{x:1}')).toEqual({ offset: 1, message: 'expected a property name in double quotes but found "x"' });
    expect(at("{'a':1}")).toEqual({ offset: 1, message: `expected a property name in double quotes but found "'"` });
    expect(at('{"a":1,}')).toEqual({ offset: 7, message: 'expected a property name in double quotes but found "}"' });
    expect(at('{"a" 1}')).toEqual({ offset: 5, message: `expected ':' after the property name but found "1"` });
    expect(at('{"a":1 "b":2}')).toEqual({ offset: 7, message: `expected ',' or '}' after a property value but found "\\""` });
    expect(at('{"a":1')).toEqual({ offset: 6, message: `expected ',' or '}' after a property value but found end of file` });
    expect(at('{')).toEqual({ offset: 1, message: 'expected a property name in double quotes but found end of file' });
    expect(at('{"a":')).toEqual({ offset: 5, message: 'expected a JSON value but found end of file' });
  });

  it('arrays: a value, then a comma or the closing bracket', () => {
    expect(at('[1 2]')).toEqual({ offset: 3, message: `expected ',' or ']' after an array element but found "2"` });
    expect(at('[1,')).toEqual({ offset: 3, message: 'expected a JSON value but found end of file' });
    expect(at('[')).toEqual({ offset: 1, message: 'expected a JSON value but found end of file' });
    expect(at('[1')).toEqual({ offset: 2, message: `expected ',' or ']' after an array element but found end of file` });
    expect(at('[1}')).toEqual({ offset: 2, message: `expected ',' or ']' after an array element but found "}"` });
  });

  it('literals and numbers', () => {
    expect(at('[tru]')).toEqual({ offset: 1, message: 'expected a JSON value but found "t"' });
    expect(at('[nul]')).toEqual({ offset: 1, message: 'expected a JSON value but found "n"' });
    expect(at('[fals]')).toEqual({ offset: 1, message: 'expected a JSON value but found "f"' });
    expect(at('[-]')).toEqual({ offset: 1, message: 'invalid number' });
    expect(at('[-a]')).toEqual({ offset: 1, message: 'invalid number' });
    expect(at('[.5]')).toEqual({ offset: 1, message: 'expected a JSON value but found "."' });
    expect(at('[1.]')).toEqual({ offset: 2, message: `expected ',' or ']' after an array element but found "."` });
    expect(at('[1e]')).toEqual({ offset: 2, message: `expected ',' or ']' after an array element but found "e"` });
    expect(at('01')).toEqual({ offset: 1, message: 'unexpected "1" after the end of the JSON value' });
    expect(at('[+1]')).toEqual({ offset: 1, message: 'expected a JSON value but found "+"' });
    expect(at('[:]')).toEqual({ offset: 1, message: 'expected a JSON value but found ":"' });
    expect(at('[/]')).toEqual({ offset: 1, message: 'expected a JSON value but found "/"' });
    // The number is read where it starts: a digit later in the text is not a number here.
    expect(at('[-x5]')).toEqual({ offset: 1, message: 'invalid number' });
    expect(at('[1, 2 3]')).toEqual({ offset: 6, message: `expected ',' or ']' after an array element but found "3"` });
  });

  it('strings: escapes, control characters, the end of the file', () => {
    expect(at('["a\\x"]')).toEqual({ offset: 3, message: 'invalid escape in a string' });
    expect(at('["a\\u12G4"]')).toEqual({ offset: 3, message: 'invalid \\u escape in a string' });
    expect(at('["a\\u12"]')).toEqual({ offset: 3, message: 'invalid \\u escape in a string' });
    expect(at('["a\nb"]')).toEqual({ offset: 3, message: 'control character (such as a raw line break) inside a string' });
    expect(at('["a\u001fb"]')).toEqual({ offset: 3, message: 'control character (such as a raw line break) inside a string' });
    expect(at('["abc')).toEqual({ offset: 5, message: 'unterminated string' });
    expect(at('["a\\')).toEqual({ offset: 3, message: 'invalid escape in a string' });
    expect(at('{"a\\q":1}')).toEqual({ offset: 3, message: 'invalid escape in a string' });
  });

  it('after the value: anything but white space', () => {
    expect(at('{} x')).toEqual({ offset: 3, message: 'unexpected "x" after the end of the JSON value' });
    expect(at('[] []')).toEqual({ offset: 3, message: 'unexpected "[" after the end of the JSON value' });
    expect(at('"a""b"')).toEqual({ offset: 3, message: 'unexpected "\\"" after the end of the JSON value' });
  });

  it('valid JSON of every kind scans to its end (then JSON.parse was wrong to fail: "invalid JSON" at the end)', () => {
    const valid =
      ' { "a" : [ 1 , 9 , 90 , 1.25 , 1e5 , 1e10 , 1E+12 , -0.5e+3 , 2E-2 , 0 , "a b ~" , "s\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uABCD" , true , false , null , { } , [ ] ] , "b" : { "c" : {} } } \n';
    expect(() => JSON.parse(valid)).not.toThrow();
    expect(at(valid)).toEqual({ offset: valid.length, message: 'invalid JSON' });
    expect(at('{}')).toEqual({ offset: 2, message: 'invalid JSON' });
    expect(at('[]')).toEqual({ offset: 2, message: 'invalid JSON' });
    expect(at('"x"')).toEqual({ offset: 3, message: 'invalid JSON' });
    expect(at('-12')).toEqual({ offset: 3, message: 'invalid JSON' });
    expect(at('\t\r\ntrue\t\r\n')).toEqual({ offset: 10, message: 'invalid JSON' });
    expect(at('false')).toEqual({ offset: 5, message: 'invalid JSON' });
    expect(at('null')).toEqual({ offset: 4, message: 'invalid JSON' });
  });

  it(`nesting deeper than ${MAX_LOCATE_DEPTH} levels stops at the level that goes past it, in arrays and objects alike`, () => {
    const n = MAX_LOCATE_DEPTH;
    expect(n).toBe(5000);
    expect(at(`${'['.repeat(n)}${']'.repeat(n)}`)).toEqual({ offset: 2 * n, message: 'invalid JSON' });
    expect(at('['.repeat(n + 1))).toEqual({ offset: n, message: `nesting deeper than ${n} levels` });
    expect(at(`${'{"a":'.repeat(n)}1${'}'.repeat(n)}`)).toEqual({ offset: 6 * n + 1, message: 'invalid JSON' });
    expect(at(`${'{"a":'.repeat(n)}{`)).toEqual({ offset: 5 * n, message: `nesting deeper than ${n} levels` });
    expect(at(`${'{"a":['.repeat(n / 2)}{`)).toEqual({ offset: 6 * (n / 2), message: `nesting deeper than ${n} levels` });
    // Closed levels do not count: 20000 arrays side by side, each one deep.
    expect(at(`[${'[],'.repeat(20000)}[]]`)).toEqual({ offset: 60004, message: 'invalid JSON' });
    for (const sibling of ['{}', '{"a":1}', '[1]', '[[]]', '{"a":{}}']) {
      const text = `[${`${sibling},`.repeat(6000)}${sibling}]`;
      expect({ sibling, got: at(text) }).toEqual({ sibling, got: { offset: text.length, message: 'invalid JSON' } });
    }
    // Far deeper than the stack: still the nesting message (the locator never recurses past the limit).
    expect(at('['.repeat(200_000))).toEqual({ offset: n, message: `nesting deeper than ${n} levels` });
  });
});

describe('findDuplicateKey', () => {
  it('the second occurrence: its offset (opening quote), JSON path and key', () => {
    expect(findDuplicateKey('{"a":1,"a":2}')).toEqual({ offset: 7, path: '$.a', key: 'a' });
    expect(findDuplicateKey('{"runs":[{"results":[],"tool":{},"results":[]}]}')).toEqual({
      offset: 33,
      path: '$.runs[0].results',
      key: 'results',
    });
    expect(findDuplicateKey('[1,[2,3],{"x":{"k":1,"k":1}}]')).toEqual({ offset: 21, path: '$[2].x.k', key: 'k' });
    expect(findDuplicateKey('{"a":[0,0,0,{"b":1,"b":2}]}')?.path).toBe('$.a[3].b');
  });

  it('a base path for a value inside a larger document (streamed results)', () => {
    expect(findDuplicateKey('{"k":1,"k":2}', '$.runs[0].results[7]')).toEqual({ offset: 7, path: '$.runs[0].results[7].k', key: 'k' });
  });

  it('keys that are not identifiers are written in brackets; identifiers with $, _ and - as members', () => {
    expect(findDuplicateKey('{"a b":1,"a b":2}')?.path).toBe('$["a b"]');
    expect(findDuplicateKey('{"1a":1,"1a":2}')?.path).toBe('$["1a"]');
    expect(findDuplicateKey('{"":1,"":2}')?.path).toBe('$[""]');
    expect(findDuplicateKey('{"_$a-1":1,"_$a-1":2}')?.path).toBe('$._$a-1');
    expect(findDuplicateKey('{"x":{"é":1,"é":2}}')?.path).toBe('$.x["é"]');
  });

  it('escaped keys are compared decoded; escaped quotes and backslashes in strings are skipped correctly', () => {
    expect(findDuplicateKey('{"a":1,"\\u0061":2}')).toEqual({ offset: 7, path: '$.a', key: 'a' });
    expect(findDuplicateKey('{"a\\"":1,"a\\"":2}')).toEqual({ offset: 9, path: '$["a\\""]', key: 'a"' });
    expect(findDuplicateKey('{"a\\\\":1,"a":2}')).toBeUndefined(); // a\ and a
    expect(findDuplicateKey('{"s":"x\\\\","s":1}')).toEqual({ offset: 11, path: '$.s', key: 's' });
    expect(findDuplicateKey('{"s":"\\"a\\":1,","t":1}')).toBeUndefined(); // a key-like text inside a value
  });

  it('only keys of the same object count: siblings, nested objects, values equal to keys, objects in arrays', () => {
    expect(findDuplicateKey('{"a":{"a":1},"b":[{"a":1},{"a":2}],"A":1}')).toBeUndefined();
    expect(findDuplicateKey('{"a":"a","b":"a"}')).toBeUndefined();
    expect(findDuplicateKey('[{"k":1},{"k":1}]')).toBeUndefined();
    expect(findDuplicateKey('{"o":{"k":1},"p":{"k":1},"q":{"k":1,"k":1}}')).toEqual({ offset: 36, path: '$.q.k', key: 'k' });
    // After a nested object closes, the next key is still the outer object's.
    expect(findDuplicateKey('{"a":{"x":1},"a":2}')).toEqual({ offset: 13, path: '$.a', key: 'a' });
    expect(findDuplicateKey('{"a":[{"x":1}],"a":2}')).toEqual({ offset: 15, path: '$.a', key: 'a' });
  });

  it('objects with more than 8 keys are checked the same (a Set from the ninth key on)', () => {
    for (const n of [8, 9, 10, 40]) {
      const keys = Array.from({ length: n }, (_, i) => `"k${i}":${i}`);
      const text = `{${keys.join(',')}}`;
      expect(findDuplicateKey(text)).toBeUndefined();
      for (const dup of [0, n - 1]) {
        const withDup = `${text.slice(0, -1)},"k${dup}":0}`;
        expect(findDuplicateKey(withDup)).toEqual({ offset: text.length, path: `$.k${dup}`, key: `k${dup}` });
      }
    }
    // The Set of a big object is not left behind for the next object at the same depth.
    const big = `{${Array.from({ length: 12 }, (_, i) => `"k${i}":{}`).join(',')}}`;
    expect(findDuplicateKey(`[${big},{"k1":1}]`)).toBeUndefined();
    expect(findDuplicateKey(`[{"o":${big}},{"o":{"k1":1,"k2":1}}]`)).toBeUndefined();
    expect(findDuplicateKey(`[${big},{"k1":1,"k1":2}]`)).toEqual({ offset: big.length + 10, path: '$[1].k1', key: 'k1' });
    // Nor the keys of a small one.
    expect(findDuplicateKey('[{"a":1,"b":2},{"a":1,"b":2}]')).toBeUndefined();
  });

  it('array indexes count commas of that array only (not of nested values or strings)', () => {
    expect(findDuplicateKey('[[1,2,3],"a,b",{"x":[1,2]},{"k":1,"k":2}]')?.path).toBe('$[3].k');
    expect(findDuplicateKey('{"a":[1,2],"b":[{"c":1},{"c":2,"c":3}]}')?.path).toBe('$.b[1].c');
  });

  it('a document that is a string or an array of strings has no keys', () => {
    expect(findDuplicateKey('"a"')).toBeUndefined();
    expect(findDuplicateKey('["a","a"]')).toBeUndefined();
    expect(findDuplicateKey('[["k","k"],{"k":["k","k"]}]')).toBeUndefined();
  });

  it('text that is not valid JSON ends the scan without a result (its syntax error is reported elsewhere)', () => {
    expect(findDuplicateKey('{"a":1,"a')).toBeUndefined();
    expect(findDuplicateKey('{"a\\"')).toBeUndefined();
    expect(findDuplicateKey('')).toBeUndefined();
  });

  it('the message names the key (cut at 60 characters) and its path', () => {
    expect(duplicateKeyMessage({ offset: 7, path: '$.runs[0].results', key: 'results' })).toEqual({
      message: 'duplicate key "results" at $.runs[0].results: JSON readers keep only one of the values, so findings could be hidden',
      hint: 'each key may appear once per object; fix the tool or step that wrote this report and run it again',
    });
    expect(duplicateKeyMessage({ offset: 0, path: '$', key: 'k'.repeat(60) }).message).toContain(`"${'k'.repeat(60)}" at $`);
    expect(duplicateKeyMessage({ offset: 0, path: '$', key: 'k'.repeat(61) }).message).toContain(`"${'k'.repeat(60)}…" at $`);
  });
});

describe('cutLongStrings', () => {
  const str = (body: string) => `{"m":"${body}"}`;

  it('keeps strings up to max + 64 characters whole, and the very same text when nothing is cut', () => {
    const text = str('x'.repeat(74));
    expect(cutLongStrings(text, 10)).toBe(text);
    expect(cutLongStrings('[1,2,true]', 10)).toBe('[1,2,true]');
    expect(cutNote(3)).toBe('… [cut: 3 characters]');
  });

  it('cuts a longer string at max characters and says how many were left out', () => {
    expect(cutLongStrings(str('x'.repeat(75)), 10)).toBe(str(`${'x'.repeat(10)}${cutNote(65)}`));
    expect(JSON.parse(cutLongStrings(str(`${'a'.repeat(10)}${'b'.repeat(90)}`), 10))).toEqual({ m: `${'a'.repeat(10)}${cutNote(90)}` });
  });

  it('cuts every long string, keys and values, and keeps what is between them', () => {
    const long = 'y'.repeat(100);
    const text = `{"${long}":["${long}", 1, "short", "${long}"]}`;
    expect(cutLongStrings(text, 10)).toBe(
      `{"${'y'.repeat(10)}${cutNote(90)}":["${'y'.repeat(10)}${cutNote(90)}", 1, "short", "${'y'.repeat(10)}${cutNote(90)}"]}`,
    );
  });

  it('counts what escapes stand for, not their characters', () => {
    // 10 kept, then 70 escapes of 2 characters (\n) and 10 of 6 (\u00e9): 80 characters left out.
    const body = `${'k'.repeat(10)}${'\\n'.repeat(70)}${'\\u00e9'.repeat(10)}`;
    expect(cutLongStrings(str(body), 10)).toBe(str(`${'k'.repeat(10)}${cutNote(80)}`));
  });

  it('does not split an escape: the cut moves back to before it', () => {
    // max 10 falls inside "\n" (characters 9-10) and inside "\u00e9" (characters 8-13).
    const two = `${'a'.repeat(9)}\\n${'b'.repeat(100)}`;
    expect(cutLongStrings(str(two), 10)).toBe(str(`${'a'.repeat(9)}${cutNote(101)}`));
    const six = `${'a'.repeat(8)}\\u00e9${'b'.repeat(100)}`;
    expect(cutLongStrings(str(six), 10)).toBe(str(`${'a'.repeat(8)}${cutNote(101)}`));
    // An escaped backslash before the cut is a whole escape: "\\" then "n" is not an escape at the cut.
    const escBackslash = `${'a'.repeat(8)}\\\\n${'b'.repeat(100)}`;
    expect(cutLongStrings(str(escBackslash), 10)).toBe(str(`${'a'.repeat(8)}\\\\${cutNote(101)}`));
    // A cut right after a whole escape keeps it.
    const after = `${'a'.repeat(8)}\\n${'b'.repeat(100)}`;
    expect(cutLongStrings(str(after), 10)).toBe(str(`${'a'.repeat(8)}\\n${cutNote(100)}`));
  });

  it('cuts a string that starts the text (a document that is one string)', () => {
    expect(cutLongStrings(`"${'a'.repeat(100)}"`, 10)).toBe(`"${'a'.repeat(10)}${cutNote(90)}"`);
  });

  it('every JSON escape and plain spaces in the left-out part are counted, not taken for bad JSON', () => {
    for (const esc of ['\\"', '\\\\', '\\/', '\\b', '\\f', '\\n', '\\r', '\\t', '\\u0041', ' ', '~', '\u00e9']) {
      const body = `${'k'.repeat(10)}${esc.repeat(70)}`;
      expect({ esc, cut: cutLongStrings(str(body), 10) }).toEqual({ esc, cut: str(`${'k'.repeat(10)}${cutNote(70)}`) });
    }
  });

  it('an escaped backslash just before an escape that the cut would split: the cut moves before the escape, not into the pair', () => {
    // 7 a's, an escaped backslash (characters 7-8), then \n (characters 9-10): the cut at 10 moves back to 9.
    const body = `${'a'.repeat(7)}\\\\\\n${'b'.repeat(100)}`;
    const cut = cutLongStrings(str(body), 10);
    expect(cut).toBe(str(`${'a'.repeat(7)}\\\\${cutNote(101)}`));
    expect(JSON.parse(cut)).toEqual({ m: `${'a'.repeat(7)}\\${cutNote(101)}` });
  });

  it('does not split a surrogate pair', () => {
    // The pair is characters 9 and 10 (UTF-16 units, as everywhere here): both are left out.
    const body = `${'a'.repeat(9)}😀${'b'.repeat(100)}`;
    expect(cutLongStrings(str(body), 10)).toBe(str(`${'a'.repeat(9)}${cutNote(102)}`));
    // The first and last high surrogates (U+10000 and U+10FFFF) are pairs too; a low surrogate alone at the cut is not.
    for (const pair of ['\uD800\uDC00', '\uDBFF\uDFFF']) {
      expect(cutLongStrings(str(`${'a'.repeat(9)}${pair}${'b'.repeat(100)}`), 10)).toBe(str(`${'a'.repeat(9)}${cutNote(102)}`));
    }
    expect(cutLongStrings(str(`${'a'.repeat(9)}\uD7FF${'b'.repeat(100)}`), 10)).toBe(str(`${'a'.repeat(9)}\uD7FF${cutNote(100)}`));
    expect(cutLongStrings(str(`${'a'.repeat(9)}\uDC00${'b'.repeat(100)}`), 10)).toBe(str(`${'a'.repeat(9)}\uDC00${cutNote(100)}`));
    const whole = `${'a'.repeat(8)}😀${'b'.repeat(100)}`; // characters 8 and 9: kept
    expect(cutLongStrings(str(whole), 10)).toBe(str(`${'a'.repeat(8)}😀${cutNote(100)}`));
  });

  it('keeps a string whole when its left-out part is not valid JSON (JSON.parse then reports it)', () => {
    for (const bad of ['\\x', '\\u12', '\\u12G4', '\u0001', '\n']) {
      const text = str(`${'a'.repeat(20)}${bad}${'z'.repeat(100)}`); // not hex digits after \\u12
      expect(cutLongStrings(text, 10)).toBe(text);
    }
    // A bad escape in the kept part is not looked at here either: JSON.parse reports it.
    const early = str(`a\\x${'b'.repeat(100)}`);
    expect(cutLongStrings(early, 10)).toBe(str(`a\\x${'b'.repeat(7)}${cutNote(93)}`));
  });

  it('finds closing quotes past escaped quotes and escaped backslashes', () => {
    // 40 times q\" (120 characters): 10 kept (q\"q\"q\"q), the rest, \" and 36 times q\", stands for 73.
    const quoted = 'q\\"'.repeat(40);
    expect(JSON.parse(cutLongStrings(str(quoted), 10))).toEqual({ m: `q"q"q"q${cutNote(73)}` });
    const slashes = `${'a'.repeat(100)}\\\\`; // ends with an escaped backslash, then the closing quote
    expect(cutLongStrings(`["${slashes}","z"]`, 10)).toBe(`["${'a'.repeat(10)}${cutNote(91)}","z"]`);
  });

  it('an unterminated string ends the scan: the text is returned as it is', () => {
    const text = `["${'a'.repeat(100)}`;
    expect(cutLongStrings(text, 10)).toBe(text);
    const afterCut = `["${'a'.repeat(100)}","${'b'.repeat(100)}`;
    expect(cutLongStrings(afterCut, 10)).toBe(`["${'a'.repeat(10)}${cutNote(90)}","${'b'.repeat(100)}`);
  });

  it(`the default max is MAX_STRING (${MAX_STRING}), with 64 characters of slack`, () => {
    expect(MAX_STRING).toBe(65536);
    const keep = str('z'.repeat(MAX_STRING + 64));
    expect(cutLongStrings(keep)).toBe(keep);
    expect(cutLongStrings(str('z'.repeat(MAX_STRING + 65)))).toBe(str(`${'z'.repeat(MAX_STRING)}${cutNote(65)}`));
  });
});

describe('utf16Units and utf8CutPoint (the byte-level cut of streamed strings and XML text)', () => {
  it('UTF-16 units per leading byte: ASCII 1, continuation 0, 2- and 3-byte sequences 1, 4-byte 2', () => {
    expect([0x00, 0x41, 0x7f].map(utf16Units)).toEqual([1, 1, 1]);
    expect([0x80, 0xa9, 0xbf].map(utf16Units)).toEqual([0, 0, 0]);
    expect([0xc0, 0xc3, 0xdf, 0xe0, 0xe2, 0xef].map(utf16Units)).toEqual([1, 1, 1, 1, 1, 1]);
    expect([0xf0, 0xf4, 0xff].map(utf16Units)).toEqual([2, 2, 2]);
  });

  const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

  it('-1 (kept whole) up to MAX_STRING + 64 units; the offset of the first character past MAX_STRING beyond that', () => {
    const ok = bytes('a'.repeat(MAX_STRING + 64));
    expect(utf8CutPoint(ok, 0, ok.length)).toBe(-1);
    const long = bytes('a'.repeat(MAX_STRING + 65));
    expect(utf8CutPoint(long, 0, long.length)).toBe(MAX_STRING);
    // from/to delimit the text: a prefix before `from` and bytes after `to` do not count.
    const framed = bytes(`"${'a'.repeat(MAX_STRING + 65)}"tail`);
    expect(utf8CutPoint(framed, 1, 1 + MAX_STRING + 65)).toBe(1 + MAX_STRING);
    expect(utf8CutPoint(framed, 1, 1 + MAX_STRING + 64)).toBe(-1);
  });

  it('counts multi-byte characters as the UTF-16 units they become, and cuts before a character that would cross', () => {
    // 3-byte characters (€): one unit each.
    const euro = bytes('€'.repeat(MAX_STRING + 65));
    expect(utf8CutPoint(euro, 0, euro.length)).toBe(3 * MAX_STRING);
    const euroOk = bytes('€'.repeat(MAX_STRING + 64));
    expect(utf8CutPoint(euroOk, 0, euroOk.length)).toBe(-1);
    // A 4-byte character (two units) whose second unit would be past MAX_STRING is cut before it.
    const pair = bytes(`${'a'.repeat(MAX_STRING - 1)}😀${'b'.repeat(100)}`);
    expect(utf8CutPoint(pair, 0, pair.length)).toBe(MAX_STRING - 1);
    const fits = bytes(`${'a'.repeat(MAX_STRING - 2)}😀${'b'.repeat(100)}`);
    expect(utf8CutPoint(fits, 0, fits.length)).toBe(MAX_STRING + 2);
    // 2-byte characters (é).
    const e = bytes('é'.repeat(MAX_STRING + 65));
    expect(utf8CutPoint(e, 0, e.length)).toBe(2 * MAX_STRING);
  });
});
