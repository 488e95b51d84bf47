/** Normalizing scanner locations to repository-relative paths. Pure: no file system access. */

export type NormalizedLocation = { path: string } | { location: string };

function decode(s: string): string {
  if (!s.includes('%')) return s; // nothing to decode (and decodeURIComponent is slow)
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Collapses `.` and `..` segments; returns undefined when the path climbs above its root. */
export function collapse(path: string): string | undefined {
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) return undefined;
      out.pop();
      continue;
    }
    out.push(seg);
  }
  return out.join('/');
}

function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:\//.test(p);
}

function hasScheme(u: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(u) && !/^[A-Za-z]:[\\/]/.test(u);
}

/**
 * A relative path that normalizing leaves as it is: no scheme or drive (`:`), backslash, percent-escape, query,
 * whitespace, empty segment, or segment starting with `.` (which covers `.` and `..`).
 */
const PLAIN_RELATIVE = /^[\w@+,=~-][\w@+,=~.-]*(?:\/[\w@+,=~-][\w@+,=~.-]*)*$/;

/**
 * Turns a scanner's file reference into a repository-relative path (with `/` separators) or, when it points outside
 * the workspace or is not a file, into a text location that is kept but never annotated.
 *
 * @param ref        the URI or path as the scanner wrote it (already joined with its base URI, if any)
 * @param workspace  absolute workspace path with `/` separators (e.g. `/home/runner/work/app/app`), if known
 */
export function normalizePath(ref: string, workspace?: string): NormalizedLocation {
  if (PLAIN_RELATIVE.test(ref)) return { path: ref }; // the usual case, already normalized
  return normalizeAny(ref, workspace);
}

/**
 * The repository-relative prefix that `normalizePath(joinUri(base, uri), workspace)` puts before every plain relative
 * `uri` (see PLAIN_RELATIVE: no scheme, `%`, `?`, `#`, `.` or `..` segment), when the base lies inside the workspace:
 * "" for the workspace itself, "sub/dir/" below it. Undefined otherwise (the caller then normalizes each joined URI).
 * Such a uri only appends segments, so the outcome is the base's with `a` as the probe (a CodeQL `%SRCROOT%` that is
 * the checkout: every result's path, without normalizing each absolute URI).
 */
export function basePrefix(base: string, workspace?: string): string | undefined {
  if (/[?#]/.test(base)) return undefined; // (normalizing cuts a query or fragment, and all that follows it)
  const probe = normalizePath(joinUri(base, 'a'), workspace);
  if (!('path' in probe)) return undefined;
  if (probe.path === 'a') return '';
  return probe.path.endsWith('/a') ? probe.path.slice(0, -1) : undefined;
}

/** Whether `normalizePath` leaves `ref` as it is (and `basePrefix` applies to it). */
export function isPlainRelative(ref: string): boolean {
  return PLAIN_RELATIVE.test(ref);
}

/**
 * Whether no plain relative uri (see PLAIN_RELATIVE) joined onto `base` is a repository path: the base is not a file
 * reference, or an absolute path neither inside the workspace nor above it (a checkout scanned on another machine,
 * e.g. CodeQL's `%SRCROOT%` at `/home/runner/work/…` read on a laptop). Such a uri only appends segments, so the
 * joined path starts with the base's: it can enter the workspace only when the workspace lies below the base. False
 * when in doubt (the caller then normalizes each joined URI).
 */
export function baseOutside(base: string, workspace?: string): boolean {
  if (/[?#]/.test(base)) return false;
  const probe = joinUri(base, 'a');
  if ('path' in normalizePath(probe, workspace)) return false;
  const s = fileRef(probe);
  if (s === undefined) return true; // a URI of another scheme: so is every joined one
  // A query or fragment in the decoded base (`%3F`) cut the uri off: every joined uri normalizes as the probe did.
  if (!s.endsWith('/a')) return true;
  if (!isAbsolutePath(s)) return false;
  const ws = workspace?.replace(/\\/g, '/').replace(/\/+$/, '');
  if (!ws) return true; // (an absolute path is a repository path only inside a known workspace)
  const dir = s.slice(0, -1);
  const cmpD = /^[A-Za-z]:/.test(dir) ? dir.toLowerCase() : dir;
  const cmpW = `${/^[A-Za-z]:/.test(ws) ? ws.toLowerCase() : ws}/`;
  return !cmpW.startsWith(cmpD) && !cmpD.startsWith(cmpW);
}

/**
 * The path a file reference names, as normalizing reads it (`/` separators, a `file:` scheme and authority removed,
 * percent-escapes decoded, a query or fragment cut), or undefined for an empty reference or one of another scheme.
 */
function fileRef(ref: string): string | undefined {
  let s = ref.trim().replace(/\\/g, '/');
  if (s === '') return undefined;
  if (/^file:/i.test(s)) {
    s = s.replace(/^file:(\/\/[^/]*)?/i, '');
    s = decode(s);
    if (/^\/[A-Za-z]:\//.test(s)) s = s.slice(1); // file:///C:/x
  } else if (hasScheme(s)) {
    return undefined;
  } else {
    s = decode(s);
  }
  return s.replace(/[?#].*$/, '');
}

/** `normalizePath` without its shortcut for plain relative paths (exported for the test that they agree). */
export function normalizeAny(ref: string, workspace?: string): NormalizedLocation {
  const s = fileRef(ref);
  if (s === undefined) return { location: ref };
  if (isAbsolutePath(s)) {
    const ws = workspace?.replace(/\\/g, '/').replace(/\/+$/, '');
    if (ws) {
      const cmpS = /^[A-Za-z]:/.test(s) ? s.toLowerCase() : s;
      const cmpW = /^[A-Za-z]:/.test(ws) ? ws.toLowerCase() : ws;
      if (cmpS.startsWith(`${cmpW}/`)) {
        const rel = collapse(s.slice(ws.length + 1));
        if (rel) return { path: rel };
      }
    }
    return { location: ref };
  }
  const rel = collapse(s);
  if (rel === undefined || rel === '') return { location: ref };
  return { path: rel };
}

/** Joins a relative URI reference onto a base URI (SARIF `uriBaseId` resolution); both may be file URIs or paths. */
export function joinUri(base: string, ref: string): string {
  if (hasScheme(ref) || ref.startsWith('/')) return ref;
  const b = base.endsWith('/') ? base : `${base}/`;
  return b + ref;
}
