import { XMLParser, XMLValidator } from 'fast-xml-parser';

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
    return { ok: false, line: valid.err.line, column: valid.err.col, message: valid.err.msg };
  }
  try {
    return { ok: true, value: parser.parse(body) as unknown };
  } catch (err) {
    return { ok: false, line: 1, column: 1, message: err instanceof Error ? err.message : String(err) };
  }
}

/** `undefined` → [], a single value → [value], an array → itself. For XML-derived and loosely-typed JSON alike. */
export function asArray<T = unknown>(v: unknown): T[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]) as T[];
}
