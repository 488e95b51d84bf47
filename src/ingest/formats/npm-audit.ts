/**
 * `npm audit --json`: v1 reports (npm ≤ 6: `advisories{}` keyed by advisory id, one finding per advisory and installed
 * version) and v2 reports (npm ≥ 7: `auditReportVersion: 2`, `vulnerabilities{}` keyed by package; one finding per
 * advisory object in `via[]`). String entries of `via` only say "vulnerable because of that dependency"; the
 * dependency's own entry carries the advisory, so they are not findings of their own.
 * npm's error object (`{"error": {...}}`) is not detected here: the generic layer reports it.
 */
import type { Cvss, PackageRef, ToolRef } from '../../model';
import type { FormatParser, ParseContext, ParseResult } from '../types';
import { cweId, firstLine, isObj, own, str, strings, text, type Obj } from '../values';
import { Collector, describeKind } from './collector';
import {
  child,
  dependencyFingerprint,
  ghsaFromUrl,
  makeCvss,
  makeFinding,
  makePackage,
  severityWord,
  TRUNCATED_HINT,
  UNSAFE_KEYS,
  vulnIds,
} from './dependency-findings';

const FORMAT = 'npm-audit';

function detect(doc: unknown): boolean {
  if (!isObj(doc) || 'error' in doc) return false;
  // (Any auditReportVersion with a vulnerabilities object: a version other than 2 is read as 2, with a warning.)
  if (own(doc, 'auditReportVersion') !== undefined) return isObj(own(doc, 'vulnerabilities'));
  return isObj(own(doc, 'advisories')) && ('actions' in doc || 'muted' in doc || 'metadata' in doc);
}

function cwes(v: unknown): string[] {
  const out = new Set<string>();
  let list: unknown[] = Array.isArray(v) ? v : [v];
  // v1 sometimes has the list serialized as a string: '["CWE-918","CWE-1333"]'.
  if (typeof v === 'string' && v.trim().startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(v);
      if (Array.isArray(parsed)) list = parsed;
    } catch {
      // keep the raw string
    }
  }
  for (const x of list) {
    const id = cweId(x);
    if (id) out.add(id);
  }
  return [...out];
}

function cvssOf(c: Collector, v: unknown, path: string): Cvss | undefined {
  if (!isObj(v)) return undefined;
  const score = c.score(own(v, 'score'), `${path}.score`);
  const vector = text(own(v, 'vectorString'));
  // npm writes score 0 with a null vector when it has no CVSS.
  if (!vector && !score) return undefined;
  return makeCvss(undefined, score, vector);
}

function v1(c: Collector, doc: Obj, tool: ToolRef): void {
  const advisories = own(doc, 'advisories');
  if (!isObj(advisories)) {
    c.error('$.advisories', `expected an object keyed by advisory id, found ${describeKind(advisories)}`, undefined, 'fatal');
    return;
  }
  for (const key of Object.keys(advisories)) {
    if (UNSAFE_KEYS.has(key)) continue;
    const ap = child('$.advisories', key);
    const a = c.object(own(advisories, key), ap);
    if (!a) continue;
    const name = text(own(a, 'module_name'));
    if (!name) {
      c.error(ap, 'advisory without module_name', 'the record was skipped');
      continue;
    }
    const id = str(own(a, 'id')) ?? key;
    const url = text(own(a, 'url'));
    const ghsa = text(own(a, 'github_advisory_id')) ?? ghsaFromUrl(url);
    const cve = vulnIds(own(a, 'cves'), ghsa);
    const ruleId = ghsa ?? `NPM-${id}`;
    const title = text(own(a, 'title')) ?? ruleId;
    const overview = text(own(a, 'overview'));
    const recommendation = text(own(a, 'recommendation'));
    const patched = text(own(a, 'patched_versions'));
    const findings = c.array(own(a, 'findings'), child(ap, 'findings'), TRUNCATED_HINT);
    const versions = findings.length > 0 ? findings : [undefined];
    versions.forEach((f, i) => {
      const version = text(own(f, 'version'));
      const paths = strings(own(f, 'paths'));
      const pkg: PackageRef = makePackage(name, version, undefined, 'npm', patched ? [patched] : []);
      c.add(
        makeFinding(c, {
          ...dependencyFingerprint(pkg, cve, ruleId),
          tool,
          pointer: f === undefined ? ap : child(child(ap, 'findings'), i),
          ruleId,
          title: firstLine(`${title} in ${name}`),
          message: [
            overview ?? title,
            recommendation,
            `Package: ${name}${version ? `@${version}` : ''}; vulnerable: ${text(own(a, 'vulnerable_versions')) ?? '?'}; patched: ${patched ?? 'none'}`,
            paths.length > 0 ? `Dependency paths: ${paths.slice(0, 10).join(', ')}${paths.length > 10 ? ', …' : ''}` : undefined,
          ]
            .filter(Boolean)
            .join('\n\n'),
          helpUri: url,
          kind: 'sca',
          cwe: cwes(own(a, 'cwe')),
          cve,
          tags: [
            ...(own(f, 'dev') === true ? ['dev'] : []),
            ...(own(f, 'optional') === true ? ['optional'] : []),
            ...(own(f, 'bundled') === true ? ['bundled'] : []),
          ],
          scannerSeverity: severityWord(own(a, 'severity')),
          cvss: cvssOf(c, own(a, 'cvss'), child(ap, 'cvss')),
          package: pkg,
        }),
      );
    });
  }
}

function v2(c: Collector, doc: Obj, tool: ToolRef): void {
  const vulns = own(doc, 'vulnerabilities') as Obj;
  for (const key of Object.keys(vulns)) {
    if (UNSAFE_KEYS.has(key)) continue;
    const vp = child('$.vulnerabilities', key);
    const v = c.object(own(vulns, key), vp);
    if (!v) continue;
    const name = text(own(v, 'name')) ?? key;
    const fix = own(v, 'fixAvailable');
    const nodes = strings(own(v, 'nodes'));
    // npm writes `via` for every vulnerable package (the advisories, or the dependencies it is vulnerable through): an
    // entry without it, with `null` or with `[]` does not say why the package is vulnerable, so its advisories may be
    // missing (fail closed).
    const viaRaw = own(v, 'via');
    if (!Array.isArray(viaRaw) || viaRaw.length === 0) {
      c.error(
        child(vp, 'via'),
        `${viaRaw === undefined ? 'missing' : Array.isArray(viaRaw) ? 'empty' : `expected an array, found ${describeKind(viaRaw)}`}: npm audit lists the advisories of vulnerable package "${name}" in \`via\`, so its advisories cannot be read`,
        'check that the file was not edited or truncated, and run `npm audit --json` again',
      );
      continue;
    }
    const via = viaRaw;
    via.forEach((x, i) => {
      if (typeof x === 'string') return; // transitive: reported under the dependency's own entry
      const p = child(child(vp, 'via'), i);
      const o = c.object(x, p);
      if (!o) return;
      const source = str(own(o, 'source'));
      const url = text(own(o, 'url'));
      const ghsa = ghsaFromUrl(url);
      const ruleId = ghsa ?? (source ? `NPM-${source}` : undefined);
      if (!ruleId) {
        c.error(p, 'advisory without source or url', 'the record was skipped');
        return;
      }
      const pkgName = text(own(o, 'name')) ?? name;
      const fixTarget = isObj(fix) ? `${text(own(fix, 'name')) ?? '?'}@${text(own(fix, 'version')) ?? '?'}` : undefined;
      const fixedVersions =
        isObj(fix) && text(own(fix, 'name')) === pkgName && text(own(fix, 'version')) ? [text(own(fix, 'version')) as string] : [];
      const pkg = makePackage(pkgName, undefined, undefined, 'npm', fixedVersions);
      const cve = vulnIds(ghsa, own(o, 'cves'));
      const title = text(own(o, 'title')) ?? ruleId;
      const range = text(own(o, 'range'));
      c.add(
        makeFinding(c, {
          ...dependencyFingerprint(pkg, cve, ruleId),
          tool,
          pointer: p,
          ruleId,
          title: firstLine(`${title} in ${pkgName}`),
          message: [
            title,
            `Package: ${pkgName}; vulnerable: ${range ?? '?'}${fix === false ? '; no fix available' : fixTarget ? `; fix: install ${fixTarget}${own(fix, 'isSemVerMajor') === true ? ' (semver-major)' : ''}` : fix === true ? '; fix available (npm audit fix)' : ''}`,
            nodes.length > 0 ? `Installed at: ${nodes.slice(0, 10).join(', ')}${nodes.length > 10 ? ', …' : ''}` : undefined,
          ]
            .filter(Boolean)
            .join('\n\n'),
          helpUri: url,
          kind: 'sca',
          cwe: cwes(own(o, 'cwe')),
          cve,
          tags: [
            ...(own(v, 'isDirect') === true ? ['direct'] : own(v, 'isDirect') === false ? ['transitive'] : []),
            ...(fix === false ? ['no-fix'] : fix === true || isObj(fix) ? ['fix-available'] : []),
            ...(own(fix, 'isSemVerMajor') === true ? ['fix-semver-major'] : []),
          ],
          scannerSeverity: severityWord(own(o, 'severity')) ?? severityWord(own(v, 'severity')),
          cvss: cvssOf(c, own(o, 'cvss'), child(p, 'cvss')),
          location: nodes[0],
          package: pkg,
        }),
      );
    });
  }
}

function parse(doc: unknown, ctx: ParseContext): ParseResult {
  const c = new Collector(ctx.file, FORMAT);
  const tool: ToolRef = { name: 'npm audit' };
  if (!isObj(doc)) {
    c.error('$', `expected an npm audit report (an object), found ${doc === null ? 'null' : typeof doc}`, undefined, 'fatal');
  } else if (own(doc, 'auditReportVersion') !== undefined || isObj(own(doc, 'vulnerabilities'))) {
    const version = own(doc, 'auditReportVersion');
    // npm 7 to 11 write version 2 (the corpus's npm_audit_7_plus files); the v1 format has no version.
    if (version !== undefined && version !== 2) c.unknownVersion('$.auditReportVersion', 'npm audit auditReportVersion', version, '2');
    if (!isObj(own(doc, 'vulnerabilities')))
      c.error(
        '$.vulnerabilities',
        `expected an object keyed by package name, found ${describeKind(own(doc, 'vulnerabilities'))}`,
        undefined,
        'fatal',
      );
    else v2(c, doc, tool);
  } else {
    v1(c, doc, tool);
  }
  return { findings: c.findings, errors: c.errors, tools: [tool] };
}

export const npmAuditParser: FormatParser = {
  id: FORMAT,
  label: 'npm audit JSON',
  syntax: 'json',
  detect,
  parse,
};
