import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { cutNote, lineColumn, MAX_STRING, utf16Units, utf8CutPoint } from './json';

export type XmlParseOutcome =
  | { ok: true; value: unknown }
  /** `hint` is set when the document is well-formed but refused (an entity declaration). */
  | { ok: false; line: number; column: number; message: string; hint?: string };

// Made on first use: the XML parser is a sidecar file of the bundles, loaded only by runs that read XML (issue #21).
let parser: XMLParser | undefined;
const xmlParser = (): XMLParser =>
  (parser ??= new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    textNodeName: '#text',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    // The five predefined entities (`&lt;` …) are decoded; entity declarations are refused before parsing (see
    // `declaredEntity`), so no DOCTYPE entity is ever expanded.
    processEntities: true,
    isArray: () => false,
  }));

/**
 * Parses an XML document into plain objects (attributes as `@_name`, text as `#text` when mixed).
 * Repeated elements become arrays; a single element is an object: use `asArray` when reading.
 */
export function parseXml(text: string): XmlParseOutcome {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const entity = declaredEntity(body);
  if (entity !== undefined) {
    return {
      ok: false,
      ...lineColumn(body, entity),
      message:
        'the DOCTYPE declares an entity (<!ENTITY): entity declarations are refused in scanner reports (nested ones expand to gigabytes, their text can replace report content, external ones would read files or URLs)',
      hint: 'scanners do not write entity declarations: use the report as the scanner wrote it, or remove the DOCTYPE',
    };
  }
  const valid = XMLValidator.validate(body);
  if (valid !== true) {
    const unclosed = unclosedTags(valid.err.msg);
    if (unclosed) {
      // The validator says `Invalid '["a","b"]' found.` at 1:1 for elements left open at the end: name them, at the end.
      const end = lineColumn(body, body.length);
      return {
        ok: false,
        ...end,
        message: `the document ends before the closing tag of <${unclosed[unclosed.length - 1]}>${unclosed.length > 1 ? ` (elements still open: ${unclosed.map((t) => `<${t}>`).join(', ')})` : ''}`,
      };
    }
    return { ok: false, line: valid.err.line, column: valid.err.col, message: valid.err.msg };
  }
  try {
    return { ok: true, value: xmlParser().parse(body) as unknown };
  } catch (err) {
    return { ok: false, line: 1, column: 1, message: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * The offset of the first `<!ENTITY` declaration in the document's DOCTYPE (its internal subset), or undefined when
 * there is none. Only the prolog is looked at (the XML declaration, comments, processing instructions, then
 * `<!DOCTYPE`): a `<!DOCTYPE` quoted in a report's text is not a declaration. A DOCTYPE without entities (an
 * external DTD named by SYSTEM or PUBLIC, which is never read) is allowed.
 */
export function declaredEntity(body: string): number | undefined {
  let i = 0;
  for (;;) {
    while (i < body.length && (body[i] === ' ' || body[i] === '\t' || body[i] === '\n' || body[i] === '\r')) i++;
    const end = body.startsWith('<?', i) ? body.indexOf('?>', i + 2) + 2 : body.startsWith('<!--', i) ? body.indexOf('-->', i + 4) + 3 : -1;
    if (end < 0) break; // (not a prolog item)
    if (end < 2) return undefined; // unclosed: the validator says where
    i = end;
  }
  if (body.slice(i, i + 9).toUpperCase() !== '<!DOCTYPE') return undefined;
  // To the end of the DOCTYPE: a `>` outside quotes and outside the internal subset `[…]`; comments skipped.
  let depth = 0;
  let quote = '';
  for (let k = i + 9; k < body.length; k++) {
    const c = body[k];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '[') {
      depth++;
    } else if (c === ']') {
      depth--;
    } else if (c === '>' && depth <= 0) {
      return undefined;
    } else if (c === '<' && body.startsWith('<!--', k)) {
      const e = body.indexOf('-->', k + 4);
      if (e < 0) return undefined;
      k = e + 2;
    } else if (c === '<' && body.slice(k, k + 8).toUpperCase() === '<!ENTITY') {
      return k;
    }
  }
  return undefined;
}

/** The tag names of fast-xml-parser's "Invalid '[…]' found." (elements not closed at the end of the text), or undefined. */
function unclosedTags(msg: string): string[] | undefined {
  const m = /^Invalid '(\[[\s\S]*\])' found\.$/.exec(msg);
  if (!m) return undefined;
  try {
    const tags: unknown = JSON.parse(m[1] as string);
    return Array.isArray(tags) && tags.length > 0 && tags.every((t) => typeof t === 'string')
      ? (tags as string[]).map((t) => (t.length > 60 ? `${t.slice(0, 60)}…` : t))
      : undefined;
  } catch {
    return undefined;
  }
}

/** `undefined` → [], a single value → [value], an array → itself. For XML-derived and loosely-typed JSON alike. */
export function asArray<T = unknown>(v: unknown): T[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]) as T[];
}

/**
 * The text of an XML file's bytes with every run of character data (between a `>` and the next `<`) longer than
 * MAX_STRING characters cut to MAX_STRING, with the note JSON strings get ("… [cut: N characters]", N counted in the
 * file's text, entities as written); only the kept parts are decoded. Undefined when no run is that long. A cut that
 * breaks the document (a run inside a CDATA section or a comment) shows as an XML error: callers then parse the text
 * as it is.
 */
export function cutXmlBytes(buf: Buffer): string | undefined {
  let parts: string[] | undefined;
  let copied = 0;
  let i = buf.indexOf(0x3e);
  while (i >= 0) {
    let q = buf.indexOf(0x3c, i + 1);
    if (q < 0) q = buf.length;
    if (q - i - 1 > MAX_STRING + 64) {
      let cutAt = utf8CutPoint(buf, i + 1, q);
      if (cutAt >= 0) {
        // Not inside an entity reference (`&amp;`, `&#x1F600;`): cut before it.
        const amp = buf.lastIndexOf(0x26, cutAt - 1);
        if (amp > i && cutAt - amp <= 12 && buf.indexOf(0x3b, amp) >= cutAt) cutAt = amp;
        let removed = 0;
        for (let k = cutAt; k < q; k++) removed += utf16Units(buf[k] as number);
        (parts ??= []).push(buf.toString('utf8', copied, cutAt), cutNote(removed));
        copied = q;
      }
    }
    i = q < buf.length ? buf.indexOf(0x3e, q + 1) : -1;
  }
  if (!parts) return undefined;
  parts.push(buf.toString('utf8', copied, buf.length));
  return parts.join('');
}
