/**
 * A CSV reader (RFC 4180 with the usual extensions): `,` separated, fields optionally in double quotes, `""` for a
 * quote inside a quoted field, newlines (LF or CRLF) inside quoted fields, a byte order mark at the start, a final
 * newline or none. Pure, linear in the text, never throws: malformed input (a quoted field that never ends, text after
 * a closing quote, a quote inside an unquoted field) is reported with its line and column, since reading on would
 * shift every later field and could swallow whole records.
 */

export interface CsvRecord {
  /** 1-based line where the record starts (a record with quoted newlines spans several lines). */
  line: number;
  cells: string[];
}

export interface CsvTable {
  /** Marks the document as parsed CSV for the format parsers (`detect`). */
  readonly syntax: 'csv';
  /** The header record's cells, as written (not trimmed). */
  header: string[];
  /** The records after the header; blank lines are skipped. */
  records: CsvRecord[];
}

export type CsvOutcome = { ok: true; value: CsvTable } | { ok: false; message: string; line: number; column: number };

export function isCsvTable(v: unknown): v is CsvTable {
  return typeof v === 'object' && v !== null && (v as { syntax?: unknown }).syntax === 'csv' && Array.isArray((v as CsvTable).header);
}

export function parseCsv(input: string): CsvOutcome {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const rows: CsvRecord[] = [];
  let line = 1;
  let lineStart = 0;
  let cells: string[] = [];
  let recordLine = 1;
  let i = 0;
  const n = text.length;
  const fail = (message: string, at: number, atLine = line, atLineStart = lineStart): CsvOutcome => ({
    ok: false,
    message,
    line: atLine,
    column: at - atLineStart + 1,
  });
  // Whether the current record has any content (a blank line is no record).
  let blank = true;
  while (i <= n) {
    const c = i < n ? text.charCodeAt(i) : -1;
    if (c === 0x22 /* " */) {
      const openLine = line;
      const openStart = lineStart;
      const open = i;
      let value = '';
      let from = i + 1;
      i++;
      for (;;) {
        if (i >= n)
          return fail(
            'a quoted field opened here never ends (a missing closing `"`): the records after it cannot be told apart',
            open,
            openLine,
            openStart,
          );
        const d = text.charCodeAt(i);
        if (d === 0x22) {
          if (text.charCodeAt(i + 1) === 0x22) {
            value += text.slice(from, i + 1);
            i += 2;
            from = i;
            continue;
          }
          value += text.slice(from, i);
          i++;
          break;
        }
        if (d === 0x0a) {
          line++;
          lineStart = i + 1;
        }
        i++;
      }
      const after = i < n ? text.charCodeAt(i) : -1;
      if (after !== 0x2c && after !== 0x0a && after !== 0x0d && after !== -1) {
        return fail(
          'text after the closing quote of a field: expected `,` or the end of the line (write `""` for a quote inside a quoted field)',
          i,
        );
      }
      cells.push(value.replace(/\r\n/g, '\n'));
      blank = false;
      if (after === 0x2c) i++;
      else i = endOfRecord(i);
      continue;
    }
    // An unquoted field: up to `,` or the end of the line.
    let j = i;
    while (j < n) {
      const d = text.charCodeAt(j);
      if (d === 0x2c || d === 0x0a || d === 0x0d) break;
      if (d === 0x22) return fail('a `"` inside a field that is not quoted: quote the whole field and write `""` for each quote in it', j);
      j++;
    }
    const value = text.slice(i, j);
    const next = j < n ? text.charCodeAt(j) : -1;
    if (value !== '' || next === 0x2c || cells.length > 0) {
      cells.push(value);
      blank = false;
    }
    if (next === 0x2c) {
      // (After a trailing comma, the empty last field is read at the line break: `cells` is not empty there.)
      i = j + 1;
      continue;
    }
    i = endOfRecord(j);
  }
  const [header, ...records] = rows;
  if (!header) return { ok: false, message: 'the CSV file has no header line', line: 1, column: 1 };
  return { ok: true, value: { syntax: 'csv', header: header.cells, records } };

  /** Ends the current record at `at` (a line break or the end of the text); returns where the next one starts. */
  function endOfRecord(at: number): number {
    if (!blank) rows.push({ line: recordLine, cells });
    cells = [];
    blank = true;
    let k = at;
    if (text.charCodeAt(k) === 0x0d) k++;
    if (text.charCodeAt(k) === 0x0a) k++;
    if (k === at) return n + 1; // the end of the text
    line++;
    lineStart = k;
    recordLine = line;
    return k;
  }
}
