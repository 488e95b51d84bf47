/**
 * Helpers of the native JSON parsers trivy, grype, semgrep, gitleaks, npm-audit and osv-scanner (those of all
 * parsers are in collector.ts). Everything here is pure and never throws on untrusted input.
 */
import type { Cvss, Finding, PackageRef } from '../../model';
import { ecosystemFromPurl, normalizeEcosystem, orderVulnIds } from '../ecosystem';
import { packageFingerprint } from '../fingerprint';
import { arr, isoTime, jsonKey, own, text } from '../values';
import { type Collector, cvssVersion, decodeOrKeep } from './collector';
import { marker } from '../../redact/text';

/** Object keys that are never data names (untrusted files may carry them); skipped when iterating keys. */
export const UNSAFE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** JSON path of a child: `child('$.Results', 2)` → `$.Results[2]`. */
export function child(path: string, key: string | number): string {
  return path + jsonKey(key);
}

/** Hint of `Collector.array` errors in these formats. */
export const TRUNCATED_HINT = 'the record was skipped; check that the file was not edited or truncated';

/** The scanner's severity word, lower-cased and trimmed (`HIGH` → `high`). */
export function severityWord(v: unknown): string | undefined {
  return text(v)?.toLowerCase();
}

/** Never show a secret: a marker with a hash of it (src/redact/text.ts). */
export function redactSecret(secret: string): string {
  return marker('secret', secret);
}

/** Replaces every occurrence of each secret in `s` by its marker (longest first). */
export function redactIn(s: string, secrets: (string | undefined)[]): string {
  let out = s;
  const values = secrets.filter((x): x is string => !!x && x.length > 0).sort((a, b) => b.length - a.length);
  for (const secret of values) out = out.split(secret).join(redactSecret(secret));
  return out;
}

/** `"1.2.3, 1.3.0"` → `['1.2.3', '1.3.0']`. */
export function splitVersions(v: unknown): string[] {
  const s = text(v);
  if (!s) return [];
  const out = new Set<string>();
  for (const part of s.split(',')) {
    const p = part.trim();
    if (p) out.add(p);
  }
  return [...out];
}

/** A Cvss record, or undefined when nothing is known; scores outside 0–10 are dropped. */
export function makeCvss(version: string | undefined, score: number | undefined, vector: string | undefined): Cvss | undefined {
  const s = score !== undefined && score >= 0 && score <= 10 ? score : undefined;
  if (s === undefined && !vector) return undefined;
  const c: Cvss = {};
  const v = version ?? cvssVersion(vector);
  if (v) c.version = v;
  if (s !== undefined) c.score = s;
  if (vector) c.vector = vector;
  return c;
}

const PURL_PARTS = /^pkg:([^/]+)\/(.+?)(?:@([^?#]*))?(?:[?#].*)?$/i;

/**
 * Package record with the ecosystem taken from the purl when there is one, else from `ecosystemHint`.
 * Maven names are made `group:artifact` (Trivy spelling) when the tool gave only the artifact id but the purl has the
 * group, so Trivy and Grype name the same jar alike and their package fingerprints agree.
 */
export function makePackage(
  name: string,
  version: string | undefined,
  purl: string | undefined,
  ecosystemHint: string | undefined,
  fixedVersions: string[] = [],
): PackageRef {
  const ecosystem = ecosystemFromPurl(purl) ?? normalizeEcosystem(ecosystemHint);
  let n = name;
  if (ecosystem === 'maven' && purl && !n.includes(':')) {
    const m = PURL_PARTS.exec(purl.trim());
    const segs = m?.[2]?.split('/') ?? [];
    if (segs.length >= 2) {
      const artifact = decodeOrKeep(segs[segs.length - 1] ?? '');
      const group = segs.slice(0, -1).map(decodeOrKeep).join('.');
      if (artifact === n && group) n = `${group}:${artifact}`;
    }
  }
  const p: PackageRef = { name: n };
  if (ecosystem) p.ecosystem = ecosystem;
  if (version) p.version = version;
  if (purl) p.purl = purl;
  if (fixedVersions.length > 0) p.fixedVersions = fixedVersions;
  return p;
}

/** What a parser gives `makeFinding`: a Finding without its source (built from `pointer`), with defaults for lists. */
type Defaulted = 'fingerprint' | 'fingerprintSource' | 'cwe' | 'cve' | 'tags' | 'suppressions' | 'resultKind';
export type FindingInput = Omit<Finding, Defaulted | 'source'> & Partial<Pick<Finding, Defaulted>> & { pointer: string };

/** Builds a Finding with defaults (`resultKind: 'fail'`, empty lists) and no `undefined`-valued keys. */
export function makeFinding(c: Collector, i: FindingInput): Finding {
  const f: Finding = {
    fingerprint: i.fingerprint ?? '',
    fingerprintSource: i.fingerprintSource ?? '',
    tool: i.tool,
    source: { file: c.file, format: c.format, pointer: i.pointer },
    ruleId: i.ruleId,
    title: i.title,
    message: i.message,
    kind: i.kind,
    cwe: i.cwe ?? [],
    cve: i.cve ?? [],
    tags: i.tags ?? [],
    resultKind: i.resultKind ?? 'fail',
    suppressions: i.suppressions ?? [],
  };
  const optional: (keyof FindingInput & keyof Finding)[] = [
    'helpUri',
    'scannerSeverity',
    'securitySeverity',
    'cvss',
    'path',
    'location',
    'startLine',
    'endLine',
    'startColumn',
    'endColumn',
    'snippet',
    'component',
    'package',
    'exploit',
    'firstDetected',
    'published',
  ];
  const target = f as unknown as Record<string, unknown>;
  for (const k of optional) {
    const v = k === 'firstDetected' || k === 'published' ? isoTime(i[k]) : i[k];
    if (v !== undefined) target[k] = v;
  }
  return f;
}

/** Fingerprint for a dependency vulnerability: the same package@version and primary id from any tool agree. */
export function dependencyFingerprint(
  pkg: PackageRef,
  ids: string[],
  fallbackId: string,
): { fingerprint: string; fingerprintSource: string } {
  return { fingerprint: packageFingerprint(pkg, ids[0] ?? fallbackId), fingerprintSource: 'package' };
}

/** orderVulnIds over a primary id and aliases, ignoring non-strings. */
export function vulnIds(...groups: unknown[]): string[] {
  const all: string[] = [];
  for (const g of groups) {
    if (Array.isArray(g)) {
      for (const x of g) {
        const s = text(x);
        if (s) all.push(s);
      }
    } else {
      const s = text(g);
      if (s) all.push(s);
    }
  }
  return orderVulnIds(all);
}

/** Ids from a list of objects' `key` property (e.g. relatedVulnerabilities[].id). */
export function idsOf(list: unknown, key: string): string[] {
  const out: string[] = [];
  for (const x of arr(list)) {
    const s = text(own(x, key));
    if (s) out.push(s);
  }
  return out;
}

const GHSA_IN_URL = /\b(GHSA(?:-[23456789cfghjmpqrvwx]{4}){3})\b/i;

/** A GHSA id inside a URL such as `https://github.com/advisories/GHSA-xxxx-xxxx-xxxx`. */
export function ghsaFromUrl(url: string | undefined): string | undefined {
  const m = url ? GHSA_IN_URL.exec(url) : null;
  return m?.[1];
}

const SEVERITY_ORDER: Record<string, number> = {
  critical: 5,
  high: 4,
  important: 4,
  moderate: 3,
  medium: 3,
  low: 2,
  negligible: 1,
  info: 1,
  unknown: 0,
};

/** The more severe of two severity words (unknown words lose to known ones). */
export function moreSevere(a: string | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b) return a;
  return (SEVERITY_ORDER[b] ?? -1) > (SEVERITY_ORDER[a] ?? -1) ? b : a;
}

/** Tags `prefix:value` for non-empty values. */
export function tag(prefix: string, v: unknown): string[] {
  const s = text(v);
  return s ? [`${prefix}:${s}`] : [];
}
