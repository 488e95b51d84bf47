/** Package URLs (purl): parsing, and the package name as the ecosystem spells it (Dependency-Check reports). */
import { normalizeEcosystem } from '../ecosystem';
import { decodeOrKeep } from './collector';

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
  const parts = rest
    .split('/')
    .filter((p) => p !== '')
    .map(decodeOrKeep);
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
