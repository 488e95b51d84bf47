/**
 * Helpers of the native parsers of ZAP, Dependency-Check, Snyk, Bandit, Checkov and GitLab reports (those of all
 * parsers are in collector.ts).
 */
import type { ToolRef } from '../../model';
import { normalizeEcosystem } from '../ecosystem';
import { isObj, own, text } from '../values';
import { decodeOrKeep } from './collector';

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

/** Unique list of tools in insertion order. */
export class ToolSet {
  private readonly map = new Map<string, ToolRef>();
  add(t: ToolRef): ToolRef {
    const key = `${t.name}\u0000${t.version ?? ''}`;
    const known = this.map.get(key);
    if (known) return known;
    this.map.set(key, t);
    return t;
  }
  list(): ToolRef[] {
    return [...this.map.values()];
  }
}

export function toolRef(name: string, version?: string): ToolRef {
  return version ? { name, version } : { name };
}

export function lower(s: string | undefined): string | undefined {
  return s ? s.toLowerCase() : undefined;
}

export interface Purl {
  type: string;
  namespace?: string;
  name: string;
  version?: string;
}

/** Parses a package URL (`pkg:type/namespace/name@version?qualifiers#subpath`); undefined when it is not one. */
export function parsePurl(purl: string | undefined): Purl | undefined {
  if (!purl) return undefined;
  let s = purl.trim();
  if (!/^pkg:/i.test(s)) return undefined;
  s = s.slice(4).replace(/^\/+/, '');
  const hash = s.indexOf('#');
  if (hash >= 0) s = s.slice(0, hash);
  const q = s.indexOf('?');
  if (q >= 0) s = s.slice(0, q);
  const slash = s.indexOf('/');
  if (slash <= 0) return undefined;
  const type = s.slice(0, slash).toLowerCase();
  let rest = s.slice(slash + 1);
  let version: string | undefined;
  const at = rest.lastIndexOf('@');
  // An `@` at the start of a segment is an npm scope (`%40` when properly encoded, but tools write `@` too).
  if (at > 0 && rest[at - 1] !== '/') {
    version = decodeOrKeep(rest.slice(at + 1)) || undefined;
    rest = rest.slice(0, at);
  }
  const parts = rest.split('/').filter((p) => p !== '').map(decodeOrKeep);
  const name = parts.pop();
  if (!name) return undefined;
  return { type, namespace: parts.length ? parts.join('/') : undefined, name, version };
}

const OS_TYPES = new Set(['deb', 'rpm', 'apk', 'alpm']);

/** The package name as the ecosystem's own tools spell it (`group:artifact` for Maven, `@scope/name` for npm …). */
export function purlPackageName(p: Purl): string {
  if (!p.namespace) return p.name;
  const type = normalizeEcosystem(p.type);
  if (type === 'maven') return `${p.namespace}:${p.name}`;
  // For OS packages the namespace is the distribution (pkg:deb/debian/curl), not part of the name.
  if (type && OS_TYPES.has(type)) return p.name;
  return `${p.namespace}/${p.name}`;
}

/** First http(s) URL in a text (ZAP and Dependency-Check reference lists are HTML or plain text). */
const URL_RE = /https?:\/\/[^\s<>"']+/i;
export function firstUrl(s: string | undefined): string | undefined {
  if (!s) return undefined;
  return URL_RE.exec(s)?.[0];
}

/**
 * A URL with the values of its query parameters removed (`/p?id=5&x=1` → `/p?id=&x=`) and without fragment, so
 * fingerprints of web findings do not change with ids in the URL.
 */
export function urlWithoutQueryValues(url: string): string {
  const hash = url.indexOf('#');
  const u = hash >= 0 ? url.slice(0, hash) : url;
  const q = u.indexOf('?');
  if (q < 0) return u;
  const names = u
    .slice(q + 1)
    .split('&')
    .filter((kv) => kv !== '')
    .map((kv) => {
      const eq = kv.indexOf('=');
      return `${eq >= 0 ? kv.slice(0, eq) : kv}=`;
    });
  return `${u.slice(0, q)}?${names.join('&')}`;
}

const VULN_ID = /^(?!CWE-)[A-Z][A-Z0-9]*-[A-Z0-9][\w.:-]*$/i;

/** True for strings that look like advisory ids (`CVE-…`, `GHSA-…`, `SNYK-…`, `GMS-…`), not free text or numbers. */
export function looksLikeVulnId(s: string | undefined): s is string {
  return !!s && s.length <= 100 && VULN_ID.test(s);
}

/** Appends a labelled paragraph to a message when the value is present. */
export function withSection(message: string, label: string, value: string | undefined): string {
  return value ? `${message}\n\n${label}: ${value}` : message;
}
