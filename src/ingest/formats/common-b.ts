/** Shared helpers for the native parsers of ZAP, Dependency-Check, Snyk, Bandit, Checkov and GitLab reports. */
import type { Finding, InputError, ToolRef } from '../../model';
import { normalizeEcosystem } from '../ecosystem';
import { normalizePath } from '../paths';
import type { ParseContext } from '../types';
import { isObj, own, text } from '../util';

/** How a value is described in error messages: `a number`, `an object`, `null` … */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  const t = typeof v;
  return t === 'object' ? 'an object' : t === 'undefined' ? 'nothing' : `a ${t}`;
}

/** Collects problems of one file. */
export class Problems {
  readonly errors: InputError[] = [];
  constructor(private readonly file: string) {}

  add(jsonPath: string, message: string, hint?: string, severity: 'partial' | 'fatal' | 'scanner' = 'partial'): void {
    this.errors.push({ file: this.file, jsonPath, message, ...(hint ? { hint } : {}), severity });
  }

  /**
   * An optional array member: absent/null → [], an array → itself, anything else → [] plus a partial error.
   */
  array(v: unknown, jsonPath: string, hint?: string): unknown[] {
    if (v === undefined || v === null) return [];
    if (Array.isArray(v)) return v;
    this.add(jsonPath, `expected an array, found ${describeValue(v)}`, hint);
    return [];
  }

  /** An array element that must be an object; reports and returns undefined otherwise. */
  object(v: unknown, jsonPath: string, hint?: string): Record<string, unknown> | undefined {
    if (isObj(v)) return v;
    this.add(jsonPath, `expected an object, found ${describeValue(v)}`, hint ?? 'the record was skipped');
    return undefined;
  }
}

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

/** Sets `path` (repository-relative) or `location` (anything else) from a scanner's file reference. */
export function applyPath(f: Pick<Finding, 'path' | 'location'>, ref: string | undefined, ctx: ParseContext): void {
  if (!ref) return;
  const n = normalizePath(ref, ctx.workspace);
  if ('path' in n) f.path = n.path;
  else f.location = n.location;
}

export function lower(s: string | undefined): string | undefined {
  return s ? s.toLowerCase() : undefined;
}

const CVSS_VERSION = /^CVSS:(\d+(?:\.\d+)?)\//i;

/** `CVSS:3.1/AV:N/…` → `3.1`; vectors without a prefix (CVSS v2) → undefined. */
export function cvssVersionOf(vector: string | undefined): string | undefined {
  if (!vector) return undefined;
  return CVSS_VERSION.exec(vector)?.[1];
}

export interface Purl {
  type: string;
  namespace?: string;
  name: string;
  version?: string;
}

function dec(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
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
    version = dec(rest.slice(at + 1)) || undefined;
    rest = rest.slice(0, at);
  }
  const parts = rest.split('/').filter((p) => p !== '').map(dec);
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
