/**
 * OSV-Scanner JSON (`osv-scanner --format json`): `results[].packages[]` with `package`, `vulnerabilities[]` (OSV
 * records) and `groups[]` (ids OSV-Scanner considers one vulnerability: aliases folded, with `max_severity`).
 * One finding per group (per vulnerability when the report has no groups), so GHSA-x and PYSEC-y for the same flaw
 * are one finding. The score is taken only when given numerically (`max_severity`); OSV `severity[].score` is a CVSS
 * vector, kept as the vector.
 */
import type { Cvss, ToolRef } from '../../model';
import type { FormatParser, ParseContext, ParseResult } from '../types';
import { arr, cweId, firstLine, isObj, isoTime, num, own, strings, text, type Obj } from '../values';
import { Collector, locate } from './collector';
import {
  child,
  dependencyFingerprint,
  makeCvss,
  makeFinding,
  makePackage,
  moreSevere,
  severityWord,
  TRUNCATED_HINT,
  vulnIds,
} from './dependency-findings';

const FORMAT = 'osv-scanner';

function detect(doc: unknown): boolean {
  if (!isObj(doc)) return false;
  const results = own(doc, 'results');
  if (!Array.isArray(results)) return false;
  if (results.length === 0) return 'experimental_config' in doc && !('errors' in doc);
  const first = results[0];
  return isObj(first) && Array.isArray(own(first, 'packages')) && isObj(own(first, 'source'));
}

const CVSS_TYPES = ['CVSS_V4', 'CVSS_V3', 'CVSS_V2'];

function vectorOf(vulns: Obj[]): Cvss | undefined {
  for (const type of CVSS_TYPES) {
    for (const v of vulns) {
      for (const s of arr(own(v, 'severity'))) {
        if (text(own(s, 'type'))?.toUpperCase() !== type) continue;
        const score = own(s, 'score');
        const vector = text(score);
        if (vector && num(vector) === undefined) return makeCvss(type === 'CVSS_V2' ? '2.0' : undefined, undefined, vector);
      }
    }
  }
  return undefined;
}

/** Fixed versions from the `affected[]` entries of the package, in the order found. */
function fixedVersions(vulns: Obj[], name: string, ecosystem: string | undefined): string[] {
  const out = new Set<string>();
  for (const v of vulns) {
    for (const a of arr(own(v, 'affected'))) {
      const p = own(a, 'package');
      if (text(own(p, 'name')) !== name) continue;
      const eco = text(own(p, 'ecosystem'));
      if (ecosystem && eco && eco.toLowerCase() !== ecosystem.toLowerCase()) continue;
      for (const r of arr(own(a, 'ranges'))) {
        for (const e of arr(own(r, 'events'))) {
          const f = text(own(e, 'fixed'));
          if (f) out.add(f);
        }
      }
    }
  }
  return [...out];
}

function cwesOf(vulns: Obj[]): string[] {
  const out = new Set<string>();
  for (const v of vulns) {
    for (const x of arr(own(own(v, 'database_specific'), 'cwe_ids'))) {
      const id = cweId(x);
      if (id) out.add(id);
    }
    for (const a of arr(own(v, 'affected'))) {
      for (const x of arr(own(own(a, 'database_specific'), 'cwes'))) {
        const id = cweId(own(x, 'cweId') ?? x);
        if (id) out.add(id);
      }
    }
  }
  return [...out];
}

function pkgEntry(c: Collector, pe: Obj, pointer: string, tool: ToolRef, where: { path?: string; location?: string }): void {
  const p = own(pe, 'package');
  // Git sources (submodules, vendored repositories) have no name and version, only a commit.
  const commit = text(own(p, 'commit'));
  const name = text(own(p, 'name')) ?? (commit ? (where.path ?? where.location ?? 'git') : undefined);
  if (!name) {
    c.error(child(pointer, 'package'), 'package without name or commit', 'the record was skipped');
    return;
  }
  const version = text(own(p, 'version')) ?? commit;
  const ecosystem = text(own(p, 'ecosystem'));
  const vp = child(pointer, 'vulnerabilities');
  const vulns = new Map<string, { v: Obj; i: number }>();
  c.array(own(pe, 'vulnerabilities'), vp, TRUNCATED_HINT).forEach((v, i) => {
    const o = c.object(v, child(vp, i));
    if (!o) return;
    const id = text(own(o, 'id'));
    if (!id) {
      c.error(child(vp, i), 'vulnerability without id', 'the record was skipped');
      return;
    }
    if (!vulns.has(id)) vulns.set(id, { v: o, i });
  });

  // Groups fold aliases; vulnerabilities in no group are findings of their own.
  const groups: { ids: string[]; aliases: string[]; maxSeverity?: number; pointer?: string }[] = [];
  const grouped = new Set<string>();
  const gp = child(pointer, 'groups');
  c.array(own(pe, 'groups'), gp, TRUNCATED_HINT).forEach((g, i) => {
    const o = c.object(g, child(gp, i));
    if (!o) return;
    const ids = strings(own(o, 'ids')).filter((id) => vulns.has(id) && !grouped.has(id));
    if (ids.length === 0) return;
    for (const id of ids) grouped.add(id);
    const ms = c.score(own(o, 'max_severity'), child(child(gp, i), 'max_severity'));
    groups.push({ ids, aliases: strings(own(o, 'aliases')), maxSeverity: ms, pointer: child(gp, i) });
  });
  for (const id of vulns.keys()) if (!grouped.has(id)) groups.push({ ids: [id], aliases: [] });

  for (const g of groups) {
    const members = g.ids.map((id) => vulns.get(id)).filter((x): x is { v: Obj; i: number } => x !== undefined);
    const first = members[0];
    if (!first) continue;
    const records = members.map((m) => m.v);
    const primary = g.ids[0] as string;
    const cve = vulnIds(g.ids, g.aliases, ...records.map((r) => own(r, 'aliases')));
    const pkg = makePackage(name, version, undefined, ecosystem, fixedVersions(records, name, ecosystem));
    let word: string | undefined;
    for (const r of records) word = moreSevere(word, severityWord(own(own(r, 'database_specific'), 'severity')));
    const vector = vectorOf(records);
    const cvss = g.maxSeverity !== undefined ? makeCvss(vector?.version, g.maxSeverity, vector?.vector) : vector;
    const summary = records.map((r) => text(own(r, 'summary'))).find(Boolean);
    const details = records.map((r) => text(own(r, 'details'))).find(Boolean);
    const refs = records.flatMap((r) => arr(own(r, 'references')));
    const advisory = refs.find((r) => text(own(r, 'type')) === 'ADVISORY') ?? refs[0];
    const malicious = g.ids.some((id) => id.startsWith('MAL-'));
    c.add(
      makeFinding(c, {
        ...dependencyFingerprint(pkg, cve, primary),
        tool,
        pointer: child(vp, first.i),
        ruleId: primary,
        title: firstLine(summary ?? details ?? `${primary} in ${name}`),
        message: [
          summary ?? primary,
          details,
          `Package: ${name}${version ? `@${version}` : ''}${ecosystem ? ` (${ecosystem})` : ''}${pkg.fixedVersions ? `; fixed in ${pkg.fixedVersions.join(', ')}` : ''}`,
          g.ids.length > 1 ? `Also reported as: ${g.ids.slice(1).join(', ')}` : undefined,
        ]
          .filter(Boolean)
          .join('\n\n'),
        helpUri: text(own(advisory, 'url')) ?? `https://osv.dev/vulnerability/${encodeURIComponent(primary)}`,
        kind: 'sca',
        cwe: cwesOf(records),
        cve,
        tags: [...(malicious ? ['malicious'] : []), ...strings(own(pe, 'dependency_groups')).map((d) => `dependency-group:${d}`)],
        scannerSeverity: word,
        cvss,
        ...where,
        package: pkg,
        published: earliestTime(records.map((r) => text(own(r, 'published')))),
      }),
    );
  }
}

/** The earliest readable time of a group's records (when the vulnerability was first published under any of its ids). */
function earliestTime(times: (string | undefined)[]): string | undefined {
  let best: string | undefined;
  for (const x of times) {
    const iso = isoTime(x);
    if (iso !== undefined && (best === undefined || Date.parse(iso) < Date.parse(best))) best = iso;
  }
  return best;
}

function parse(doc: unknown, ctx: ParseContext): ParseResult {
  const c = new Collector(ctx.file, FORMAT);
  const tool: ToolRef = { name: 'OSV-Scanner' };
  if (!isObj(doc)) {
    c.error(
      '$',
      `expected an OSV-Scanner report (an object with "results"), found ${doc === null ? 'null' : typeof doc}`,
      undefined,
      'fatal',
    );
    return { findings: [], errors: c.errors, tools: [tool] };
  }
  c.required(own(doc, 'results'), '$.results', 'an OSV-Scanner report lists its sources in results').forEach((r, i) => {
    const rp = `$.results[${i}]`;
    const o = c.object(r, rp);
    if (!o) return;
    const where = locate(text(own(own(o, 'source'), 'path')), ctx.workspace);
    const pp = child(rp, 'packages');
    c.required(own(o, 'packages'), pp, 'an OSV-Scanner source lists its vulnerable packages in packages').forEach((pe, j) => {
      const po = c.object(pe, child(pp, j));
      if (po) pkgEntry(c, po, child(pp, j), tool, where);
    });
  });
  return { findings: c.findings, errors: c.errors, tools: [tool] };
}

export const osvScannerParser: FormatParser = {
  id: FORMAT,
  label: 'OSV-Scanner JSON',
  syntax: 'json',
  detect,
  // Older OSV-Scanner versions wrote `{"results": []}` when nothing was found: not detected, but fits when forced.
  fits: (doc: unknown) =>
    detect(doc) ||
    (isObj(doc) &&
      Array.isArray(own(doc, 'results')) &&
      (own(doc, 'results') as unknown[]).length === 0 &&
      Object.keys(doc).every((k) => k === 'results' || k === 'experimental_config')),
  parse,
};
