/** XML nodes as the XML parser gives them (ZAP and Dependency-Check reports): repeated children and text nodes. */
import { isObj, own, text } from '../values';

/**
 * XML helper: the elements of a repeated child (`<x><item/><item/></x>`): a single element is an object, repeated
 * ones an array, an empty parent is `''`. Non-object entries are dropped (text nodes of malformed files).
 */
export function xmlList(parent: unknown, child: string): unknown[] {
  const v = own(parent, child);
  if (v === undefined || v === null || v === '') return [];
  return Array.isArray(v) ? v : [v];
}

/** Text of an XML node that may carry attributes (`{"#text": "low", "@_unscored": "true"}`) or of a plain value. */
export function nodeText(v: unknown): string | undefined {
  if (isObj(v)) return text(own(v, '#text'));
  return text(v);
}
