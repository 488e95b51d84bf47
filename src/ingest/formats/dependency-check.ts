/**
 * OWASP Dependency-Check reports, JSON and XML: dependencies → vulnerabilities (and suppressed vulnerabilities,
 * which are reported with an `external` suppression, never dropped).
 */
import type { Cvss, Finding, PackageRef, ToolRef } from '../../model';
import { ecosystemFromPurl, orderVulnIds } from '../ecosystem';
import { packageFingerprint } from '../fingerprint';
import type { FormatParser, ParseContext, ParseResult } from '../types';
import { cweId, firstLine, isObj, own, text, uniq } from '../values';
import { Collector, locate } from './collector';
import { nodeText, xmlList } from './xml-nodes';
import { toolRef } from './tool-refs';
import { parsePurl, purlPackageName } from './purl';
import { firstUrl } from './urls';
import { looksLikeVulnId, lower } from './text-fields';

/**
 * The two syntaxes differ only in how lists and a few names are spelled; `Reader` hides that.
 * JSON: `cvssv3`, `cwes: [..]`, `references: [..]`; XML: `cvssV3`, `cwes/cwe`, `references/reference`.
 */
interface Reader {
  xml: boolean;
  list(parent: unknown, jsonKey: string, xmlParent: string, xmlChild: string): unknown[];
  str(o: unknown, key: string): string | undefined;
  attr(o: unknown, key: string): string | undefined;
}

const JSON_READER: Reader = {
  xml: false,
  list: (parent, jsonKey) => {
    const v = own(parent, jsonKey);
    return Array.isArray(v) ? v : [];
  },
  str: (o, key) => text(own(o, key)),
  attr: (o, key) => text(own(o, key)),
};

const XML_READER: Reader = {
  xml: true,
  list: (parent, _jsonKey, xmlParent, xmlChild) => xmlList(own(parent, xmlParent), xmlChild),
  str: (o, key) => nodeText(own(o, key)),
  attr: (o, key) => text(own(o, `@_${key}`)),
};

const CVSS3_METRICS: [key: string, abbr: string][] = [
  ['attackVector', 'AV'],
  ['attackComplexity', 'AC'],
  ['privilegesRequired', 'PR'],
  ['userInteraction', 'UI'],
  ['scope', 'S'],
  ['confidentialityImpact', 'C'],
  ['integrityImpact', 'I'],
  ['availabilityImpact', 'A'],
];
const METRIC_LETTER: Record<string, string> = {
  NETWORK: 'N',
  ADJACENT_NETWORK: 'A',
  ADJACENT: 'A',
  LOCAL: 'L',
  PHYSICAL: 'P',
  LOW: 'L',
  HIGH: 'H',
  NONE: 'N',
  REQUIRED: 'R',
  UNCHANGED: 'U',
  CHANGED: 'C',
};

/** Dependency-Check writes CVSS v3 as separate metrics; rebuild the vector when all are present. */
function cvss3Vector(r: Reader, v3: unknown, version: string | undefined): string | undefined {
  const parts: string[] = [];
  for (const [key, abbr] of CVSS3_METRICS) {
    const raw = r.str(v3, key)?.toUpperCase();
    if (!raw) return undefined;
    const letter = raw.length === 1 ? raw : METRIC_LETTER[raw];
    if (!letter) return undefined;
    parts.push(`${abbr}:${letter}`);
  }
  return `CVSS:${version && /^3\.[01]$/.test(version) ? version : '3.1'}/${parts.join('/')}`;
}

function readCvss(r: Reader, vuln: unknown, p: Collector, pointer: string): { cvss?: Cvss; severity?: string } {
  const at = (...keys: string[]) => (r.xml ? `${pointer}/${keys.join('/')}` : `${pointer}.${keys.join('.')}`);
  const v3 = own(vuln, r.xml ? 'cvssV3' : 'cvssv3');
  if (isObj(v3)) {
    const version = r.str(v3, 'version');
    const score = p.score(r.str(v3, 'baseScore'), at(r.xml ? 'cvssV3' : 'cvssv3', 'baseScore'));
    const cvss: Cvss = { version: version ?? '3' };
    if (score !== undefined) cvss.score = score;
    const vector = cvss3Vector(r, v3, version);
    if (vector) cvss.vector = vector;
    return { cvss, severity: r.str(v3, 'baseSeverity') };
  }
  const v2 = own(vuln, r.xml ? 'cvssV2' : 'cvssv2');
  if (isObj(v2)) {
    const score = p.score(r.str(v2, 'score'), at(r.xml ? 'cvssV2' : 'cvssv2', 'score'));
    const cvss: Cvss = { version: r.str(v2, 'version') ?? '2.0' };
    if (score !== undefined) cvss.score = score;
    return { cvss, severity: r.str(v2, 'severity') };
  }
  // Schema 1.x XML: <cvssScore> on the vulnerability.
  const legacy = p.score(r.str(vuln, 'cvssScore'), at('cvssScore'));
  return legacy !== undefined ? { cvss: { version: '2.0', score: legacy } } : {};
}

/** Package from the dependency's purl (`packages[].id`, `identifiers/package/id`), else a Maven GAV identifier. */
function readPackage(r: Reader, dep: unknown): PackageRef | undefined {
  const purls: string[] = [];
  if (r.xml) {
    const ids = own(dep, 'identifiers');
    // Some reports nest <identifiers><identifiers><package>…
    for (const holder of [ids, ...xmlList(ids, 'identifiers')]) {
      for (const pkg of xmlList(holder, 'package')) {
        const id = r.str(pkg, 'id');
        if (id) purls.push(id);
      }
    }
    if (!purls.length) {
      for (const ident of xmlList(ids, 'identifier')) {
        const gav = r.str(ident, 'name')?.split(':');
        if (r.attr(ident, 'type') === 'maven' && gav && gav.length === 3 && gav.every((x) => x)) {
          purls.push(`pkg:maven/${gav[0]}/${gav[1]}@${gav[2]}`);
        }
      }
    }
  } else {
    for (const pkg of r.list(dep, 'packages', '', '')) {
      const id = r.str(pkg, 'id');
      if (id) purls.push(id);
    }
  }
  for (const purl of purls) {
    const p = parsePurl(purl);
    if (!p) continue;
    const ref: PackageRef = { name: purlPackageName(p), purl };
    const eco = ecosystemFromPurl(purl);
    if (eco) ref.ecosystem = eco;
    if (p.version) ref.version = p.version;
    return ref;
  }
  return undefined;
}

/** Versions that fix the vulnerability: `versionEndExcluding` of the vulnerable-software entry that matched. */
function fixedVersions(r: Reader, vuln: unknown): string[] {
  const out: string[] = [];
  for (const sw of r.list(vuln, 'vulnerableSoftware', 'vulnerableSoftware', 'software')) {
    const s = r.xml ? sw : own(sw, 'software');
    const matched = r.xml ? (r.attr(s, 'matched') ?? r.attr(s, 'vulnerabilityIdMatched')) : r.str(s, 'vulnerabilityIdMatched');
    const fixed = r.xml ? r.attr(s, 'versionEndExcluding') : r.str(s, 'versionEndExcluding');
    if (matched === 'true' && fixed) out.push(fixed);
  }
  return uniq(out);
}

/** Virtual dependencies point into a manifest: `/src/go.mod:github.com/x/y/1.0` → `/src/go.mod`. */
function dependencyFile(filePath: string | undefined, isVirtual: boolean): string | undefined {
  if (!filePath || !isVirtual) return filePath;
  const colon = filePath.indexOf(':', 2);
  return colon > 0 ? filePath.slice(0, colon) : filePath;
}

interface DepContext {
  tool: ToolRef;
  format: string;
  pkg?: PackageRef;
  fileName?: string;
  file?: string;
  ctx: ParseContext;
}

function toFinding(r: Reader, vuln: Record<string, unknown>, pointer: string, suppressed: boolean, d: DepContext, p: Collector): Finding {
  const name = r.str(vuln, 'name') ?? 'unknown';
  const severityNode = own(vuln, 'severity');
  const { cvss, severity: cvssSeverity } = readCvss(r, vuln, p, pointer);
  const scannerSeverity = lower(nodeText(severityNode) ?? cvssSeverity);
  const cwes = r.xml ? [...xmlList(own(vuln, 'cwes'), 'cwe'), own(vuln, 'cwe')] : [...r.list(vuln, 'cwes', '', ''), own(vuln, 'cwe')];
  const cwe = uniq(cwes.map((c) => cweId(nodeText(c))).filter((c): c is string => !!c));
  const cve = orderVulnIds(looksLikeVulnId(name) ? [name] : []);
  const source = r.xml ? r.attr(vuln, 'source') : r.str(vuln, 'source');
  const refs = r.list(vuln, 'references', 'references', 'reference');
  const helpUri =
    cve[0]?.startsWith('CVE-') === true
      ? `https://nvd.nist.gov/vuln/detail/${cve[0]}`
      : (refs.map((x) => r.str(x, 'url')).find((u) => u !== undefined) ?? firstUrl(r.str(vuln, 'description')));
  const pkg: PackageRef = d.pkg ? { ...d.pkg } : { name: d.fileName ?? 'unknown' };
  const fixed = fixedVersions(r, vuln);
  if (fixed.length) pkg.fixedVersions = fixed;
  const tags = ['sca'];
  if (source) tags.push(`source:${source}`);
  if (isObj(severityNode) && r.attr(severityNode, 'unscored') === 'true') tags.push('unscored');
  const f: Finding = {
    fingerprint: packageFingerprint(pkg, cve[0] ?? name),
    fingerprintSource: 'package',
    tool: d.tool,
    source: { file: d.ctx.file, format: d.format, pointer },
    ruleId: name,
    title: firstLine(`${name} in ${pkg.name}${pkg.version ? `@${pkg.version}` : ''}`),
    message: r.str(vuln, 'description') ?? name,
    kind: 'sca',
    cwe,
    cve,
    tags,
    resultKind: 'fail',
    suppressions: suppressed
      ? [{ kind: 'external', status: 'accepted', ...(r.str(vuln, 'notes') ? { justification: r.str(vuln, 'notes') } : {}) }]
      : [],
    package: pkg,
  };
  if (helpUri) f.helpUri = helpUri;
  if (scannerSeverity) f.scannerSeverity = scannerSeverity;
  if (cvss) f.cvss = cvss;
  if (d.fileName) f.component = d.fileName;
  Object.assign(f, locate(d.file, d.ctx.workspace));
  return f;
}

function parseWith(r: Reader, doc: unknown, ctx: ParseContext): ParseResult {
  const format = r.xml ? 'dependency-check-xml' : 'dependency-check';
  const p = new Collector(ctx.file, format);
  const findings: Finding[] = [];
  const root = r.xml ? own(doc, 'analysis') : doc;
  const rootPath = r.xml ? '/analysis' : '$';
  const tool = toolRef('Dependency-Check', r.str(own(root, 'scanInfo'), 'engineVersion'));
  let deps: unknown[];
  if (r.xml) {
    // The report's XML schema, named by its namespace: dependency-check.1.x.xsd and 2.x.xsd (the corpus: 1.3, 2.5).
    const ns = own(root, '@_xmlns');
    const m = typeof ns === 'string' ? /dependency-check\.(\d+)\.\d+\.xsd$/.exec(ns) : null;
    if (m && m[1] !== '1' && m[1] !== '2')
      p.unknownVersion(`${rootPath}/@xmlns`, 'Dependency-Check report schema', ns, 'dependency-check.1.x.xsd, dependency-check.2.x.xsd');
    const el = own(root, 'dependencies');
    // Dependency-Check's XML report always writes <dependencies> (`<dependencies/>` when nothing was scanned, corpus
    // dc_empty.xml): its absence may hide findings.
    if (el === undefined)
      p.error(
        `${rootPath}/dependencies`,
        'missing: a Dependency-Check report lists what it scanned in <dependencies>',
        'the report does not say what was found: check that the scanner step completed',
      );
    else if (el !== '' && !isObj(el)) {
      p.error(`${rootPath}/dependencies`, 'expected <dependency> elements, found text', 'no dependency was read');
    }
    deps = xmlList(el, 'dependency');
  } else {
    deps = p.required(own(root, 'dependencies'), '$.dependencies', 'a Dependency-Check report lists what it scanned in dependencies');
  }
  deps.forEach((depV, di) => {
    const depPath = r.xml ? `${rootPath}/dependencies/dependency[${di}]` : `$.dependencies[${di}]`;
    const dep = p.object(depV, depPath, 'the dependency was skipped');
    if (!dep) return;
    const isVirtual = (r.xml ? r.attr(dep, 'isVirtual') : str(own(dep, 'isVirtual'))) === 'true';
    const d: DepContext = {
      tool,
      format,
      pkg: readPackage(r, dep),
      fileName: r.str(dep, 'fileName'),
      file: dependencyFile(r.str(dep, 'filePath'), isVirtual),
      ctx,
    };
    const groups: { items: unknown[]; path: string; suppressed: boolean }[] = [];
    if (r.xml) {
      const vulns = own(dep, 'vulnerabilities');
      groups.push({ items: xmlList(vulns, 'vulnerability'), path: `${depPath}/vulnerabilities/vulnerability`, suppressed: false });
      groups.push({
        items: xmlList(vulns, 'suppressedVulnerability'),
        path: `${depPath}/vulnerabilities/suppressedVulnerability`,
        suppressed: true,
      });
      groups.push({
        items: xmlList(own(dep, 'suppressedVulnerabilities'), 'suppressedVulnerability'),
        path: `${depPath}/suppressedVulnerabilities/suppressedVulnerability`,
        suppressed: true,
      });
    } else {
      groups.push({
        items: p.array(own(dep, 'vulnerabilities'), `${depPath}.vulnerabilities`),
        path: `${depPath}.vulnerabilities`,
        suppressed: false,
      });
      groups.push({
        items: p.array(own(dep, 'suppressedVulnerabilities'), `${depPath}.suppressedVulnerabilities`),
        path: `${depPath}.suppressedVulnerabilities`,
        suppressed: true,
      });
    }
    for (const g of groups) {
      g.items.forEach((v, vi) => {
        const pointer = `${g.path}[${vi}]`;
        const vuln = p.object(v, pointer, 'the vulnerability was skipped');
        if (vuln) findings.push(toFinding(r, vuln, pointer, g.suppressed, d, p));
      });
    }
  });
  return { findings, errors: p.errors, tools: [tool] };
}

function str(v: unknown): string | undefined {
  return typeof v === 'boolean' ? String(v) : text(v);
}

export const dependencyCheckParser: FormatParser = {
  id: 'dependency-check',
  label: 'OWASP Dependency-Check JSON report',
  syntax: 'json',
  detect(doc) {
    if (!isObj(doc) || !Array.isArray(own(doc, 'dependencies'))) return false;
    const scanInfo = own(doc, 'scanInfo');
    return (isObj(scanInfo) && own(scanInfo, 'engineVersion') !== undefined) || typeof own(doc, 'reportSchema') === 'string';
  },
  parse: (doc, ctx) => parseWith(JSON_READER, doc, ctx),
};

export const dependencyCheckXmlParser: FormatParser = {
  id: 'dependency-check-xml',
  label: 'OWASP Dependency-Check XML report',
  syntax: 'xml',
  detect(doc) {
    const root = own(doc, 'analysis');
    if (!isObj(root)) return false;
    const ns = text(own(root, '@_xmlns')) ?? '';
    return ns.includes('dependency-check') || (own(root, 'dependencies') !== undefined && own(root, 'scanInfo') !== undefined);
  },
  parse: (doc, ctx) => parseWith(XML_READER, doc, ctx),
};
