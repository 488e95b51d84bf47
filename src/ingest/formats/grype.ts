/**
 * Grype / Anchore JSON (`grype -o json`): `matches[]` with `vulnerability`, `relatedVulnerabilities`, `artifact`,
 * `matchDetails`; `descriptor` names the tool. Old Grype (≤ 0.2x) wrote `cvssV2`/`cvssV3` objects, `fixedInVersion`
 * and `links`; both layouts are read. `ignoredMatches[]` (matches suppressed by Grype's ignore rules) are reported as
 * findings with an external suppression.
 */
import type { Cvss, Exploitability, FindingKind, ScannerSuppression, ToolRef } from '../../model';
import type { FormatParser, ParseContext, ParseResult } from '../types';
import { arr, firstLine, isObj, num, own, strings, text, type Obj } from '../values';
import { Collector, cvssVersion, locate } from './collector';
import {
  child,
  dependencyFingerprint,
  idsOf,
  makeCvss,
  makeFinding,
  makePackage,
  severityWord,
  tag,
  TRUNCATED_HINT,
  vulnIds,
} from './dependency-findings';

const FORMAT = 'grype';

/** Package types that are OS packages (found in images). */
const OS_PACKAGE_TYPES = new Set(['deb', 'rpm', 'apk', 'alpm', 'portage', 'linux-kernel', 'linux-kernel-module']);

function detect(doc: unknown): boolean {
  if (!isObj(doc)) return false;
  const descriptor = own(doc, 'descriptor');
  // A Grype report whose matches are malformed is still Grype's: parse reports the problem precisely.
  if (text(own(descriptor, 'name'))?.toLowerCase() === 'grype' && 'matches' in doc) return true;
  if (!Array.isArray(own(doc, 'matches'))) return false;
  if (isObj(descriptor) && typeof own(descriptor, 'name') === 'string') return true;
  const first = (own(doc, 'matches') as unknown[])[0];
  return isObj(first) && isObj(own(first, 'vulnerability')) && isObj(own(first, 'artifact'));
}

/** Best CVSS from a list of Grype cvss entries: highest version, NVD `Primary` first within a version. */
function bestCvss(col: Collector, list: unknown, path: string): Cvss | undefined {
  let best: { c: Cvss; rank: number } | undefined;
  const items = arr(list);
  for (let i = 0; i < items.length; i++) {
    const e = items[i];
    if (!isObj(e)) continue;
    const vector = text(own(e, 'vector'));
    const version = text(own(e, 'version')) ?? cvssVersion(vector);
    const score = col.score(own(own(e, 'metrics'), 'baseScore'), `${path}[${i}].metrics.baseScore`);
    const c = makeCvss(version, score, vector);
    if (!c) continue;
    const v = Number(version ?? 0) || 0;
    const rank = v * 10 + (text(own(e, 'type'))?.toLowerCase() === 'primary' ? 1 : 0);
    if (!best || rank > best.rank) best = { c, rank };
  }
  return best?.c;
}

/** Old layout: `cvssV3`/`cvssV2` objects with baseScore and vector. */
function legacyCvss(col: Collector, v: Obj, path: string): Cvss | undefined {
  for (const [key, version] of [
    ['cvssV3', undefined],
    ['cvssV2', '2.0'],
  ] as const) {
    const o = own(v, key);
    if (isObj(o)) {
      const vector = text(own(o, 'vector'));
      const c = makeCvss(version ?? cvssVersion(vector) ?? '3.0', col.score(own(o, 'baseScore'), `${path}.${key}.baseScore`), vector);
      if (c) return c;
    }
  }
  return undefined;
}

function exploitOf(v: Obj, related: unknown[]): Exploitability | undefined {
  const e: Exploitability = {};
  const epssSources = [own(v, 'epss'), ...related.map((r) => own(r, 'epss'))];
  for (const list of epssSources) {
    for (const x of arr(list)) {
      const score = num(own(x, 'epss'));
      if (score === undefined || score < 0 || score > 1) continue;
      if (e.epss === undefined || score > e.epss) {
        e.epss = score;
        const pct = num(own(x, 'percentile'));
        if (pct !== undefined && pct >= 0 && pct <= 1) e.epssPercentile = pct;
      }
    }
  }
  const kevSources = [own(v, 'knownExploited'), ...related.map((r) => own(r, 'knownExploited'))];
  for (const k of kevSources) {
    if (k === true) e.kev = true;
    for (const x of arr(k)) {
      if (!isObj(x)) continue;
      e.kev = true;
      e.kevDateAdded ??= text(own(x, 'dateAdded'));
      e.kevDueDate ??= text(own(x, 'dueDate'));
    }
  }
  if (e.kevDateAdded === undefined) delete e.kevDateAdded;
  if (e.kevDueDate === undefined) delete e.kevDueDate;
  return Object.keys(e).length > 0 ? e : undefined;
}

interface Scan {
  tool: ToolRef;
  ctx: ParseContext;
  imageScan: boolean;
  /** The scanned image as the user named it. */
  image?: string;
}

function match(c: Collector, m: Obj, pointer: string, scan: Scan, suppressions: ScannerSuppression[]): void {
  const { tool, ctx, imageScan, image } = scan;
  const v = c.object(own(m, 'vulnerability'), child(pointer, 'vulnerability'));
  const a = c.object(own(m, 'artifact'), child(pointer, 'artifact'));
  if (!v || !a) return;
  const id = text(own(v, 'id'));
  const name = text(own(a, 'name'));
  if (!id || !name) {
    c.error(pointer, `match without ${id ? 'artifact.name' : 'vulnerability.id'}`, 'the record was skipped');
    return;
  }
  const related = arr(own(m, 'relatedVulnerabilities')).filter(isObj);
  const fix = own(v, 'fix');
  const fixState = text(own(fix, 'state'));
  const fixed = strings(own(fix, 'versions'));
  const legacyFixed = text(own(v, 'fixedInVersion'));
  if (legacyFixed && !fixed.includes(legacyFixed)) fixed.push(legacyFixed);
  const version = text(own(a, 'version'));
  const type = text(own(a, 'type'));
  const purl = text(own(a, 'purl'));
  const pkg = makePackage(name, version, purl, type, fixed);
  const cve = vulnIds(id, idsOf(related, 'id'));

  const nvd = related.find((r) => text(own(r, 'namespace'))?.startsWith('nvd')) ?? related[0];
  const vp = child(pointer, 'vulnerability');
  const nvdPath = nvd ? `${child(pointer, 'relatedVulnerabilities')}[${arr(own(m, 'relatedVulnerabilities')).indexOf(nvd)}].cvss` : '';
  const cvss =
    bestCvss(c, own(v, 'cvss'), `${vp}.cvss`) ?? legacyCvss(c, v, vp) ?? (nvd ? bestCvss(c, own(nvd, 'cvss'), nvdPath) : undefined);
  const description = text(own(v, 'description')) ?? (nvd ? text(own(nvd, 'description')) : undefined);
  const urls = [...strings(own(v, 'urls')), ...strings(own(v, 'links'))];
  const dataSource = text(own(v, 'dataSource'));

  const locations = arr(own(a, 'locations'));
  const firstPath = text(own(locations[0], 'path'));
  const isOs = type !== undefined && OS_PACKAGE_TYPES.has(type.toLowerCase());
  const where = imageScan || isOs ? (firstPath ? { location: firstPath } : {}) : locate(firstPath, ctx.workspace);
  const kind: FindingKind = imageScan || isOs ? 'container' : 'sca';
  const fixLine = fixed.length > 0 ? `fixed in ${fixed.join(', ')}` : fixState ? `fix: ${fixState}` : undefined;
  const pkgLine = `Package: ${name}${version ? `@${version}` : ''}${type ? ` (${type})` : ''}${fixLine ? `; ${fixLine}` : ''}`;
  const matchers = [
    ...new Set(
      (Array.isArray(own(m, 'matchDetails')) ? arr(own(m, 'matchDetails')) : [own(m, 'matchDetails')])
        .map((d) => text(own(d, 'matcher')))
        .filter((x): x is string => x !== undefined),
    ),
  ];
  const risk = num(own(v, 'risk'));

  c.add(
    makeFinding(c, {
      ...dependencyFingerprint(pkg, cve, id),
      tool,
      pointer,
      ruleId: id,
      title: description ? firstLine(`${id}: ${description}`) : `${id} in ${name}${version ? `@${version}` : ''}`,
      message: [
        description ?? id,
        pkgLine,
        locations.length > 1
          ? `Locations: ${locations
              .map((l) => text(own(l, 'path')))
              .filter(Boolean)
              .join(', ')}`
          : undefined,
      ]
        .filter(Boolean)
        .join('\n\n'),
      helpUri: dataSource ?? urls[0],
      kind,
      cve,
      tags: [
        ...tag('fix', fixState),
        ...matchers.map((x) => `matcher:${x}`),
        ...tag('namespace', own(v, 'namespace')),
        ...(risk !== undefined ? [`risk:${Math.round(risk * 100) / 100}`] : []),
      ],
      scannerSeverity: severityWord(own(v, 'severity')),
      cvss,
      ...where,
      component: image,
      package: pkg,
      exploit: exploitOf(v, related),
      suppressions,
    }),
  );
}

function parse(doc: unknown, ctx: ParseContext): ParseResult {
  const c = new Collector(ctx.file, FORMAT);
  const tool: ToolRef = { name: 'Grype' };
  if (!isObj(doc)) {
    c.error('$', `expected a Grype report (an object with "matches"), found ${doc === null ? 'null' : typeof doc}`, undefined, 'fatal');
    return { findings: [], errors: c.errors, tools: [tool] };
  }
  const descriptor = own(doc, 'descriptor');
  const version = text(own(descriptor, 'version'));
  if (version) tool.version = version;
  const sourceType = text(own(own(doc, 'source'), 'type'))?.toLowerCase();
  const imageScan = sourceType === 'image';
  const target = own(own(doc, 'source'), 'target');
  const scan: Scan = {
    tool,
    ctx,
    imageScan,
    image: imageScan ? (text(own(target, 'userInput')) ?? (typeof target === 'string' ? target : undefined)) : undefined,
  };
  c.required(own(doc, 'matches'), '$.matches', 'a Grype report lists its findings in matches').forEach((m, i) => {
    const p = `$.matches[${i}]`;
    const o = c.object(m, p);
    if (o) match(c, o, p, scan, []);
  });
  c.array(own(doc, 'ignoredMatches'), '$.ignoredMatches', TRUNCATED_HINT).forEach((m, i) => {
    const p = `$.ignoredMatches[${i}]`;
    const o = c.object(m, p);
    if (!o) return;
    const rules = arr(own(o, 'appliedIgnoreRules'));
    const reasons = rules.map((r) => text(own(r, 'reason')) ?? text(own(r, 'vulnerability'))).filter(Boolean);
    const sup: ScannerSuppression = { kind: 'external', status: 'accepted' };
    sup.justification = reasons.length > 0 ? `Grype ignore rule: ${reasons.join('; ')}` : 'Grype ignore rule';
    match(c, o, p, scan, [sup]);
  });
  return { findings: c.findings, errors: c.errors, tools: [tool] };
}

export const grypeParser: FormatParser = {
  id: FORMAT,
  label: 'Grype JSON',
  syntax: 'json',
  detect,
  parse,
};
