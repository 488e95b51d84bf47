import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { lineColumn } from './json';

export type XmlParseOutcome = { ok: true; value: unknown } | { ok: false; line: number; column: number; message: string };

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  // Never expand DOCTYPE entities from untrusted files (billion laughs).
  isArray: () => false,
});

/**
 * Parses an XML document into plain objects (attributes as `@_name`, text as `#text` when mixed).
 * Repeated elements become arrays; a single element is an object: use `asArray` when reading.
 */
export function parseXml(text: string): XmlParseOutcome {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const valid = XMLValidator.validate(body);
  if (valid !== true) {
    const unclosed = unclosedTags(valid.err.msg);
    if (unclosed) {
      // The validator says `Invalid '["a","b"]' found.` at 1:1 for elements left open at the end: name them, at the end.
      const end = lineColumn(body, body.length);
      return { ok: false, ...end, message: `the document ends before the closing tag of <${unclosed[unclosed.length - 1]}>${unclosed.length > 1 ? ` (elements still open: ${unclosed.map((t) => `<${t}>`).join(', ')})` : ''}` };
    }
    return { ok: false, line: valid.err.line, column: valid.err.col, message: valid.err.msg };
  }
  try {
    return { ok: true, value: parser.parse(body) as unknown };
  } catch (err) {
    return { ok: false, line: 1, column: 1, message: err instanceof Error ? err.message : String(err) };
  }
}

/** The tag names of fast-xml-parser's "Invalid '[…]' found." (elements not closed at the end of the text), or undefined. */
function unclosedTags(msg: string): string[] | undefined {
  const m = /^Invalid '(\[[\s\S]*\])' found\.$/.exec(msg);
  if (!m) return undefined;
  try {
    const tags: unknown = JSON.parse(m[1] as string);
    return Array.isArray(tags) && tags.length > 0 && tags.every((t) => typeof t === 'string') ? (tags as string[]).map((t) => (t.length > 60 ? `${t.slice(0, 60)}…` : t)) : undefined;
  } catch {
    return undefined;
  }
}

/** `undefined` → [], a single value → [value], an array → itself. For XML-derived and loosely-typed JSON alike. */
export function asArray<T = unknown>(v: unknown): T[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]) as T[];
}
